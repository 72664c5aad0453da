/*
 * meta.json writer. Hand-written JSON: the document is small and flat, and
 * the preload library should not pull a JSON library into every host.
 */
#include "collector/meta.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collector/version.h"
#include "format/atomic_file.h"
#include "format/meta_keys.h"
#include "format/utf8.h"
#include "preload/threads.h"

void meta_json_string(struct atomic_file *af, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    atomic_file_write(af, "\"", 1);
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            atomic_file_write(af, e, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            atomic_file_printf(af, "\\u%04x", c);
            i++;
        } else {
            unsigned cp;
            size_t l = utf8_decode(p + i, len - i, &cp);
            if (l == 0) {
                atomic_file_puts(af, "\\ufffd");
                i++;
            } else {
                atomic_file_write(af, p + i, l);
                i += l;
            }
        }
    }
    atomic_file_write(af, "\"", 1);
}

/* UTC "YYYY-MM-DDTHH:MM:SS.mmmZ". Plain arithmetic (the proleptic Gregorian
 * calendar from days since 1970, Hinnant's civil_from_days), not gmtime_r:
 * glibc's first gmtime_r loads the time zone file (/etc/localtime) under a
 * lock, a cost the host would pay at exit for nothing UTC needs. */
static void iso_time(char *out, size_t len, uint64_t ns)
{
    uint64_t secs = ns / 1000000000u;
    uint64_t days = secs / 86400u, sod = secs % 86400u;
    uint64_t z = days + 719468u; /* days since 0000-03-01 */
    uint64_t era = z / 146097u;
    uint64_t doe = z - era * 146097u; /* [0, 146096] */
    uint64_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    uint64_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    uint64_t mp = (5u * doy + 2u) / 153u; /* March = 0 */
    unsigned day = (unsigned)(doy - (153u * mp + 2u) / 5u + 1u);
    unsigned month = (unsigned)(mp < 10u ? mp + 3u : mp - 9u);
    unsigned long long year = yoe + era * 400u + (month <= 2u);
    snprintf(out, len, "%04llu-%02u-%02uT%02u:%02u:%02u.%03uZ", year, month, day,
             (unsigned)(sod / 3600u), (unsigned)(sod / 60u % 60u), (unsigned)(sod % 60u),
             (unsigned)(ns / 1000000u % 1000u));
}

static void str_field(struct atomic_file *af, const char *key, const char *val)
{
    atomic_file_printf(af, "  \"%s\": ", key);
    meta_json_string(af, val, strlen(val));
    atomic_file_puts(af, ",\n");
}

static void u64_field(struct atomic_file *af, const char *key, uint64_t v)
{
    atomic_file_printf(af, "  \"%s\": %llu,\n", key, (unsigned long long)v);
}

/* ", "modules": [{"name": ..., "self": ..., "unresolved": ...}, ...]" of a
 * metric whose leaves are code (modsum.h); nothing for the others. */
static void modules_entry(struct atomic_file *af, struct modsum *ms)
{
    if (!ms->n)
        return;
    modsum_sort(ms);
    atomic_file_puts(af, ", \"" META_M_MODULES "\": [");
    for (size_t i = 0; i < ms->n; i++) {
        atomic_file_puts(af, i ? ", {\"" META_MOD_NAME "\": " : "{\"" META_MOD_NAME "\": ");
        meta_json_string(af, ms->v[i].name, strlen(ms->v[i].name));
        atomic_file_printf(af, ", \"" META_MOD_SELF "\": %llu, \"" META_MOD_UNRESOLVED "\": %llu}",
                           (unsigned long long)ms->v[i].self,
                           (unsigned long long)ms->v[i].unresolved);
    }
    atomic_file_puts(af, "]");
}

/* One path of the symbolizer's list of modules without debug symbols. */
struct path_list {
    struct atomic_file *af;
    bool any;
};

static void undebugged_path(const char *path, void *arg)
{
    struct path_list *pl = arg;
    atomic_file_puts(pl->af, pl->any ? ", " : "");
    meta_json_string(pl->af, path, strlen(path));
    pl->any = true;
}

/* "name": {"file": ..., "unit": ..., "total": ..., "stacks": ...} and
 * what the metric's source adds: the period of samples, whether counts
 * are estimates and the sampling interval. */
