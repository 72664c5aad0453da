/*
 * Metric and unit detection for folded files, and human-readable counts.
 * The file name is the only reliable source of the metric (folded lines carry
 * no header), so a file renamed by the user silently falls back to samples;
 * --units overrides. The metrics themselves are format/metrics.h's table;
 * meta.json is read with format/json.h.
 */
#include "render/units.h"
#include "render/util.h"
#include "format/json.h"
#include "format/meta_keys.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sampling period of a samples metric from the sibling meta.json
 * (<prefix>.meta.json): the metric's own entry, else the top-level one
 * (files of older versions). 0 when unknown. */
static double meta_period(const char *path, size_t prefix_len, const char *metric)
{
    char meta[4096];
    if (prefix_len + sizeof(META_SUFFIX) > sizeof(meta))
        return 0;
    memcpy(meta, path, prefix_len);
    strcpy(meta + prefix_len, META_SUFFIX);
    struct json *root = json_parse_file(meta, META_MAX_BYTES, NULL);
    double v = 0;
    if (!json_double(json_get(json_get(json_get(root, META_METRICS), metric), META_M_PERIOD_NS),
                     &v))
        json_double(json_get(root, META_PERIOD_NS), &v);
    json_free(root);
    return v > 0 && isfinite(v) ? v : 0;
}

int metric_select(struct metric_info *mi, const char *name)
{
    const struct metric_def *d = metric_find(name, strlen(name));
    if (!d || strlen(name) >= sizeof(mi->metric))
        return -1;
    strcpy(mi->metric, name);
    mi->unit = d->kind;
    mi->palette = d->palette;
    return 0;
}

void metric_from_path(const char *path, struct metric_info *mi)
{
    memset(mi, 0, sizeof(*mi));
    mi->unit = UNIT_SAMPLES;
    mi->palette = "hot";
    size_t len = strlen(path);
    static const char tl_ext[] = ".timeline";
    if (len >= sizeof(tl_ext) && strcmp(path + len - (sizeof(tl_ext) - 1), tl_ext) == 0) {
        /* a timeline's metric is chosen (--metric); CPU unless said */
        metric_select(mi, "cpu");
        mi->period_ns = meta_period(path, len - (sizeof(tl_ext) - 1), "cpu");
        return;
    }
    static const char ext[] = ".folded";
    if (len < sizeof(ext) || strcmp(path + len - (sizeof(ext) - 1), ext) != 0)
        return;
    size_t end = len - (sizeof(ext) - 1);
    size_t dot = end;
    while (dot > 0 && path[dot - 1] != '.' && path[dot - 1] != '/')
        dot--;
    if (dot == 0 || path[dot - 1] != '.')
        return;
    size_t mlen = end - dot;
    if (mlen == 0 || mlen >= sizeof(mi->metric))
        return;
    memcpy(mi->metric, path + dot, mlen);
    mi->metric[mlen] = '\0';
    const struct metric_def *d = metric_find(mi->metric, mlen);
    if (d) {
        mi->unit = d->kind;
        mi->palette = d->palette;
    } else if (mlen > 6 && strcmp(mi->metric + mlen - 6, "_count") == 0) {
        mi->unit = UNIT_COUNT;
    }
    if (mi->unit == UNIT_SAMPLES)
        mi->period_ns = meta_period(path, dot - 1, mi->metric);
}

int unit_parse(const char *s, enum unit_kind *out)
{
    return unit_kind_find(s, out);
}

const char *unit_name(enum unit_kind u)
{
    return unit_kind_name(u);
}

char *format_count(char *buf, size_t size, double v)
{
    char digits[48];
    if (fmt_fixed(digits, v < 0 ? -v : v, 0) >= 31) /* as a 32-byte snprintf did */
        snprintf(digits, 32, "%.0f", v < 0 ? -v : v);
    size_t n = strlen(digits), j = 0;
    char tmp[48];
    if (v < 0 && strcmp(digits, "0") != 0)
        tmp[j++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            tmp[j++] = ',';
        tmp[j++] = digits[i];
    }
    tmp[j] = '\0';
    snprintf(buf, size, "%s", tmp);
    return buf;
}

static void fmt_scaled(char *buf, size_t size, double v, const char *const *units,
                       const double *scale, int n)
{
    int i = n - 1;
    while (i > 0 && fabs(v) < scale[i])
        i--;
    if (i == 0)
        snprintf(buf, size, "%.0f %s", v, units[0]);
    else
        snprintf(buf, size, "%.2f %s", v / scale[i], units[i]);
}

static void fmt_ns(char *buf, size_t size, double v)
{
    static const char *const u[] = {"ns", "\xc2\xb5s", "ms", "s"};
    static const double s[] = {1, 1e3, 1e6, 1e9};
    fmt_scaled(buf, size, v, u, s, 4);
}

char *unit_format(char *buf, size_t size, double v, const struct metric_info *mi)
{
    char a[48], b[48];
    switch (mi->unit) {
    case UNIT_BYTES: {
        static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        static const double s[] = {1, 1024.0, 1048576.0, 1073741824.0, 1099511627776.0};
        fmt_scaled(buf, size, v, u, s, 5);
        break;
    }
    case UNIT_NS: fmt_ns(buf, size, v); break;
    case UNIT_COUNT: {
        /* the metric's own word ("calls", "contended acquisitions"), so a
         * tooltip says what was counted; singular for exactly one */
        const struct metric_def *d = metric_find(mi->metric, strlen(mi->metric));
        format_count(a, sizeof(a), v);
        if (!d) {
            snprintf(buf, size, "%s", a);
            break;
        }
        size_t wl = strlen(d->unit);
        if (strcmp(a, "1") == 0 && wl > 1 && d->unit[wl - 1] == 's')
            wl--;
        snprintf(buf, size, "%s %.*s", a, (int)wl, d->unit);
        break;
    }
    case UNIT_KIND_COUNT: /* not a unit: as samples */
    case UNIT_SAMPLES: {
        format_count(a, sizeof(a), v);
        const char *word = strcmp(a, "1") == 0 ? "sample" : "samples";
        if (mi->period_ns > 0 && v > 0) {
            fmt_ns(b, sizeof(b), v * mi->period_ns);
            snprintf(buf, size, "%s %s, %s", a, word, b);
        } else {
            snprintf(buf, size, "%s %s", a, word);
        }
        break;
    }
    }
    return buf;
}
