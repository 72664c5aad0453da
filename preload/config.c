/*
 * FLAMEPRE_* parsing. The table below is the single list of variables; each
 * row names a parser that reads the text into the config field at `off` and
 * a sentence saying what is accepted, used verbatim in error messages.
 */
#include "preload/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload/log.h"

#define PREFIX "FLAMEPRE_"

/* A value (or a name) as a message quotes it: its first QUOTE_BYTES bytes,
 * control characters escaped, "..." where it was cut. The environment may
 * hold anything (a newline, a terminal escape, a megabyte), and the
 * message about it must stay one readable line that still says why. */
#define QUOTE_BYTES 48
#define QUOTE_BUF (QUOTE_BYTES * 4 + 4)

static const char *quote(char *buf, const char *val, size_t len)
{
    size_t n = len < QUOTE_BYTES ? len : QUOTE_BYTES;
    log_escape(buf, QUOTE_BUF - 3, val, n);
    if (n < len)
        strcat(buf, "...");
    return buf;
}

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->events = EV_CPU;
    strcpy(cfg->output, "./flamepre-out");
    cfg->hz = 99;
    cfg->alloc_sample = 512 * 1024;
    cfg->wait_sample_ns = 100 * 1000;
    cfg->unwind = UNWIND_DWARF;
    cfg->depth = 128;
    cfg->threads = true;
    cfg->log_level = 0;
    cfg->inline_frames = true;
}

static int parse_u64(const char *s, uint64_t *out, const char **end)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *e;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno == ERANGE)
        return -1;
    *out = v;
    *end = e;
    return 0;
}

/* Multiply with overflow check. */
static int scale(uint64_t v, uint64_t mul, uint64_t *out)
{
    if (mul && v > UINT64_MAX / mul)
        return -1;
    *out = v * mul;
    return 0;
}

/* "1.5ms" is what people type for a wait threshold, so a duration may have
 * a decimal fraction. It is scaled in integers, never through a double:
 * the digits past the unit's nanosecond (at most 9) are rounded, the rest
 * only checked to be digits. */
int config_parse_duration(const char *s, uint64_t *ns)
{
    uint64_t v;
    const char *e;
    if (parse_u64(s, &v, &e) < 0)
        return -1;
    const char *frac = NULL;
    size_t nfrac = 0;
    if (*e == '.') {
        frac = ++e;
        while (isdigit((unsigned char)*e))
            e++;
        nfrac = (size_t)(e - frac);
        if (!nfrac)
            return -1;
    }
    uint64_t mul;
    unsigned zeros; /* log10(mul) */
    if (*e == 0 || strcmp(e, "ns") == 0)
        mul = 1, zeros = 0;
    else if (strcmp(e, "us") == 0)
        mul = 1000, zeros = 3;
    else if (strcmp(e, "ms") == 0)
        mul = 1000000, zeros = 6;
    else if (strcmp(e, "s") == 0)
        mul = 1000000000, zeros = 9;
    else
        return -1;
    if (scale(v, mul, ns) < 0)
        return -1;
    /* the fraction's first `zeros` digits are whole nanoseconds, the next
     * one rounds */
    uint64_t part = 0;
    for (unsigned i = 0; i < zeros; i++)
        part = part * 10 + (i < nfrac ? (uint64_t)(frac[i] - '0') : 0);
    if (nfrac > zeros && frac[zeros] >= '5')
        part++;
    if (*ns > UINT64_MAX - part)
        return -1;
    *ns += part;
    return 0;
}

int config_parse_size(const char *s, uint64_t *bytes)
{
    uint64_t v;
    const char *e;
    if (parse_u64(s, &v, &e) < 0)
        return -1;
    uint64_t mul = 1;
    switch (tolower((unsigned char)*e)) {
    case 0: break;
    case 'k':
        mul = 1ull << 10;
        e++;
        break;
    case 'm':
        mul = 1ull << 20;
        e++;
        break;
    case 'g':
        mul = 1ull << 30;
        e++;
        break;
    case 'b': break;
    default: return -1;
    }
    /* Accept the spellings people type: 512k, 512kb, 512KiB, 4096b. */
    if (mul > 1 && (e[0] == 'i' || e[0] == 'I'))
        e++;
    if (e[0] == 'b' || e[0] == 'B')
        e++;
    if (*e)
        return -1;
    return scale(v, mul, bytes);
}