static void metric_entry(struct atomic_file *af, struct meta *m, int k)
{
    const struct metric_def *d = &metric_defs[k];
    const struct collector_session *s = m->sess;
    const struct config *cfg = s->cfg;
    char file[128];
    snprintf(file, sizeof file, "%s.%d%s.%s.folded", s->comm, (int)s->pid,
             m->name_tag ? m->name_tag : "", d->name);
    atomic_file_printf(af, "    \"%s\": {\"" META_M_FILE "\": ", d->name);
    meta_json_string(af, file, strlen(file));
    atomic_file_printf(af,
                       ", \"" META_M_UNIT "\": \"%s\", \"" META_M_TOTAL "\": %llu, "
                       "\"" META_M_STACKS "\": %zu",
                       d->unit, (unsigned long long)m->total[k], m->stacks[k]);
    /* allocations are sampled by bytes, waits by nanoseconds */
    const char *interval_key = NULL;
    uint64_t interval = 0;
    switch (d->source) {
    case SRC_CPU:
        atomic_file_printf(af, ", \"" META_M_PERIOD_NS "\": %llu",
                           (unsigned long long)m->period_ns);
        break;
    case SRC_ALLOC:
        interval_key = META_M_SAMPLE_INTERVAL_BYTES;
        interval = cfg->alloc_sample;
        break;
    case SRC_WAIT_LOCK:
    case SRC_WAIT_COND:
    case SRC_WAIT_IO:
        interval_key = META_M_SAMPLE_INTERVAL_NS;
        interval = cfg->wait_sample_ns;
        break;
    case SRC_WALL:
        /* [cpu] is sampled by period, the waits by time */
        atomic_file_printf(af, ", \"" META_M_PERIOD_NS "\": %llu",
                           (unsigned long long)m->period_ns);
        interval_key = META_M_SAMPLE_INTERVAL_NS;
        interval = cfg->wait_sample_ns;
        break;
    case SRC_NONE: break;
    }
    if (interval_key)
        atomic_file_printf(af, ", \"" META_M_ESTIMATE "\": %s, \"%s\": %llu",
                           interval ? "true" : "false", interval_key, (unsigned long long)interval);
    modules_entry(af, &m->modules[k]);
    atomic_file_puts(af, "}");
}

