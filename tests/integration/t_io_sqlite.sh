#!/bin/sh
# I/O profiling of a real program: sqlite3 inserting 150 rows, one
# transaction each, into a file database with PRAGMA synchronous=FULL (a
# directory on a real filesystem, not tmpfs). Every commit syncs the journal
# and the database, so fsync/fdatasync leaves hold most of io_ns; the
# output of the SQL is unchanged.
. "$(dirname "$0")/lib.sh"
need_lib
command -v sqlite3 >/dev/null || fail "sqlite3 not installed (make deps-test)"
D=$ROOT/build/test-sqlite.$$
mkdir -p "$D"
trap 'rm -rf "$TMP" "$D"' EXIT
fs=$(stat -f -c %T "$D")
note "database directory $D ($fs)"
[ "$fs" = tmpfs ] && fail "need a disk-backed directory for fsync to cost anything"
{
    echo "PRAGMA synchronous=FULL;"
    echo "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
    i=0
    while [ $i -lt 150 ]; do
        echo "INSERT INTO t(v) VALUES('row $i with some text to write');"
        i=$((i + 1))
    done
    echo "SELECT count(*), sum(length(v)) FROM t;"
} >"$TMP/sql"
echo "sqlite3 150 synchronous inserts, FLAMEPRE_EVENTS=io"
plain p sqlite3 "$D/plain.db" <"$TMP/sql"
profile "$TMP/o" q env FLAMEPRE_EVENTS=io sqlite3 "$D/prof.db" <"$TMP/sql"
[ "$(cat "$TMP/q.rc")" = 0 ] || { show_head "$TMP/q.err"; fail "exit code $(cat "$TMP/q.rc")"; }
cmp -s "$TMP/p.out" "$TMP/q.out" || fail "output differs: $(cat "$TMP/q.out")"
N=$(one_file "$TMP/o" '*.io_ns.folded') || exit 1
check valid "$N"
"$PY" - "$N" <<'PYEOF' || fail "fsync/fdatasync do not dominate io_ns"
import sys, collections
leaf = collections.Counter()
for line in open(sys.argv[1]):
    st, c = line.rsplit(' ', 1)
    leaf[st.split(';')[-1]] += int(c)
tot = sum(leaf.values())
for k, v in leaf.most_common(6):
    print("  %-24s %5.1f%%" % (k, 100.0 * v / tot))
sync = sum(v for k, v in leaf.items() if k.startswith(('fsync ', 'fdatasync ')))
print("  fsync+fdatasync: %.1f%% of %d ns" % (100.0 * sync / tot, tot))
sys.exit(0 if sync > 0.5 * tot else 1)
PYEOF
