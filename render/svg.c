/*
 * SVG flame graph writer.
 *
 * Model: the layout (count-unit rectangles, see layout.h) is scaled to pixels
 * once here; each rectangle becomes <g class="f"> with a <title> tooltip
 * (name, then counts), a <rect> and a <text> label pre-truncated to fit. The
 * original count-unit geometry is kept in fp:x/fp:w/fp:d attributes so the
 * script (render/js/svg.js) can zoom and compute search percentages exactly,
 * without pixel rounding. Everything is one stdio stream with a large buffer; write
 * errors are the stream owner's to report (outfile.h names the file).
 */
#include "render/render.h"
#include "render/color.h"
#include "render/diff.h"
#include "render/escape.h"
#include "render/profile.h"
#include "render/util.h"
#include "render/wallview.h"

/* svg_js[]: render/js/svg.js, byte for byte (Makefile). Model: every frame
 * is <g class="f" fp:x fp:w fp:d> with x/w in count units and d the depth;
 * zoom rescales x/w of frames inside the clicked one, dims its ancestors
 * and hides the rest. Search sums the widths of matched frames not nested
 * in an already counted match (frames nested in a match lie inside its x
 * range), so recursion is not counted twice. A graph with deep outliers
 * (fp:rows on #frames) is only as tall as the depth holding most of the
 * weight, the rest clipped: a zoom grows the image to the depth that holds
 * as much of the zoomed frame's weight, moving the frames down (flame) or
 * the clip's end (icicle) and the bottom lines. The script sits in a CDATA
 * section: it must never contain "]]>" (the browser test checks). */
#include "render/js/svg.js.h"

#include <errno.h>
#include <math.h>
#include <string.h>

enum { FRAME_H = 16, FONT_SIZE = 12, XPAD = 10 };
static const double FONT_W = 0.59; /* average glyph width / font size (Verdana) */

void render_opts_init(struct render_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->width = 1200;
    o->minwidth = 0.1;
    o->sort = LAYOUT_SORT_NAME;
    o->metric.unit = UNIT_SAMPLES;
    o->metric.palette = "hot";
}

double render_min_count(const struct render_opts *o, double total)
{
    if (o->minwidth_pct)
        return total * o->minwidth / 100.0;
    double px = o->width - 2 * XPAD;
    return px > 0 ? total * o->minwidth / px : 0;
}

static void pct(char *buf, size_t size, double part, double whole)
{
    double v = whole > 0 ? 100.0 * part / whole : 0;
    char tmp[48];
    size_t n = fmt_fixed(tmp, v, v < 10 ? 2 : 1);
    if (n + 2 > size || n + 2 > sizeof(tmp)) {
        snprintf(buf, size, v < 10 ? "%.2f%%" : "%.1f%%", v);
        return;
    }
    memcpy(buf, tmp, n);
    buf[n] = '%';
    buf[n + 1] = '\0';
}

/* Appenders for the per-frame markup: snprintf's output without its cost. */
static char *put_str(char *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o, s, n);
    return o + n;
}

static char *put_fixed(char *o, double v, int prec)
{
    return o + fmt_fixed(o, v, prec);
}

static char *put_g15(char *o, double v)
{
    return o + fmt_g15(o, v);
}

static char *put_uint(char *o, unsigned v)
{
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *o++ = tmp[--n];
    return o;
}

/* Label cut to fit `px` pixels, never inside a UTF-8 sequence. */
static void label(FILE *f, const char *name, size_t len, double px)
{
    double fit = floor((px - 6) / (FONT_SIZE * FONT_W));
    if (fit < 3)
        return;
    if ((double)len <= fit) {
        xml_escape(f, name, len);
        return;
    }
    size_t n = (size_t)fit - 2;
    while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
        n--;
    xml_escape(f, name, n);
    fputs("..", f);
}

/* "before: .. (..%)\nafter: ..\ndelta: .." lines of a differential frame. */
static void diff_tooltip(FILE *f, const struct diff *d, const struct diff_values *v,
                         const struct metric_info *mi)
{
    char b[96], a[96], an[96], dl[96], p1[32], p2[32];
    double tb = diff_total_before(d), ta = diff_total_after(d);
    unit_format(b, sizeof(b), v->before, mi);
    unit_format(a, sizeof(a), v->after, mi);
    pct(p1, sizeof(p1), v->before, tb);
    pct(p2, sizeof(p2), v->after, ta);
    fprintf(f, "\nbefore: %s (%s)\nafter: %s (%s)", b, p1, a, p2);
    if (diff_scale(d) != 1) {
        unit_format(an, sizeof(an), v->after_norm, mi);
        fprintf(f, ", normalized %s", an);
    }
    unit_format(dl, sizeof(dl), fabs(v->delta), mi);
    fprintf(f, "\ndelta: %+.2f pp (%s%s)%s", v->delta_pp, v->delta < 0 ? "-" : "+", dl,
            v->intensity == 0 && v->delta_pp != 0 ? ", within noise" : "");
}

