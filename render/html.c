/*
 * HTML flame graph writer: one self-contained page that draws on a <canvas>.
 *
 * Model: the page is a data table plus a fixed script (render/js/html.js).
 * The table is the layout (layout.h) in depth-first pre-order, so a node's
 * subtree is the contiguous run after it: the script skips whole subtrees
 * that are off screen or narrower than half a pixel, which keeps zoom and
 * search proportional to what is visible rather than to the profile. Per
 * node only three or four integers are stored, never coordinates:
 *
 *   pop    how many levels up from the previous node's child depth (0 = a
 *          child of the previous node), which gives depth and parent;
 *   name   1 + index into the names array (each distinct name once), or 0
 *          for a "+N more" box followed by N;
 *   self   the node's own count (its total minus its drawn children), one
 *          column, or BEFORE and AFTER for a differential graph.
 *
 * The script sums totals bottom-up and x offsets top-down (sibling order is
 * the file order), so widths are exact sums, never rounded pixels. Integers
 * are written as base64 VLQ (5 data bits a character, least significant
 * first, 0x20 = more follows; the alphabet is URL-safe base64), so the
 * usual small values take one character and none needs JSON escaping.
 * Fractional counts are scaled by `scale` (1000) and rounded.
 *
 * Everything untrusted (names, title, subtitle) goes through json_escape in
 * a <script type="application/json"> (which also escapes '<', so
 * "</script>" cannot close it, and U+2028/2029) or xml_escape in HTML text.
 * Colors of names are computed here by color_for and shipped as hex, so
 * they are the SVG's colors exactly.
 */
#include "render/render.h"
#include "render/color.h"
#include "render/diff.h"
#include "render/escape.h"
#include "render/profile.h"
#include "render/util.h"
#include "render/vlq.h"
#include "render/wallview.h"

/* html_js[]: render/js/html.js, byte for byte (Makefile). Model: typed
 * arrays in pre-order (depth, parent, end of subtree, name, self counts);
 * widths are summed bottom-up and offsets top-down from the self counts, so
 * the differential page can switch its width mode (max/after/before)
 * without new data. Every walk skips subtrees that are off screen, too
 * narrow, or already counted (search), which is what keeps zoom and search
 * fast on millions of frames. The canvas is as tall as the depth that holds
 * D.keep per mille of the zoomed frame's weight (the first screen: of the
 * whole graph), so a few deep outliers do not push the base off screen;
 * zooming into them grows it (fitRows). The script sits in an HTML
 * <script>: it must never contain "</script" or "<!--" (the browser test
 * checks). */
#include "render/js/html.js.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The node table: millions of digits gathered in one growing buffer (it is
 * complete before the page header is written, which needs the used names)
 * and written with a single fwrite. */
struct obuf {
    char *b;
    size_t n, cap;
};

/* Room for `more` bytes. 0, or -1 on ENOMEM. */
static int oreserve(struct obuf *o, size_t more)
{
    if (o->cap - o->n >= more)
        return 0;
    return grow_array(&o->b, &o->cap, o->n + more, 1);
}

static uint64_t scaled(double v, double scale)
{
    double x = v * scale;
    if (!(x > 0))
        return 0;
    if (x > 9007199254740992.0) /* 2^53: beyond it JavaScript numbers lose integers */
        x = 9007199254740992.0;
    return (uint64_t)llround(x);
}

/* The encoded table plus what the page header needs from it. */
struct table {
    struct obuf out;
    size_t n;        /* nodes */
    double scale;    /* 1, or 1000 when some count is fractional */
    uint32_t *remap; /* name id -> 1 + index in used[], 0 = not yet used */
    uint32_t *used;  /* name ids in order of first use */
    size_t nused;
};

static uint32_t name_index(struct table *t, uint32_t nm)
{
    if (!t->remap[nm]) {
        t->used[t->nused++] = nm;
        t->remap[nm] = (uint32_t)t->nused;
    }
    return t->remap[nm];
}

/* Append one node: pop, name (or 0 and N for "+N more"), its cols own
 * counts. 0, or -1 on ENOMEM. */
static int table_row(struct table *t, uint32_t *prev, uint32_t depth, uint32_t name, uint32_t more,
                     const double *self, size_t cols)
{
    if (oreserve(&t->out, (3 + cols) * VLQ_MAX) < 0)
        return -1;
    char *d = t->out.b + t->out.n;
    d = vlq(d, t->n ? *prev + 1 - depth : 0);
    *prev = depth;
    if (more) {
        d = vlq(d, 0);
        d = vlq(d, more);
    } else {
        d = vlq(d, name_index(t, name));
    }
    for (size_t c = 0; c < cols; c++)
        d = vlq(d, scaled(self[c], t->scale));
    t->out.n = (size_t)(d - t->out.b);
    t->n++;
    return 0;
}

