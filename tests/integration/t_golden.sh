#!/bin/sh
# Golden-file tests of the renderer: every case in tests/golden/cases.sh
# (render SVG with option combinations, top text/markdown/csv, convert
# folded/speedscope, and HTML/diff once they exist) is run with build/flamepre
# and compared byte for byte with tests/golden/expected/ (diff -u on failure).
# Expected errors and warnings are compared too (NAME.stderr). After a
# deliberate output change: tests/golden/refresh.sh, then review the diff.
# Also checks that every expected SVG parses as XML and every JSON as JSON,
# so a golden can never enshrine a broken file.
. "$(dirname "$0")/lib.sh"
[ -x "$CLI" ] || fail "$CLI not built (make cli)"
G=$ROOT/tests/golden
[ -d "$G/expected" ] || fail "$G/expected missing (tests/golden/refresh.sh)"

ACT=$TMP/actual
mkdir -p "$ACT"
cd "$G" || fail "cd $G"
. ./cases.sh
g() {
    golden_run "$CLI" "$ACT" "$@"
}
golden_cases
n=$(ls "$G/expected" | wc -l)
echo "compare $n expected files with a fresh run"
if ! diff -r expected "$ACT" >/dev/null; then
    diff -ru expected "$ACT" | head -c 20000
    echo
    fail "output differs from tests/golden/expected (if intended: tests/golden/refresh.sh and review git diff)"
fi

echo "expected SVG is well-formed XML, JSON parses, HTML has only its own scripts"
"$PY" - "$G/expected" <<'PYEOF' || fail "a golden file is malformed"
import json, os, sys
import xml.dom.minidom
from html.parser import HTMLParser

class Scripts(HTMLParser):
    """Counts <script> elements as a browser's tokenizer sees them: an
    unescaped "</script>" in a name would end one early and open others."""
    def __init__(self):
        super().__init__()
        self.n = 0
    def handle_starttag(self, tag, attrs):
        self.n += tag == "script"

def scripts(p):
    s = Scripts()
    s.feed(open(p, encoding="utf-8").read())
    return s.n

want = None
d = sys.argv[1]
bad = 0
for f in sorted(os.listdir(d)):
    p = os.path.join(d, f)
    try:
        if f.endswith(".svg"):
            xml.dom.minidom.parse(p)
        elif f.endswith(".json"):
            json.load(open(p, "rb"))
        elif f.endswith(".html"):
            n = scripts(p)
            if want is None:
                want = n
            if n != want:
                raise ValueError("%d <script> elements, other pages have %d" % (n, want))
    except Exception as e:
        print("  %s: %s" % (f, e))
        bad += 1
sys.exit(1 if bad else 0)
PYEOF
echo "ok"
