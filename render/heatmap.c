/*
 * The heatmap page writer (see heatmap.h).
 */
#include "render/heatmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format/metrics.h"
#include "format/timeline.h"
#include "render/color.h"
#include "render/diff.h"
#include "render/escape.h"
#include "render/layout.h"
#include "render/profile.h"
#include "render/render.h"
#include "render/util.h"
#include "render/vlq.h"

/* heatmap_js[]: render/js/heatmap.js, byte for byte (Makefile). It sits
 * in an HTML <script>: it must never contain "</script" or "<!--". */
#include "render/js/heatmap.js.h"

static void json_str(FILE *f, const char *s, size_t len)
{
    putc('"', f);
    json_escape(f, s, len);
    putc('"', f);
}

/* A page template (html_template) as a JSON string. */
static int json_template(FILE *f, bool diff)
{
    char *t = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&t, &n);
    if (!m)
        return -1;
    html_template(m, diff);
    if (fclose(m) != 0) {
        free(t);
        return -1;
    }
    /* json_escape makes control characters U+FFFD: keep the newlines */
    putc('"', f);
    for (char *p = t, *end = t + n; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        json_escape(f, p, (size_t)((nl ? nl : end) - p));
        if (nl)
            fputs("\\n", f);
        p = nl ? nl + 1 : end;
    }
    putc('"', f);
    free(t);
    return 0;
}

/* Visit the non-empty frames of a folded stack ("a;;b" has two). */
static size_t each_frame(const struct tl_stack *s, struct profile *names, char **d, bool *oom)
{
    size_t n = 0;
    const char *p = s->frames, *end = s->frames + s->len;
    while (p < end) {
        const char *q = memchr(p, ';', (size_t)(end - p));
        if (!q)
            q = end;
        if (q > p) {
            n++;
            if (names) {
                uint32_t id = profile_intern(names, p, (size_t)(q - p));
                *oom |= id == PNAME_NONE;
                *d = vlq(*d, id);
            }
        }
        p = q + 1;
    }
    return n;
}

/* Frame names of every stack interned in `names` (a profile used as the
 * name pool), the stacks written as VLQ into *out. */
static int encode_stacks(const struct timeline *tl, struct profile *names, char **out)
{
    size_t cap = 64;
    for (size_t i = 0; i < tl->nstacks; i++)
        cap += 3 * VLQ_MAX + (tl->stacks[i].len + 1) * VLQ_MAX;
    char *b = malloc(cap), *d = b;
    bool oom = false;
    if (!b)
        return -1;
    for (size_t i = 0; i < tl->nstacks; i++) {
        const struct tl_stack *s = &tl->stacks[i];
        d = vlq(d, s->metric);
        d = vlq(d, s->thread);
        d = vlq(d, each_frame(s, NULL, NULL, NULL));
        each_frame(s, names, &d, &oom);
    }
    *d = 0;
    *out = b;
    return oom ? -1 : 0;
}

static int encode_events(const struct timeline *tl, char **out)
{
    char *b = malloc(tl->nevents * 3 * VLQ_MAX + 1), *d = b;
    if (!b)
        return -1;
    uint64_t prev = 0;
    for (size_t i = 0; i < tl->nevents; i++) {
        const struct tl_event *e = &tl->events[i];
        uint64_t us = (e->t_ns + 500) / 1000;
        d = vlq(d, us - prev);
        d = vlq(d, e->stack);
        /* JavaScript numbers hold integers up to 2^53 */
        d = vlq(d, e->weight > ((uint64_t)1 << 53) ? (uint64_t)1 << 53 : e->weight);
        prev = us;
    }
    *d = 0;
    *out = b;
    return 0;
}

static const char page_css[] =
    "body { margin: 0; padding: 8px 10px; font: 12px Verdana, sans-serif; background: #f4f4ee; }\n"
    "h1 { font-size: 17px; font-weight: normal; text-align: center; margin: 2px 0; }\n"
    "#controls { display: flex; gap: 14px; align-items: center; margin: 6px 0; flex-wrap: wrap; }\n"
    "#panes { display: flex; gap: 10px; align-items: flex-start; }\n"
    "#maps { flex: 0 0 48%; overflow-x: auto; }\n"
    "#maps canvas { display: block; cursor: crosshair; margin-bottom: 4px; }\n"
    "#maps .label { margin: 4px 0 2px; color: #333; }\n"
    "#graph { flex: 1; height: 80vh; border: 1px solid #bbb; background: #fff; }\n"
    "#info, #hint { color: #555; min-height: 1.4em; }\n";