/* ---- plain graphs: the layout streamed in pre-order (layout_iter) ---- */

/* Encode the table with t->scale. 1 if a count is fractional while the
 * scale is 1 (the caller retries with 1000), 0 done, -1 ENOMEM. */
static int plain_encode(struct profile *p, const struct render_opts *o, double min_count,
                        struct table *t)
{
    struct layout_iter *it = layout_iter_new(p, min_count, o->sort);
    if (!it)
        return -1;
    struct layout_item r;
    uint32_t prev = 0;
    int rc;
    t->out.n = t->n = 0;
    while ((rc = layout_iter_next(it, &r)) == 1) {
        /* a "+N more" box owns all of its width: nothing inside it is drawn */
        const struct pnode *nd = r.more ? NULL : profile_node(p, r.node);
        double self = nd ? nd->self : r.w;
        if (t->scale == 1 && self != floor(self)) {
            rc = 1;
            break;
        }
        if (table_row(t, &prev, r.depth, nd ? nd->name : 0, r.more, &self, 1) < 0) {
            rc = -1;
            break;
        }
    }
    layout_iter_free(it);
    return rc;
}

static int table_plain(struct profile *p, const struct render_opts *o, double min_count,
                       struct table *t)
{
    /* the table is about 4 digits a node: reserve for the whole trie */
    if (oreserve(&t->out, profile_node_count(p) * 5 + 64) < 0)
        return -1;
    t->scale = 1;
    int rc = plain_encode(p, o, min_count, t);
    if (rc == 1) {
        t->scale = 1000;
        t->nused = 0;
        memset(t->remap, 0, profile_name_count(p) * sizeof(*t->remap));
        rc = plain_encode(p, o, min_count, t);
    }
    return rc;
}

/* ---- differential graphs: from the layout's rectangles (diff_rect needs
 * them for the "+N more" boxes) ---- */

/* BEFORE (s[0]) and AFTER (s[1]) own counts of rect i. */
static void rect_selfs(struct profile *p, const struct layout *l, const struct render_opts *o,
                       size_t i, double s[2])
{
    const struct layout_rect *r = &l->rects[i];
    if (r->node == PNODE_NONE) {
        struct diff_values v;
        diff_rect(o->diff, l, i, &v);
        s[0] = v.before;
        s[1] = v.after;
    } else {
        s[0] = diff_before_self(o->diff, r->node);
        s[1] = profile_self2(p, r->node);
    }
}

/* Depth-first pre-order of the rects. Children of a rect are contiguous in
 * the layout (layout.h), so first child and count describe them. */
static int preorder(const struct layout *l, uint32_t *order)
{
    uint32_t *first = malloc(l->n * sizeof(*first));
    uint32_t *count = calloc(l->n, sizeof(*count));
    uint32_t *stack = malloc(l->n * sizeof(*stack));
    if (!first || !count || !stack) {
        free(first);
        free(count);
        free(stack);
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 1; i < l->n; i++) {
        uint32_t par = l->rects[i].parent;
        if (!count[par]++)
            first[par] = (uint32_t)i;
    }
    size_t sp = 0, k = 0;
    if (l->n)
        stack[sp++] = 0;
    while (sp) {
        uint32_t r = stack[--sp];
        order[k++] = r;
        for (uint32_t c = count[r]; c-- > 0;)
            stack[sp++] = first[r] + c;
    }
    free(first);
    free(count);
    free(stack);
    return 0;
}

static int table_diff(struct profile *p, const struct render_opts *o, double min_count,
                      struct table *t)
{
    struct layout l;
    if (layout_build(p, min_count, o->sort, &l) < 0)
        return -1;
    int rc = -1;
    uint32_t *order = malloc((l.n ? l.n : 1) * sizeof(*order));
    if (!order || preorder(&l, order) < 0)
        goto out;
    double s[2];
    t->scale = 1;
    for (size_t i = 0; i < l.n && t->scale == 1; i++) {
        rect_selfs(p, &l, o, i, s);
        if (s[0] != floor(s[0]) || s[1] != floor(s[1]))
            t->scale = 1000;
    }
    uint32_t prev = 0;
    for (size_t k = 0; k < l.n; k++) {
        const struct layout_rect *r = &l.rects[order[k]];
        rect_selfs(p, &l, o, order[k], s);
        if (table_row(t, &prev, r->depth, r->more ? 0 : profile_node(p, r->node)->name, r->more, s,
                      2) < 0)
            goto out;
    }
    rc = 0;
out:
    free(order);
    layout_release(&l);
    return rc;
}

