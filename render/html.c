/*
 * HTML flame graph writer: one self-contained page that draws on a <canvas>.
 *
 * Model: the page is a data table plus a fixed script (html_js.h). The table
 * is the layout (layout.h) in depth-first pre-order, so a node's subtree is
 * the contiguous run after it: the script skips whole subtrees that are off
 * screen or narrower than half a pixel, which keeps zoom and search
 * proportional to what is visible rather than to the profile. Per node only
 * three or four integers are stored, never coordinates:
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
#include "render/html_js.h"
#include "render/profile.h"
#include "render/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char vlq_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The node table is millions of digits: they are gathered in a buffer and
 * written in large blocks rather than one putc each. */
struct vbuf {
    FILE *f;
    size_t n;
    char b[1 << 16];
};

static void vflush(struct vbuf *v)
{
    fwrite(v->b, 1, v->n, v->f);
    v->n = 0;
}

static void vlq(struct vbuf *o, uint64_t v)
{
    if (o->n > sizeof(o->b) - 16) /* 13 digits hold 64 bits */
        vflush(o);
    do {
        unsigned d = v & 31;
        v >>= 5;
        if (v)
            d |= 32;
        o->b[o->n++] = vlq_digits[d];
    } while (v);
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

/* Own counts of every rect: column 0 (or BEFORE) in a[], AFTER in b[]. */
static void rect_selfs(struct profile *p, const struct layout *l, const struct render_opts *o,
                       double *a, double *b)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct layout_rect *r = &l->rects[i];
        if (o->diff) {
            if (r->node == PNODE_NONE) {
                struct diff_values v;
                diff_rect(o->diff, l, i, &v);
                a[i] = v.before;
                b[i] = v.after;
            } else {
                a[i] = diff_before_self(o->diff, r->node);
                b[i] = profile_self2(p, r->node);
            }
        } else {
            a[i] = r->node == PNODE_NONE ? r->w : profile_node(p, r->node)->self;
        }
    }
}

static bool all_integers(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != floor(v[i]))
            return false;
    return true;
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
    "#subtitle, #note, #legend { text-align: center; color: #555; margin: 2px 0; }\n"
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