int config_parse_events(const char *s, unsigned *events, const char **bad, unsigned *bad_len)
{
    unsigned ev = 0;
    const char *p = s;
    for (;;) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && end[-1] == ' ')
            end--;
        size_t n = (size_t)(end - start);
        unsigned bit = event_find(start, n);
        ev |= bit;
        if (!bit) {
            *bad = start;
            *bad_len = (unsigned)n;
            return -1;
        }
        if (!*p)
            break;
        p++;
    }
    *events = ev;
    return 0;
}

void config_events_string(unsigned events, char *buf, unsigned len)
{
    size_t used = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < EV_INDEX_COUNT; i++) {
        if (!(events & 1u << i))
            continue;
        int r = snprintf(buf + used, len - used, "%s%s", used ? "," : "", event_name(1u << i));
        if (r < 0 || (size_t)r >= len - used)
            break;
        used += (size_t)r;
    }
}

/* ---- one parser per kind of value; each writes the field or fails ---- */

typedef int (*parse_fn)(const char *val, void *field, char *why, size_t whylen);

static int p_events(const char *val, void *field, char *why, size_t whylen)
{
    const char *bad;
    unsigned badlen, ev;
    char q[QUOTE_BUF];
    if (config_parse_events(val, &ev, &bad, &badlen) < 0) {
        snprintf(why, whylen, "unknown event \"%s\"", quote(q, bad, badlen));
        return -1;
    }
    *(unsigned *)field = ev;
    return 0;
}

static int p_path(const char *val, void *field, char *why, size_t whylen)
{
    if (!*val) {
        snprintf(why, whylen, "empty path");
        return -1;
    }
    if (strlen(val) >= CONFIG_PATH_MAX) {
        snprintf(why, whylen, "path longer than %d bytes", CONFIG_PATH_MAX - 1);
        return -1;
    }
    strcpy((char *)field, val);
    return 0;
}

static int p_optpath(const char *val, void *field, char *why, size_t whylen)
{
    if (!*val) {
        *(char *)field = 0;
        return 0;
    }
    return p_path(val, field, why, whylen);
}

/* Read by the collector process (collector/inlcache.h), checked here so
 * a bad value is reported where every other one is. */
static int p_cachedir(const char *val, void *field, char *why, size_t whylen)
{
    (void)field;
    char q[QUOTE_BUF];
    if (strcmp(val, "off") == 0 || val[0] == '/')
        return 0;
    snprintf(why, whylen, "\"%s\" is neither an absolute path nor off", quote(q, val, strlen(val)));
    return -1;
}

static int p_uint_range(const char *val, unsigned *field, uint64_t lo, uint64_t hi, char *why,
                        size_t whylen)
{
    uint64_t v;
    const char *e;
    char q[QUOTE_BUF];
    if (parse_u64(val, &v, &e) < 0 || *e) {
        snprintf(why, whylen, "\"%s\" is not a whole number", quote(q, val, strlen(val)));
        return -1;
    }
    if (v < lo || v > hi) {
        snprintf(why, whylen, "%llu is out of range", (unsigned long long)v);
        return -1;
    }
    *field = (unsigned)v;
    return 0;
}

static int p_hz(const char *val, void *field, char *why, size_t whylen)
{
    return p_uint_range(val, field, 1, 10000, why, whylen);
}

static int p_depth(const char *val, void *field, char *why, size_t whylen)
{
    return p_uint_range(val, field, 4, CONFIG_MAX_DEPTH, why, whylen);
}

static int p_size(const char *val, void *field, char *why, size_t whylen)
{
    char q[QUOTE_BUF];
    if (config_parse_size(val, field) < 0) {
        snprintf(why, whylen, "\"%s\" is not a size", quote(q, val, strlen(val)));
        return -1;
    }
    return 0;
}