static void write_frame(FILE *f, struct profile *p, const struct layout *l, size_t i,
                        const struct render_opts *o, const char *palette, const struct wallview *wv,
                        double scale, int height)
{
    const struct layout_rect *r = &l->rects[i];
    double px = XPAD + r->x * scale, pw = r->w * scale;
    double y = o->inverted ? 3 * FONT_SIZE + (double)r->depth * FRAME_H
                           : height - 2 * FONT_SIZE - 10 - (double)(r->depth + 1) * FRAME_H;
    double parent_w = r->parent == UINT32_MAX ? l->total : l->rects[r->parent].w;
    char cnt[96], p1[32], p2[32], self[96];
    const char *name;
    size_t len;
    char more_name[64];
    struct rgb c;
    struct diff_values dv;
    if (r->node == PNODE_NONE) {
        len = (size_t)snprintf(more_name, sizeof(more_name), "+%u more", r->more);
        name = more_name;
        c = color_more();
    } else {
        uint32_t id = profile_node(p, r->node)->name;
        name = profile_name(p, id, &len);
        c = wv ? wallview_color(wv, id, name, len) : color_for(palette, name, len);
    }
    if (o->diff) {
        diff_rect(o->diff, l, i, &dv);
        c = color_diff(dv.intensity);
    }
    char buf[512], *q = buf; /* numbers are at most 48 bytes each */
    q = put_str(q, r->node == PNODE_NONE ? "<g class=\"f m\" fp:x=\"" : "<g class=\"f\" fp:x=\"");
    q = put_g15(q, r->x);
    q = put_str(q, "\" fp:w=\"");
    q = put_g15(q, r->w);
    q = put_str(q, "\" fp:d=\"");
    q = put_uint(q, r->depth);
    q = put_str(q, "\"><title>");
    fwrite(buf, 1, (size_t)(q - buf), f);
    xml_escape(f, name, len);
    if (o->diff) {
        diff_tooltip(f, o->diff, &dv, &o->metric);
        if (r->node == PNODE_NONE)
            fprintf(f, "\n%u frames narrower than the minimum width, merged", r->more);
        goto rect;
    }
    unit_format(cnt, sizeof(cnt), r->w, &o->metric);
    pct(p1, sizeof(p1), r->w, l->total);
    pct(p2, sizeof(p2), r->w, parent_w);
    q = buf;
    *q++ = '\n';
    q = put_str(q, cnt);
    q = put_str(q, " (");
    q = put_str(q, p1);
    q = put_str(q, " of total, ");
    q = put_str(q, p2);
    q = put_str(q, " of parent)");
    fwrite(buf, 1, (size_t)(q - buf), f);
    if (r->node != PNODE_NONE && profile_node(p, r->node)->self > 0) {
        double s = profile_node(p, r->node)->self;
        unit_format(self, sizeof(self), s, &o->metric);
        pct(p1, sizeof(p1), s, l->total);
        fprintf(f, "\nself: %s (%s)", self, p1);
    }
    if (r->node == PNODE_NONE)
        fprintf(f, "\n%u frames narrower than the minimum width, merged", r->more);
rect:
    q = buf;
    q = put_str(q, "</title><rect x=\"");
    q = put_fixed(q, px, 2);
    q = put_str(q, "\" y=\"");
    q = put_fixed(q, y, 1);
    q = put_str(q, "\" width=\"");
    q = put_fixed(q, pw, 2);
    q = put_str(q, "\" height=\"");
    q = put_uint(q, FRAME_H - 1);
    q = put_str(q, "\" fill=\"rgb(");
    q = put_uint(q, c.r);
    *q++ = ',';
    q = put_uint(q, c.g);
    *q++ = ',';
    q = put_uint(q, c.b);
    q = put_str(q, ")\" rx=\"2\"/><text x=\"");
    q = put_fixed(q, px + 3, 2);
    q = put_str(q, "\" y=\"");
    q = put_fixed(q, y + FRAME_H - 4.5, 1);
    q = put_str(q, "\">");
    fwrite(buf, 1, (size_t)(q - buf), f);
    label(f, name, len, pw);
    fputs("</text></g>\n", f);
}

