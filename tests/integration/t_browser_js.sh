#!/bin/sh
# The scripts the browser runs, as shipped: every render/js/*.js parses
# (node --check), none holds the sequence that would end its container
# early ("]]>" in the SVG's CDATA section; "</script" or "<!--" in the HTML
# page's <script>), and the graphs flamepre writes carry each file byte for
# byte (the Makefile embeds it; nothing rewrites it on the way). Running
# them is t_browser.sh's job. node comes with the browser tests' packages
# (need_browser in lib.sh installs it when missing).
. "$(dirname "$0")/lib.sh"
[ -x "$CLI" ] || fail "$CLI not built (make cli)"
command -v node >/dev/null || need_browser
JS=$ROOT/render/js
for f in "$JS"/*.js; do
    echo "node --check $(basename "$f")"
    node --check "$f" || fail "$f does not parse"
done
grep -n ']]>' "$JS/svg.js" && fail "svg.js contains ]]> (it sits in a CDATA section)"
for f in html.js heatmap.js; do
    grep -n -i '</script\|<!--' "$JS/$f" &&
        fail "$f contains </script or <!-- (it sits in an HTML <script>)"
done

IN=$ROOT/tests/golden/in/app.4242.cpu.folded
"$CLI" render "$IN" -o "$TMP/g.svg" || fail "flamepre render failed"
"$CLI" render "$IN" -o "$TMP/g.html" || fail "flamepre render -o .html failed"
echo "the SVG and the HTML page embed svg.js and html.js unchanged"
"$PY" - "$TMP/g.svg" "$JS/svg.js" '<![CDATA[\n' ']]></script>' "$TMP/g.html" "$JS/html.js" \
    '</script>\n<script>\n' '</script>\n</body>' <<'PYEOF' || fail "an embedded script differs from its file"
import sys
a = sys.argv[1:]
for doc, js, start, end in (a[0:4], a[4:8]):
    text = open(doc, "rb").read()
    start, end = start.encode().decode("unicode_escape").encode(), end.encode().decode("unicode_escape").encode()
    i = text.index(start) + len(start)
    got = text[i:text.index(end, i)]
    want = open(js, "rb").read()
    if got != want:
        sys.exit("%s: the script in it differs from %s" % (doc, js))
PYEOF