static int p_duration(const char *val, void *field, char *why, size_t whylen)
{
    char q[QUOTE_BUF];
    if (config_parse_duration(val, field) < 0) {
        snprintf(why, whylen, "\"%s\" is not a duration", quote(q, val, strlen(val)));
        return -1;
    }
    return 0;
}

/* Match val against a NULL-ended list of words; the field gets the index. */
static int p_word(const char *val, int *field, const char *const *words, char *why, size_t whylen)
{
    char q[QUOTE_BUF];
    for (int i = 0; words[i]; i++) {
        if (strcasecmp(val, words[i]) == 0) {
            *field = i;
            return 0;
        }
    }
    snprintf(why, whylen, "\"%s\" is not recognised", quote(q, val, strlen(val)));
    return -1;
}

static int p_unwind(const char *val, void *field, char *why, size_t whylen)
{
    static const char *const words[] = {"fp", "dwarf", NULL};
    int i;
    if (p_word(val, &i, words, why, whylen) < 0)
        return -1;
    *(enum unwind_mode *)field = i == 0 ? UNWIND_FP : UNWIND_DWARF;
    return 0;
}

static int p_bool(const char *val, void *field, char *why, size_t whylen)
{
    static const char *const words[] = {"0", "1", "no", "yes", "false", "true", "off", "on", NULL};
    int i;
    if (p_word(val, &i, words, why, whylen) < 0)
        return -1;
    *(bool *)field = i & 1;
    return 0;
}

static int p_log(const char *val, void *field, char *why, size_t whylen)
{
    static const char *const words[] = {"quiet", "info", "debug", NULL};
    return p_word(val, field, words, why, whylen);
}

static int p_sampler(const char *val, void *field, char *why, size_t whylen)
{
    static const char *const words[] = {"auto", "perf", "timer", NULL};
    return p_word(val, field, words, why, whylen);
}

static int p_ignore(const char *val, void *field, char *why, size_t whylen)
{
    (void)val, (void)field, (void)why, (void)whylen;
    return 0;
}

#define F(member) offsetof(struct config, member)

static const struct var {
    const char *name;
    parse_fn parse;
    size_t off;
    const char *accepted;
} vars[] = {
    {"FLAMEPRE_EVENTS", p_events, F(events),
     "a comma list of cpu, wall, alloc, lock, io (default cpu)"},
    {"FLAMEPRE_OUTPUT", p_path, F(output), "a directory path (default ./flamepre-out)"},
    {"FLAMEPRE_HZ", p_hz, F(hz), "samples per second, 1..10000 (default 99)"},
    {"FLAMEPRE_ALLOC_SAMPLE", p_size, F(alloc_sample),
     "a size in bytes with optional k, m, g suffix, 0 = every allocation (default 512k)"},
    {"FLAMEPRE_WAIT_SAMPLE", p_duration, F(wait_sample_ns),
     "a duration with ns, us, ms or s suffix (1.5ms), 0 = every wait (default 100us)"},
    {"FLAMEPRE_UNWIND", p_unwind, F(unwind), "fp or dwarf (default dwarf)"},
    {"FLAMEPRE_DEPTH", p_depth, F(depth), "maximum frames per stack, 4..1024 (default 128)"},
    {"FLAMEPRE_THREADS", p_bool, F(threads), "1 (a root frame per thread) or 0 (default 1)"},
    {"FLAMEPRE_LOG", p_log, F(log_level), "quiet, info or debug (default quiet)"},
    {"FLAMEPRE_LOG_FILE", p_optpath, F(log_file), "a file path (default: stderr)"},
    {"FLAMEPRE_SAMPLER", p_sampler, F(sampler),
     "auto (perf event, else timer), perf or timer (default auto)"},
    {"FLAMEPRE_LOCK_ADDR", p_bool, F(lock_addr),
     "1 (a frame naming the lock's address under each lock wait) or 0 (default 0)"},
    {"FLAMEPRE_DISABLE", p_bool, F(disable), "1 to load without recording (default 0)"},
    {"FLAMEPRE_COLLECTOR", p_optpath, F(collector),
     "the flamepre binary to run as collector process, or \"thread\" to collect in-process "
     "(default: flamepre next to the library)"},
    {"FLAMEPRE_TIMELINE", p_bool, F(timeline),
     "1 (also write <comm>.<pid>.timeline: each sample and wait with its time) or 0 (default 0)"},
    {"FLAMEPRE_FLUSH", p_duration, F(flush_ns),
     "a duration with ns, us, ms or s suffix between snapshots of a running process, 0 = "
     "only at its end (default 0)"},
    {"FLAMEPRE_INLINE", p_bool, F(inline_frames),
     "1 (frames of inlined functions, from DWARF where there is some) or 0 (default 1)"},
    {"FLAMEPRE_LINES", p_bool, F(lines),
     "1 (frames end in \" (file.c:123)\", their source line) or 0 (default 0)"},
    {"FLAMEPRE_CACHE_DIR", p_cachedir, 0,
     "an absolute directory path for the collector's inline cache, or off (default "
     "$XDG_CACHE_HOME/flamepre, else ~/.cache/flamepre)"},
    /* Set by `flamepre record` for the processes it runs. */
    {"FLAMEPRE_SOCKET", p_ignore, 0, ""},
    /* Read by the flamepre command, not by the library. */
    {"FLAMEPRE_LIB", p_ignore, 0, ""},
};