static void json_str(FILE *f, const char *s)
{
    putc('"', f);
    json_escape(f, s, strlen(s));
    putc('"', f);
}

static void html_text(FILE *f, const char *tag, const char *id, const char *s)
{
    fprintf(f, "<%s id=\"%s\">", tag, id);
    xml_escape(f, s, strlen(s));
    fprintf(f, "</%s>\n", tag);
}

static const char html_css[] =
    "body { margin: 0; padding: 8px 10px; font: 12px Verdana, sans-serif; background: #f4f4ee; }\n"
    "h1 { font-size: 17px; font-weight: normal; text-align: center; margin: 2px 0; }\n"
    "#subtitle, #note, #legend, #deep { text-align: center; color: #555; margin: 2px 0; }\n"
    "#bar { display: flex; gap: 10px; align-items: center; margin: 6px 0; }\n"
    "#bar .grow { flex: 1; }\n"
    "#matched { min-width: 12em; text-align: right; }\n"
    "#search.bad { background: #fdd; }\n"
    "#wrap { position: relative; }\n"
    "#fg { display: block; cursor: pointer; }\n"
    "#status { margin-top: 6px; min-height: 1.4em; white-space: nowrap; overflow: hidden;"
    " text-overflow: ellipsis; }\n"
    "#tip { position: fixed; display: none; pointer-events: none; background: #ffffe8;"
    " border: 1px solid #888; padding: 4px 6px; white-space: pre; max-width: 60em;"
    " overflow: hidden; box-shadow: 2px 2px 4px rgba(0,0,0,.2); }\n"
    "#empty { text-align: center; margin: 40px; color: #555; }\n";

/* The states of a wall profile and their shares: a swatch of the state's
 * middle color and "cpu 41.2%" each. */
static void wall_legend(FILE *f, const struct wallview *wv)
{
    /* (its style here, so graphs without it keep their page byte for byte) */
    fputs("<style>#legend .state { margin: 0 6px; white-space: nowrap; }\n"
          "#legend .sw { display: inline-block; width: 10px; height: 10px; margin-right: 4px; "
          "border-radius: 2px; }</style>\n<div id=\"legend\" class=\"wall\">",
          f);
    for (int s = 0; s < WALL_STATE_COUNT; s++) {
        if (wv->state_total[s] <= 0)
            continue;
        struct rgb c = wall_state_color(s, 0.5);
        fprintf(f,
                "<span class=\"state\"><span class=\"sw\" style=\"background:#%02x%02x%02x\">"
                "</span>%s %.1f%%</span> ",
                c.r, c.g, c.b, wall_state_name(s), wallview_share(wv, s));
    }
    fputs("</div>\n", f);
}

/* What the page says around the graph. */
struct page {
    const char *title, *subtitle, *note, *legend; /* NULL: none (title required) */
    const struct wallview *wall;                  /* a wall profile's state legend */
    bool diff;                                    /* the width-mode selector */
    bool empty;                                   /* say there is nothing to draw */
};

/* The page up to the data table's opening tag. */
static void page_start(FILE *f, const struct page *pg)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"generator\" content=\"flamepre\">\n",
          f);
    html_text(f, "title", "doctitle", pg->title);
    fprintf(f, "<style>\n%s</style>\n</head>\n<body>\n", html_css);
    html_text(f, "h1", "title", pg->title);
    if (pg->subtitle)
        html_text(f, "div", "subtitle", pg->subtitle);
    if (pg->note)
        html_text(f, "div", "note", pg->note);
    if (pg->legend)
        html_text(f, "div", "legend", pg->legend);
    if (pg->wall && pg->wall->any)
        wall_legend(f, pg->wall);
    fputs("<div id=\"bar\"><button id=\"reset\" disabled>Reset zoom</button>", f);
    if (pg->diff)
        fputs("<label>width: <select id=\"mode\"><option value=\"max\">max(before, after)"
              "</option><option value=\"after\">after</option><option value=\"before\">before"
              "</option></select></label>",
              f);
    fputs("<span class=\"grow\"></span><input id=\"search\" type=\"search\" size=\"30\" "
          "placeholder=\"Search (regex; Ctrl-F or /)\" autocomplete=\"off\">"
          "<span id=\"matched\"></span></div>\n",
          f);
    if (pg->empty)
        fputs("<div id=\"empty\">No samples: the input is empty.</div>\n", f);
    fputs("<div id=\"wrap\"><canvas id=\"fg\"></canvas></div>\n"
          "<div id=\"status\">&nbsp;</div><div id=\"tip\"></div>\n"
          "<script type=\"application/json\" id=\"fp-data\">",
          f);
}