/* The states of a wall profile and their shares, one line centred at y:
 * a swatch of the state's middle color and "cpu 41.2%" each. */
static void wall_legend(FILE *f, const struct wallview *wv, int width, int y)
{
    char items[WALL_STATE_COUNT][48];
    int n = 0;
    double chars = 0;
    for (int s = 0; s < WALL_STATE_COUNT; s++) {
        if (wv->state_total[s] <= 0)
            continue;
        snprintf(items[s], sizeof items[s], "%s %.1f%%", wall_state_name(s), wallview_share(wv, s));
        chars += (double)strlen(items[s]) + 4;
        n++;
    }
    /* Verdana at FONT_SIZE: about 0.6 em a character */
    double cw = 0.6 * FONT_SIZE, x = width / 2.0 - chars * cw / 2;
    if (x < XPAD)
        x = XPAD;
    fprintf(f, "<g id=\"legend\" fp:states=\"%d\">\n", n);
    for (int s = 0; s < WALL_STATE_COUNT; s++) {
        if (wv->state_total[s] <= 0)
            continue;
        struct rgb c = wall_state_color(s, 0.5);
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\" "
                "fill=\"rgb(%u,%u,%u)\"/><text x=\"%.1f\" y=\"%d\">",
                x, y - FONT_SIZE + 2, FONT_SIZE, FONT_SIZE, c.r, c.g, c.b, x + FONT_SIZE + 3, y);
        xml_escape(f, items[s], strlen(items[s]));
        fputs("</text>\n", f);
        x += ((double)strlen(items[s]) + 4) * cw;
    }
    fputs("</g>\n", f);
}