#undef F

/* Edit distance, small strings only (names are < 32 bytes). */
static unsigned edit_distance(const char *a, const char *b)
{
    unsigned la = (unsigned)strlen(a), lb = (unsigned)strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    unsigned d[64][64];
    for (unsigned i = 0; i <= la; i++)
        d[i][0] = i;
    for (unsigned j = 0; j <= lb; j++)
        d[0][j] = j;
    for (unsigned i = 1; i <= la; i++)
        for (unsigned j = 1; j <= lb; j++) {
            unsigned c = d[i - 1][j - 1] + (toupper((unsigned char)a[i - 1]) != b[j - 1]);
            unsigned x = d[i - 1][j] + 1, y = d[i][j - 1] + 1;
            d[i][j] = c < x ? (c < y ? c : y) : (x < y ? x : y);
        }
    return d[la][lb];
}

int config_parse(struct config *cfg, const char *const *envp,
                 void (*report)(const char *line, void *arg), void *arg)
{
    int problems = 0;
    char line[512], why[256], name[64], q[QUOTE_BUF];
    size_t nvars = sizeof vars / sizeof vars[0];

    for (const char *const *e = envp; e && *e; e++) {
        if (strncmp(*e, PREFIX, sizeof PREFIX - 1) != 0)
            continue;
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        size_t nlen = (size_t)(eq - *e);
        if (nlen >= sizeof name)
            nlen = sizeof name - 1;
        memcpy(name, *e, nlen);
        name[nlen] = 0;
        const char *val = eq + 1;

        const struct var *v = NULL;
        for (size_t i = 0; i < nvars; i++)
            if (strcmp(vars[i].name, name) == 0)
                v = &vars[i];
        if (!v) {
            const char *best = vars[0].name;
            unsigned bestd = ~0u;
            for (size_t i = 0; i < nvars; i++) {
                unsigned d = edit_distance(name, vars[i].name);
                if (d < bestd)
                    bestd = d, best = vars[i].name;
            }
            snprintf(line, sizeof line, "%s: unknown variable, ignored; did you mean %s?",
                     quote(q, name, nlen), best);
            report(line, arg);
            problems++;
            continue;
        }
        /* Parse into a scratch copy so a failed parse leaves the default. */
        struct config scratch = *cfg;
        why[0] = 0;
        if (v->parse(val, (char *)&scratch + v->off, why, sizeof why) < 0) {
            snprintf(line, sizeof line, "%s: %s; accepted: %s; using the default", name, why,
                     v->accepted);
            report(line, arg);
            problems++;
            continue;
        }
        *cfg = scratch;
    }
    return problems;
}
