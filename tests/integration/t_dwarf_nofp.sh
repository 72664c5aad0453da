#!/bin/sh
# (b) cpu_hotspot built with -O2 -fomit-frame-pointer, FLAMEPRE_UNWIND=dwarf:
# stacks are complete. Of the samples in burn_*, >= 95% must start at _start
# (main thread: _start ... main;run_main_thread;phase) or at clone3/clone
# (threads: clone3;start_thread;worker_main;run_worker;phase), i.e. the
# profiler's own frames are absent and nothing is lost in between. The split
# holds too (wider tolerance: fewer samples per check than t_split).
. "$(dirname "$0")/lib.sh"
need_lib
need_example cpu_hotspot-nofp

echo "cpu_hotspot-nofp 2 s, 2 workers + main, 999 Hz, dwarf"
FLAMEPRE_HZ=999 FLAMEPRE_UNWIND=dwarf profile "$TMP/a" run "$EX/cpu_hotspot-nofp" 2 2 0
[ "$(cat "$TMP/run.rc")" = 0 ] || { show_head "$TMP/run.err"; fail "exit code $(cat "$TMP/run.rc")"; }
F=$(one_file "$TMP/a" '*.cpu.folded') || exit 1
check complete "$F" --min 95
check split "$F" --tol 4 burn_a=50 burn_b=30 burn_c=20
