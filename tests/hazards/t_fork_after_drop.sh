#!/bin/sh
# A fork child of a process that changed, after it attached, what a new
# connection to the collector would be, still gets its profile, from the
# same collector:
#  - setuid: a server that drops to user nobody and then forks workers.
#    The child used to connect to the collector's socket by name; the
#    collector refused a peer of another user, the child fell back to
#    collecting in-process and could not write into root's output
#    directory: no profile, one line on stderr (none when stderr was a
#    pipe to nowhere).
#  - netns: a new network namespace, where the abstract socket name
#    reaches no collector: the child used to start a second collector of
#    its own inside it.
# The child's channel now goes to the collector through the parent's.
. "$(dirname "$0")/lib.sh"
need_lib
build fork_after_drop
for how in setuid netns; do
    if [ "$how" = setuid ] && [ "$(id -u)" != 0 ]; then
        note "setuid: not root, skipped"
        continue
    fi
    D="$TMP/$how"
    mkdir -p "$D"
    chmod 755 "$D"
    FLAMEPRE_HZ=999 profile "$D" "$how" "$TMP/fork_after_drop" "$how"
    rc=$(cat "$TMP/$how.rc")
    if [ "$how" = netns ] && [ "$rc" = 3 ]; then
        note "netns: unshare(CLONE_NEWNET) not permitted here, skipped"
        continue
    fi
    [ "$rc" = 0 ] || fail "$how: exit status $rc: $(cat "$TMP/$how.err")"
    [ -s "$TMP/$how.err" ] && fail "$how: the profiler wrote on stderr: $(cat "$TMP/$how.err")"
    child=$(sed -n 's/^child //p' "$TMP/$how.out")
    parent=$(ls "$D" | sed -n 's/^fork_after_drop\.\([0-9]*\)\.meta\.json$/\1/p' | grep -vx "$child")
    wait_for "$D/fork_after_drop.$child.meta.json" 3000 ||
        fail "$how: no profile of the fork child $child: $(ls "$D")"
    F="$D/fork_after_drop.$child.cpu.folded"
    n=$(awk '/;child_burn/ {s += $NF} END {print s + 0}' "$F")
    cp=$(meta_get "$D/fork_after_drop.$child.meta.json" collector_pid)
    pp=$(meta_get "$D/fork_after_drop.$parent.meta.json" collector_pid)
    note "$how: child $child: child_burn $n samples of about 300; collector $cp (parent's $pp)"
    [ "$n" -ge 240 ] || fail "$how: the child's child_burn has $n samples"
    [ -n "$cp" ] && [ "$cp" = "$pp" ] || fail "$how: the child was collected by $cp, the parent by $pp"
done