int meta_write(int dirfd, const char *path, struct meta *m)
{
    struct atomic_file af;
    if (atomic_file_openat(&af, dirfd, path, 0644) < 0)
        return -1;
    const struct collector_session *s = m->sess;
    const struct config *cfg = s->cfg;
    char tbuf[64], ev[64];

    atomic_file_puts(&af, "{\n");
    str_field(&af, META_TOOL, META_TOOL_NAME);
    str_field(&af, META_VERSION, FLAMEPRE_VERSION);
    u64_field(&af, META_PID, (uint64_t)s->pid);
    u64_field(&af, META_PPID, (uint64_t)s->ppid);
    str_field(&af, META_COMM, s->comm);
    atomic_file_puts(&af, "  \"" META_CMDLINE "\": [");
    for (size_t off = 0, first = 1; off < s->cmdline_len; first = 0) {
        size_t l = strnlen(s->cmdline + off, s->cmdline_len - off);
        if (!first)
            atomic_file_puts(&af, ", ");
        meta_json_string(&af, s->cmdline + off, l);
        off += l + 1;
    }
    atomic_file_puts(&af, "],\n");
    iso_time(tbuf, sizeof tbuf, s->start_ns);
    str_field(&af, META_START_TIME, tbuf);
    iso_time(tbuf, sizeof tbuf, m->end_ns);
    str_field(&af, META_END_TIME, tbuf);
    u64_field(&af, META_DURATION_NS, m->duration_ns);
    str_field(&af, META_EXIT_PATH, m->how);
    str_field(&af, META_END, m->how);
    if (m->exit_status >= 0)
        u64_field(&af, META_EXIT_STATUS, (uint64_t)m->exit_status);
    str_field(&af, META_COLLECTOR, m->collector ? m->collector : "thread");
    u64_field(&af, META_COLLECTOR_PID, (uint64_t)getpid());
    config_events_string(cfg->events, ev, sizeof ev);
    str_field(&af, META_EVENTS, ev);
    str_field(&af, META_OUTPUT_DIR, s->outdir);

    uint64_t samples = 0, recorded = 0, dropped = 0, fail = 0, trunc = 0, shallow = 0;
    uint64_t low_stack = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct thread_rec *t = &m->threads[i];
        samples += t->samples;
        recorded += t->recorded;
        dropped += t->dropped;
        fail += t->unwind_fail;
        trunc += t->truncated;
        shallow += t->shallow;
        low_stack += t->low_stack;
    }

    if (cfg->events & (EV_CPU | EV_WALL)) {
        str_field(&af, META_SAMPLER, m->sampler_name ? m->sampler_name : "none");
        u64_field(&af, META_SIGNAL, (uint64_t)m->sampler_signal);
        u64_field(&af, META_HZ, cfg->hz);
        u64_field(&af, META_PERIOD_NS, m->period_ns);
        str_field(&af, META_UNWIND, cfg->unwind == UNWIND_FP ? "fp" : "dwarf");
        u64_field(&af, META_MAX_DEPTH, cfg->depth);
        str_field(&af, META_CPU_SCOPE, "user-space CPU time of each thread");
    }
    uint64_t alloc_sampled = 0, alloc_dropped = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        alloc_sampled += m->threads[i].alloc_sampled;
        alloc_dropped += m->threads[i].alloc_dropped;
    }
    if (cfg->events & EV_ALLOC) {
        u64_field(&af, META_ALLOC_SAMPLE_BYTES, cfg->alloc_sample);
        str_field(&af, META_ALLOC_MODE, cfg->alloc_sample ? "sampled" : "exact");
        if (!(cfg->events & (EV_CPU | EV_WALL))) {
            str_field(&af, META_UNWIND, cfg->unwind == UNWIND_FP ? "fp" : "dwarf");
            u64_field(&af, META_MAX_DEPTH, cfg->depth);
        }
    }
    uint64_t wait_sampled = 0, wait_dropped = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        wait_sampled += m->threads[i].wait_sampled;
        wait_dropped += m->threads[i].wait_dropped;
    }
    if (cfg->events & (EV_LOCK | EV_IO | EV_WALL)) {
        u64_field(&af, META_WAIT_SAMPLE_NS, cfg->wait_sample_ns);
        str_field(&af, META_WAIT_MODE, cfg->wait_sample_ns ? "sampled" : "exact");
        if (!(cfg->events & (EV_CPU | EV_WALL | EV_ALLOC))) {
            str_field(&af, META_UNWIND, cfg->unwind == UNWIND_FP ? "fp" : "dwarf");
            u64_field(&af, META_MAX_DEPTH, cfg->depth);
        }
    }
    atomic_file_puts(&af, "  \"" META_METRICS "\": {");
    const char *sep = "\n";
    for (int k = 0; k < METRIC_COUNT; k++)
        if (m->written[k]) {
            atomic_file_puts(&af, sep);
            metric_entry(&af, m, k);
            sep = ",\n";
        }
    atomic_file_puts(&af, sep[0] == ',' ? "\n  },\n" : "},\n");
    if (m->has_wait) {
        atomic_file_printf(&af,
                           "  \"" META_WAIT "\": {\"sampled\": %llu, \"dropped\": %llu, "
                           "\"no_thread\": %llu, \"reentrant_dropped\": %llu, "
                           "\"collector_oom\": %llu},\n",
                           (unsigned long long)wait_sampled, (unsigned long long)wait_dropped,
                           (unsigned long long)m->wait.no_thread,
                           (unsigned long long)m->wait.reentrant, (unsigned long long)m->wait_oom);
    }
    if (m->has_timeline) {
        atomic_file_puts(&af, "  \"" META_TIMELINE "\": {\"" META_M_FILE "\": ");
        meta_json_string(&af, m->timeline_file, strlen(m->timeline_file));
        atomic_file_printf(&af, ", \"events\": %llu, \"lost\": %llu},\n",
                           (unsigned long long)m->timeline_events,
                           (unsigned long long)m->timeline_lost);
    }
    if (m->has_alloc) {
        atomic_file_printf(
            &af,
            "  \"" META_ALLOC "\": {\"sampled\": %llu, \"dropped\": %llu, "
            "\"no_thread\": %llu, \"untracked_live\": %llu, "
            "\"collector_oom\": %llu, \"live_blocks\": %llu, "
            "\"sites\": %llu, \"site_bytes\": %llu, "
            "\"live_table_bytes\": %llu},\n",
            (unsigned long long)alloc_sampled, (unsigned long long)alloc_dropped,
            (unsigned long long)m->alloc.no_thread, (unsigned long long)m->alloc.untracked,
            (unsigned long long)m->alloc_oom, (unsigned long long)m->alloc.live_blocks,
            (unsigned long long)m->alloc.sites, (unsigned long long)m->alloc.site_bytes,
            (unsigned long long)m->alloc.table_bytes);
    }
    u64_field(&af, META_SAMPLES, samples);
    u64_field(&af, META_SAMPLES_RECORDED, recorded);
    u64_field(&af, META_SAMPLES_DROPPED, dropped + m->counts.lost_oom);
    u64_field(&af, META_SAMPLES_NO_THREAD, m->no_slot);
    u64_field(&af, META_SIGNALS_FOREIGN, m->foreign_signals);
    u64_field(&af, META_UNWIND_FAILED, fail);
    u64_field(&af, META_STACKS_TRUNCATED, trunc);
    u64_field(&af, META_STACKS_NOT_UNWOUND, shallow);
    u64_field(&af, META_STACKS_INCOMPLETE, m->counts.incomplete);
    u64_field(&af, META_SAMPLES_LOW_STACK, low_stack);
    u64_field(&af, META_THREADS_SEEN, m->nthreads);
    u64_field(&af, META_THREADS_UNPROFILED, m->threads_unprofiled);
    u64_field(&af, META_THREADS_UNARMED, m->threads_unarmed);
    u64_field(&af, META_CLOCKS_REARMED, m->clocks_rearmed);
    u64_field(&af, META_THREADS_TIMER_FALLBACK, m->threads_timer_fallback);
    u64_field(&af, META_THREADS_SIGNAL_BLOCKED, m->threads_signal_blocked);
    u64_field(&af, META_SIGNAL_MOVES, m->signal_moves);
    u64_field(&af, META_SIGNALS_WITHHELD, m->signals_withheld);
    atomic_file_puts(&af, "  \"" META_SYMBOLIZER "\": {");
    atomic_file_printf(
        &af,
        "\"modules\": %u, \"modules_loaded\": %u, \"" META_SYM_WITHOUT_SYMBOLS
        "\": %u, \"lookups\": %llu, \"unresolved\": %llu, \"modules_with_dwarf\": %u, "
        "\"inlined\": %llu, \"" META_SYM_DWARF_READ "\": %llu, \"" META_SYM_CACHE_HITS
        "\": %llu, \"" META_SYM_WITHOUT_DEBUG "\": [",
        m->sym.modules, m->sym.modules_loaded, m->sym.modules_nosyms,
        (unsigned long long)m->sym.lookups, (unsigned long long)m->sym.unresolved,
        m->sym.modules_dwarf, (unsigned long long)m->sym.inlined,
        (unsigned long long)m->sym.dwarf_files_read, (unsigned long long)m->sym.inline_cache_hits);
    struct path_list pl = {&af, false};
    if (m->symbolizer)
        symbolizer_foreach_undebugged(m->symbolizer, undebugged_path, &pl);
    atomic_file_puts(&af, "]},\n");
    atomic_file_puts(&af, "  \"" META_THREADS "\": [");
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct thread_rec *t = &m->threads[i];
        atomic_file_printf(&af, "%s\n    {\"tid\": %d, \"name\": ", i ? "," : "", (int)t->tid);
        meta_json_string(&af, t->name, strnlen(t->name, sizeof t->name));
        atomic_file_printf(&af,
                           ", \"exited\": %s, \"samples\": %llu, \"dropped\": %llu, "
                           "\"unwind_failed\": %llu, \"truncated\": %llu, \"not_unwound\": %llu, "
                           "\"low_stack\": %llu",
                           t->exited ? "true" : "false", (unsigned long long)t->samples,
                           (unsigned long long)t->dropped, (unsigned long long)t->unwind_fail,
                           (unsigned long long)t->truncated, (unsigned long long)t->shallow,
                           (unsigned long long)t->low_stack);
        if (t->has_wall) {
            /* the thread's time by state: the states sum to lifetime_ns */
            atomic_file_printf(&af, ", \"" META_T_WALL "\": {\"" META_T_LIFETIME_NS "\": %llu",
                               (unsigned long long)t->lifetime_ns);
            for (int st = 0; st < WALL_STATE_COUNT; st++)
                atomic_file_printf(&af, ", \"%s\": %llu", wall_state_name(st),
                                   (unsigned long long)t->wall[st]);
            atomic_file_puts(&af, "}");
        }
        atomic_file_puts(&af, "}");
    }
    atomic_file_puts(&af, m->nthreads ? "\n  ]\n}\n" : "]\n}\n");
    return atomic_file_commit(&af);
}