int html_write(FILE *f, struct profile *p, const struct render_opts *o)
{
    struct layout l;
    double total = profile_total(p);
    double min_count = o->minwidth_set ? render_min_count(o, total) : 0;
    if (layout_build(p, min_count, o->sort, &l) < 0)
        return cli_error("out of memory laying out the graph");
    int rc = -1;
    size_t nnames = profile_name_count(p);
    uint32_t *order = malloc((l.n ? l.n : 1) * sizeof(*order));
    uint32_t *remap = malloc((nnames ? nnames : 1) * sizeof(*remap));
    uint32_t *used = malloc((nnames ? nnames : 1) * sizeof(*used));
    double *sa = malloc((l.n ? l.n : 1) * sizeof(*sa));
    double *sb = calloc(l.n ? l.n : 1, sizeof(*sb));
    if (!order || !remap || !used || !sa || !sb || preorder(&l, order) < 0) {
        cli_error("out of memory writing HTML");
        goto out;
    }
    rect_selfs(p, &l, o, sa, sb);
    double scale = all_integers(sa, l.n) && all_integers(sb, l.n) ? 1 : 1000;
    memset(remap, 0xff, nnames * sizeof(*remap));
    size_t nused = 0;
    for (size_t k = 0; k < l.n; k++) {
        uint32_t node = l.rects[order[k]].node;
        if (node == PNODE_NONE)
            continue;
        uint32_t nm = profile_node(p, node)->name;
        if (remap[nm] == UINT32_MAX) {
            remap[nm] = (uint32_t)nused;
            used[nused++] = nm;
        }
    }

    const char *title = o->title                  ? o->title
                        : o->diff && o->inverted ? "Differential Icicle Graph"
                        : o->diff                ? "Differential Flame Graph"
                        : o->inverted            ? "Icicle Graph"
                                                 : "Flame Graph";
    const char *palette = o->palette ? o->palette : o->metric.palette;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"generator\" content=\"flamepre\">\n",
          f);
    html_text(f, "title", "doctitle", title);
    fprintf(f, "<style>\n%s</style>\n</head>\n<body>\n", html_css);
    html_text(f, "h1", "title", title);
    if (o->subtitle)
        html_text(f, "div", "subtitle", o->subtitle);
    if (o->note)
        html_text(f, "div", "note", o->note);
    if (o->diff) {
        char legend[256];
        diff_legend(legend, sizeof(legend), o->diff);
        html_text(f, "div", "legend", legend);
    }
    fputs("<div id=\"bar\"><button id=\"reset\" disabled>Reset zoom</button>", f);
    if (o->diff)
        fputs("<label>width: <select id=\"mode\"><option value=\"max\">max(before, after)"
              "</option><option value=\"after\">after</option><option value=\"before\">before"
              "</option></select></label>",
              f);
    fputs("<span class=\"grow\"></span><input id=\"search\" type=\"search\" size=\"30\" "
          "placeholder=\"Search (regex; Ctrl-F or /)\" autocomplete=\"off\">"
          "<span id=\"matched\"></span></div>\n",
          f);
    if (total <= 0)
        fputs("<div id=\"empty\">No samples: the input is empty.</div>\n", f);
    fputs("<div id=\"wrap\"><canvas id=\"fg\"></canvas></div>\n"
          "<div id=\"status\">&nbsp;</div><div id=\"tip\"></div>\n"
          "<script type=\"application/json\" id=\"fp-data\">",
          f);

    fprintf(f, "{\"v\":1,\"unit\":\"%s\",\"period\":%.17g,\"scale\":%g,\"inverted\":%s,"
               "\"n\":%zu,",
            unit_name(o->metric.unit), o->metric.period_ns, scale,
            o->inverted ? "true" : "false", l.n);
    if (o->diff) {
        const struct diff_opts *dopt = diff_options(o->diff);
        fprintf(f, "\"diff\":{\"tb\":%.17g,\"ta\":%.17g,\"normalize\":%s,\"minDelta\":%.17g,"
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
    for (size_t k = 0; k < nused; k++) {
        size_t len;
        const char *s = profile_name(p, used[k], &len);
        struct rgb c = color_for(palette, s, len);
        fprintf(f, "%02x%02x%02x", c.r, c.g, c.b);
    }
    struct rgb m = color_more();
    fprintf(f, "\",\"more\":\"%02x%02x%02x\",\n\"nodes\":\"", m.r, m.g, m.b);
    uint32_t prev = 0;
    static struct vbuf vb; /* 64 KiB: not on the stack */
    vb.f = f;
    vb.n = 0;
    for (size_t k = 0; k < l.n; k++) {
        const struct layout_rect *r = &l.rects[order[k]];
        vlq(&vb, k ? prev + 1 - r->depth : 0);
        prev = r->depth;
        if (r->node == PNODE_NONE) {
            vlq(&vb, 0);
            vlq(&vb, r->more);
        } else {
            vlq(&vb, 1 + (uint64_t)remap[profile_node(p, r->node)->name]);
        }
        vlq(&vb, scaled(sa[order[k]], scale));
        if (o->diff)
            vlq(&vb, scaled(sb[order[k]], scale));
    }
    vflush(&vb);
    fprintf(f, "\"}</script>\n<script>\n%s</script>\n</body>\n</html>\n", html_js);
    if (fflush(f) != 0 || ferror(f))
        cli_error("writing HTML: %s", strerror(errno ? errno : EIO));
    else
        rc = 0;
out:
    free(order);
    free(remap);
    free(used);
    free(sa);
    free(sb);
    layout_release(&l);
    return rc;
}
