#ifndef FLAMEPRE_FORMAT_META_KEYS_H
#define FLAMEPRE_FORMAT_META_KEYS_H
/*
 * The keys of <comm>.<pid>.meta.json, written by collector/meta.c and read
 * by the CLI (format/json.h). One name per key, so a writer and a reader
 * cannot drift apart by a typo; renaming a key is a format change that
 * readers of old files (and people's scripts) notice: add keys, do not
 * rename them.
 *
 * The document is one object. Top-level keys (META_*) are written in this
 * order; "metrics" maps each metric name (format/metrics.h) to an object
 * with the META_M_* keys. The loss counters inside "wait", "alloc",
 * "symbolizer" and "threads" are written by meta.c alone and named there.
 */

/* ---- top level ---- */
#define META_TOOL "tool"
#define META_VERSION "version"
#define META_PID "pid"
#define META_PPID "ppid"
#define META_COMM "comm"
#define META_CMDLINE "cmdline"
#define META_START_TIME "start_time"
#define META_END_TIME "end_time"
#define META_DURATION_NS "duration_ns"
#define META_EXIT_PATH "exit_path"
#define META_END "end"
#define META_EXIT_STATUS "exit_status"
#define META_COLLECTOR "collector"
#define META_COLLECTOR_PID "collector_pid"
#define META_EVENTS "events"
#define META_OUTPUT_DIR "output_dir"
#define META_SAMPLER "sampler"
#define META_SIGNAL "signal"
#define META_HZ "hz"
#define META_PERIOD_NS "period_ns"
#define META_UNWIND "unwind"
#define META_MAX_DEPTH "max_depth"
#define META_CPU_SCOPE "cpu_scope"
#define META_ALLOC_SAMPLE_BYTES "alloc_sample_bytes"
#define META_ALLOC_MODE "alloc_mode"
#define META_WAIT_SAMPLE_NS "wait_sample_ns"
#define META_WAIT_MODE "wait_mode"
#define META_METRICS "metrics"
#define META_WAIT "wait"
#define META_TIMELINE "timeline" /* {"file", "events", "lost"} (FLAMEPRE_TIMELINE) */
#define META_ALLOC "alloc"
#define META_SAMPLES "samples"
#define META_SAMPLES_RECORDED "samples_recorded"
#define META_SAMPLES_DROPPED "samples_dropped"
#define META_SAMPLES_NO_THREAD "samples_no_thread"
#define META_SIGNALS_FOREIGN "signals_foreign"
#define META_UNWIND_FAILED "unwind_failed"
#define META_STACKS_TRUNCATED "stacks_truncated"
#define META_STACKS_NOT_UNWOUND "stacks_not_unwound"
#define META_STACKS_INCOMPLETE "stacks_incomplete"
#define META_SAMPLES_LOW_STACK "samples_low_stack"
#define META_THREADS_SEEN "threads_seen"
#define META_THREADS_UNPROFILED "threads_unprofiled"
#define META_THREADS_UNARMED "threads_unarmed"
#define META_CLOCKS_REARMED "clocks_rearmed"
#define META_THREADS_TIMER_FALLBACK "threads_timer_fallback"
#define META_THREADS_SIGNAL_BLOCKED "threads_signal_blocked"
#define META_SIGNAL_MOVES "signal_moves"
#define META_SIGNALS_WITHHELD "signals_withheld"
#define META_SYMBOLIZER "symbolizer"
#define META_THREADS "threads"

/* ---- an entry of "metrics" ---- */
#define META_M_FILE "file"
#define META_M_UNIT "unit"
#define META_M_TOTAL "total"
#define META_M_STACKS "stacks"
#define META_M_PERIOD_NS "period_ns"
#define META_M_ESTIMATE "estimate"
#define META_M_SAMPLE_INTERVAL_BYTES "sample_interval_bytes"
#define META_M_SAMPLE_INTERVAL_NS "sample_interval_ns"
/* [{"name": module basename, "self": weight of leaves in it,
 *   "unresolved": the part without a symbol}], heaviest first */
#define META_M_MODULES "modules"
#define META_MOD_NAME "name"
#define META_MOD_SELF "self"
#define META_MOD_UNRESOLVED "unresolved"

/* ---- in "symbolizer" ---- */
/* count of modules read without any symbol table (kept for old readers) */
#define META_SYM_WITHOUT_SYMBOLS "modules_without_symbols"
/* paths of modules read without .symtab or a debug file */
#define META_SYM_WITHOUT_DEBUG "modules_without_debug_symbols"
/* over the collector process's life so far: debug files whose DWARF it
 * opened, and inlined-frame lookups its persistent cache answered without
 * one (collector/inlcache.h) */
#define META_SYM_DWARF_READ "dwarf_files_read"
#define META_SYM_CACHE_HITS "inline_cache_hits"

/* ---- in an entry of "threads" (wall event) ---- */
/* "wall": {"lifetime_ns": N, "cpu": N, "lock": N, ...}: the thread's time
 * by state, one key per state of format/wall_states.h (its name); the
 * states sum to lifetime_ns. */
#define META_T_WALL "wall"
#define META_T_LIFETIME_NS "lifetime_ns"

/* Values of META_TOOL and the file name suffix. */
#define META_TOOL_NAME "flamepre"
#define META_SUFFIX ".meta.json"

/* Readers refuse a meta.json larger than this (one has a line per thread:
 * 100,000 threads fit). */
#define META_MAX_BYTES (64u << 20)

#endif