int svg_write(FILE *f, struct profile *p, const struct render_opts *o)
{
    struct layout l;
    double total = profile_total(p);
    if (layout_build(p, render_min_count(o, total), o->sort, &l) < 0)
        return cli_error("out of memory laying out the graph");
    const char *palette = o->palette ? o->palette : o->metric.palette;
    int width = o->width;
    /* The image is as tall as the depth that holds most of the weight
     * (layout.h); deeper frames are drawn beyond it, clipped, and the
     * script grows the image when a zoom needs them. */
    uint32_t shown = layout_shown_depth(&l, LAYOUT_SHOWN_PERMILLE);
    if (shown == UINT32_MAX) {
        layout_release(&l);
        return cli_error("out of memory laying out the graph");
    }
    bool cut = total > 0 && shown < l.max_depth;
    int depth_rows = total > 0 ? (int)shown + 1 : 1;
    int height = 3 * FONT_SIZE + depth_rows * FRAME_H + 2 * FONT_SIZE + 10;
    char deep[192];
    if (cut) {
        /* the stacks deeper than `shown` weigh what their frames at depth
         * shown + 1 weigh */
        double w = 0;
        for (size_t i = 0; i < l.n; i++)
            if (l.rects[i].depth == shown + 1)
                w += l.rects[i].w;
        char share[32];
        pct(share, sizeof(share), w, total);
        snprintf(deep, sizeof(deep),
                 "%s of the weight is in stacks deeper than %u frames (up to %u): "
                 "click a frame to see all of its depth",
                 share, shown, l.max_depth);
        height += FONT_SIZE + 4;
    }
    if (o->subtitle)
        height += FONT_SIZE + 4;
    if (o->note)
        height += FONT_SIZE + 4;
    char legend[256];
    if (o->diff) {
        diff_legend(legend, sizeof(legend), o->diff);
        height += FONT_SIZE + 4;
    }
    /* the wall palette on a wall profile: frames by state, and the legend */
    struct wallview wview, *wv = NULL;
    if (!o->diff && strcmp(palette, "wall") == 0 && wallview_build(&wview, p) == 0) {
        wv = &wview;
        if (wv->any)
            height += FONT_SIZE + 4;
    }
    double gw = width - 2 * XPAD;
    double scale = total > 0 ? gw / total : 0;
    const char *title = o->title                 ? o->title
                        : o->diff && o->inverted ? "Differential Icicle Graph"
                        : o->diff                ? "Differential Flame Graph"
                        : o->inverted            ? "Icicle Graph"
                                                 : "Flame Graph";

    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
            "<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "onload=\"init(evt)\" xmlns=\"http://www.w3.org/2000/svg\" "
            "xmlns:fp=\"urn:flamepre\">\n"
            "<!-- Flame graph by flamepre. Click a frame to zoom, Ctrl-F or / to search. -->\n"
            "<defs><linearGradient id=\"bg\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
            "<stop stop-color=\"#eeeeee\" offset=\"5%%\"/>"
            "<stop stop-color=\"#eeeeb0\" offset=\"95%%\"/></linearGradient></defs>\n"
            "<style type=\"text/css\">\n"
            "text { font-family: Verdana, sans-serif; font-size: %dpx; fill: #000; }\n"
            "#title { font-size: 17px; }\n"
            "#subtitle, #note { fill: #555; }\n"
            "#unzoom, #search { cursor: pointer; }\n"
            "g.f { cursor: pointer; }\n"
            "g.f text { pointer-events: none; }\n"
            "g.f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
            ".hide { display: none; }\n"
            ".dim { opacity: 0.5; }\n"
            "</style>\n"
            "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n"
            "<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"url(#bg)\"/>\n",
            width, height, width, height, FONT_SIZE, svg_js);
    int ty = 2 * FONT_SIZE;
    fprintf(f, "<text id=\"title\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", width / 2.0, ty);
    xml_escape(f, title, strlen(title));
    fputs("</text>\n", f);
    int extra = 0;
    if (o->subtitle) {
        extra += FONT_SIZE + 4;
        fprintf(f, "<text id=\"subtitle\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", width / 2.0,
                ty + extra);
        xml_escape(f, o->subtitle, strlen(o->subtitle));
        fputs("</text>\n", f);
    }
    if (o->note) {
        extra += FONT_SIZE + 4;
        fprintf(f, "<text id=\"note\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", width / 2.0,
                ty + extra);
        xml_escape(f, o->note, strlen(o->note));
        fputs("</text>\n", f);
    }
    if (o->diff) {
        extra += FONT_SIZE + 4;
        fprintf(f, "<text id=\"note\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", width / 2.0,
                ty + extra);
        xml_escape(f, legend, strlen(legend));
        fputs("</text>\n", f);
    }
    if (wv && wv->any) {
        extra += FONT_SIZE + 4;
        wall_legend(f, wv, width, ty + extra);
    }
    if (cut) {
        extra += FONT_SIZE + 4;
        fprintf(f, "<text id=\"deep\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                width / 2.0, ty + extra, deep);
    }
    fprintf(f,
            "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n"
            "<text id=\"search\" x=\"%d\" y=\"%d\" text-anchor=\"end\">Search</text>\n"
            "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n"
            "<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"> </text>\n",
            XPAD, ty, width - XPAD, ty, XPAD, height - 17, width - XPAD, height - 17);
    if (total <= 0) {
        fprintf(f,
                "<text id=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                "No samples: the input is empty.</text>\n",
                width / 2.0, height / 2.0 + 4);
    }
    /* Frames shift down by the subtitle/note lines in icicle mode only: in
     * flame mode they hang from the bottom edge. */
    char shift[48] = "";
    if (o->inverted && extra)
        snprintf(shift, sizeof(shift), " transform=\"translate(0,%d)\"", extra);
    /* Frames deeper than the image are clipped to the graph's rows (in the
     * frames' own coordinates) instead of drawing over the title; fp:rows
     * tells the script how many rows the image holds. */
    char clip[160] = "";
    if (cut) {
        int top = o->inverted ? 3 * FONT_SIZE : height - 2 * FONT_SIZE - 10 - depth_rows * FRAME_H;
        fprintf(f,
                "<clipPath id=\"fpclip\"><rect id=\"fpcliprect\" x=\"0\" y=\"%d\" "
                "width=\"%d\" height=\"%d\"/></clipPath>\n",
                top, width, depth_rows * FRAME_H);
        snprintf(clip, sizeof(clip),
                 " fp:fh=\"%d\" fp:rows=\"%d\" fp:inverted=\"%d\" "
                 "fp:permille=\"%d\" fp:mincut=\"%d\" clip-path=\"url(#fpclip)\"",
                 FRAME_H, depth_rows, o->inverted ? 1 : 0, LAYOUT_SHOWN_PERMILLE,
                 LAYOUT_CUT_MIN_ROWS);
    }
    fprintf(
        f,
        "<g id=\"frames\" fp:total=\"%.15g\" fp:width=\"%.2f\" fp:xpad=\"%d\" fp:fs=\"%d\"%s%s>\n",
        total, gw, XPAD, FONT_SIZE, shift, clip);
    if (total > 0)
        for (size_t i = 0; i < l.n; i++)
            write_frame(f, p, &l, i, o, palette, wv, scale, height);
    fputs("</g>\n</svg>\n", f);
    layout_release(&l);
    if (wv)
        wallview_free(&wview);
    return 0;
}