/* The rest of the page after the data table. */
static void page_end(FILE *f)
{
    fprintf(f, "</script>\n<script>\n%s</script>\n</body>\n</html>\n", html_js);
}

void html_template(FILE *f, bool diff)
{
    struct page pg = {
        HTML_TEMPLATE_TITLE, NULL, NULL, diff ? HTML_TEMPLATE_LEGEND : NULL, NULL, diff, false};
    page_start(f, &pg);
    fputs(HTML_TEMPLATE_DATA, f);
    page_end(f);
}

int html_write(FILE *f, struct profile *p, const struct render_opts *o)
{
    double total = profile_total(p);
    double min_count = o->minwidth_set ? render_min_count(o, total) : 0;
    int rc = -1;
    size_t nnames = profile_name_count(p);
    struct table t = {.remap = calloc(nnames ? nnames : 1, sizeof(*t.remap)),
                      .used = malloc((nnames ? nnames : 1) * sizeof(*t.used))};
    if (!t.remap || !t.used ||
        (o->diff ? table_diff(p, o, min_count, &t) : table_plain(p, o, min_count, &t)) < 0) {
        cli_error("out of memory writing HTML");
        goto out;
    }
    size_t nused = t.nused;
    const uint32_t *used = t.used;

    const char *title = o->title                 ? o->title
                        : o->diff && o->inverted ? "Differential Icicle Graph"
                        : o->diff                ? "Differential Flame Graph"
                        : o->inverted            ? "Icicle Graph"
                                                 : "Flame Graph";
    const char *palette = o->palette ? o->palette : o->metric.palette;
    char legend[256];
    /* the wall palette on a wall profile: frames by state, and the legend */
    struct wallview wview, *wv = NULL;
    if (!o->diff && strcmp(palette, "wall") == 0 && wallview_build(&wview, p) == 0)
        wv = &wview;
    if (o->diff)
        diff_legend(legend, sizeof(legend), o->diff);
    struct page pg = {title, o->subtitle,     o->note,   o->diff ? legend : NULL,
                      wv,    o->diff != NULL, total <= 0};
    page_start(f, &pg);

    fprintf(f,
            "{\"v\":1,\"unit\":\"%s\",\"period\":%.17g,\"scale\":%g,\"inverted\":%s,"
            "\"n\":%zu,\"keep\":%d,\"minCut\":%d,",
            unit_name(o->metric.unit), o->metric.period_ns, t.scale, o->inverted ? "true" : "false",
            t.n, LAYOUT_SHOWN_PERMILLE, LAYOUT_CUT_MIN_ROWS);
    if (o->diff) {
        const struct diff_opts *dopt = diff_options(o->diff);
        fprintf(f,
                "\"diff\":{\"tb\":%.17g,\"ta\":%.17g,\"normalize\":%s,\"minDelta\":%.17g,"
                "\"flat\":%.17g,\"maxpp\":%.17g},",
                diff_total_before(o->diff), diff_total_after(o->diff),
                diff_normalized(o->diff) ? "true" : "false", dopt->min_delta,
                DIFF_DEFAULT_PP_UNWEIGHTED, diff_max_pp(o->diff));
    } else {
        fputs("\"diff\":null,", f);
    }
    fputs("\"title\":", f);
    json_str(f, title);
    fputs(",\n\"names\":[", f);
    for (size_t k = 0; k < nused; k++) {
        size_t len;
        const char *s = profile_name(p, used[k], &len);
        if (k)
            putc(',', f);
        putc('"', f);
        json_escape(f, s, len);
        putc('"', f);
    }
    fputs("],\n\"colors\":\"", f);
    static const char hex[] = "0123456789abcdef";
    for (size_t k = 0; k < nused; k++) {
        size_t len;
        const char *s = profile_name(p, used[k], &len);
        struct rgb c = wv ? wallview_color(wv, used[k], s, len) : color_for(palette, s, len);
        char h[6] = {hex[c.r >> 4], hex[c.r & 15], hex[c.g >> 4],
                     hex[c.g & 15], hex[c.b >> 4], hex[c.b & 15]};
        fwrite(h, 1, sizeof(h), f);
    }
    struct rgb m = color_more();
    fprintf(f, "\",\"more\":\"%02x%02x%02x\",\n\"nodes\":\"", m.r, m.g, m.b);
    fwrite(t.out.b, 1, t.out.n, f);
    fputs("\"}", f);
    page_end(f);
    rc = 0; /* write errors: reported by the stream's owner (outfile.h) */
    if (wv)
        wallview_free(wv);
out:
    free(t.out.b);
    free(t.remap);
    free(t.used);
    return rc;
}