int heatmap_write(FILE *f, const struct timeline *tl, const struct heatmap_opts *o)
{
    struct profile *names = profile_new();
    char *stacks = NULL, *events = NULL;
    int rc = -1;
    if (!names || profile_intern(names, "all", 3) != 0 || encode_stacks(tl, names, &stacks) < 0 ||
        encode_events(tl, &events) < 0) {
        cli_error("out of memory writing the heatmap");
        goto out;
    }
    char title[256];
    if (o->title)
        snprintf(title, sizeof title, "%s", o->title);
    else
        snprintf(title, sizeof title, "%s (pid %u): heatmap", tl->comm, tl->pid);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"generator\" content=\"flamepre\">\n<title>",
          f);
    xml_escape(f, title, strlen(title));
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1 id=\"title\">", page_css);
    xml_escape(f, title, strlen(title));
    fputs("</h1>\n<div id=\"controls\"><label>metric: <select id=\"metric\"></select></label>"
          "<label id=\"state-label\">state: <select id=\"state\"></select></label>"
          "<label>threads: <select id=\"view\"></select></label>"
          "<label>rows per second: <input id=\"rows\" type=\"number\" min=\"1\" max=\"1000\" "
          "style=\"width:5em\"></label>"
          "<label><input id=\"enhanced\" type=\"checkbox\"> enhanced (log scale)</label>"
          "<span id=\"info\"></span></div>\n"
          "<div id=\"hint\">x: seconds from the start, y: offset within the second (top = 0). "
          "Drag over cells to see the flame graph of that time range; shift-drag a second range "
          "for the differential graph (first = before).</div>\n"
          "<div id=\"panes\"><div id=\"maps\"></div><iframe id=\"graph\" title=\"flame graph of "
          "the selection\"></iframe></div>\n"
          "<script type=\"application/json\" id=\"hm-data\">",
          f);
    const char *first = o->metric;
    fprintf(f,
            "{\"v\":1,\"rows\":%u,\"enhanced\":%s,\"perThread\":%s,\"period\":%llu,\"keep\":%d,"
            "\"minCut\":%d,\"flat\":%.17g,\"title\":",
            o->rows, o->enhanced ? "true" : "false", o->per_thread ? "true" : "false",
            (unsigned long long)tl->period_ns, LAYOUT_SHOWN_PERMILLE, LAYOUT_CUT_MIN_ROWS,
            DIFF_DEFAULT_PP_UNWEIGHTED);
    json_str(f, title, strlen(title));
    fputs(",\n\"metric\":", f);
    json_str(f, first ? first : "cpu", strlen(first ? first : "cpu"));
    fputs(",\n\"threads\":[", f);
    for (size_t i = 0; i < tl->nthreads; i++) {
        fprintf(f, "%s{\"tid\":%u,\"name\":", i ? "," : "", tl->threads[i].tid);
        json_str(f, tl->threads[i].name, strlen(tl->threads[i].name));
        putc('}', f);
    }
    fputs("],\n\"metrics\":[", f);
    size_t nnames = profile_name_count(names);
    for (size_t m = 0; m < tl->nmetrics; m++) {
        const char *mn = tl->metrics[m];
        const struct metric_def *d = metric_find(mn, strlen(mn));
        fputs(m ? ",{\"name\":" : "{\"name\":", f);
        json_str(f, mn, strlen(mn));
        fprintf(f, ",\"unit\":\"%s\",\"label\":", unit_kind_name(d ? d->kind : UNIT_SAMPLES));
        const char *label = d ? d->label : mn;
        json_str(f, label, strlen(label));
        fputs(",\"colors\":\"", f);
        static const char hex[] = "0123456789abcdef";
        for (size_t k = 0; k < nnames; k++) {
            size_t len;
            const char *s = profile_name(names, (uint32_t)k, &len);
            struct rgb c = color_for(d ? d->palette : "hot", s, len);
            char h[6] = {hex[c.r >> 4], hex[c.r & 15], hex[c.g >> 4],
                         hex[c.g & 15], hex[c.b >> 4], hex[c.b & 15]};
            fwrite(h, 1, sizeof h, f);
        }
        fputs("\"}", f);
    }
    struct rgb more = color_more();
    fprintf(f, "],\n\"more\":\"%02x%02x%02x\",\n\"names\":[", more.r, more.g, more.b);
    for (size_t k = 0; k < nnames; k++) {
        size_t len;
        const char *s = profile_name(names, (uint32_t)k, &len);
        if (k)
            putc(',', f);
        json_str(f, s, len);
    }
    fprintf(f, "],\n\"ns\":%zu,\"stacks\":\"%s\",\n\"ne\":%zu,\"events\":\"", tl->nstacks, stacks,
            tl->nevents);
    fputs(events, f);
    fputs("\",\n\"tpl\":", f);
    if (json_template(f, false) < 0)
        goto oom;
    fputs(",\n\"tplDiff\":", f);
    if (json_template(f, true) < 0)
        goto oom;
    fprintf(f, "}</script>\n<script>\n%s</script>\n</body>\n</html>\n", heatmap_js);
    rc = 0;
    goto out;
oom:
    cli_error("out of memory writing the heatmap");
out:
    profile_free(names);
    free(stacks);
    free(events);
    return rc;
}
