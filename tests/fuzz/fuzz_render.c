/*
 * libFuzzer target: the whole `flamepre render` pipeline on untrusted input,
 * parse -> layout -> SVG (into memory), plus the `top` writers.
 *
 * Input: byte 0 = options (fuzz_common.h: parse transforms, icicle,
 * minwidth, sort), the rest = a folded file, parsed leniently as a user
 * would with --lenient (strict parsing is covered by fuzz_folded).
 * Oracles:
 *  - layout: rects tile their parent (children inside the parent's x range,
 *    one depth deeper, widths add up to at most the parent's);
 *  - the SVG is valid UTF-8 without forbidden controls, has exactly one
 *    <script> element, and after it is well-formed XML with only the
 *    elements svg.c writes (every tag closed in order, attribute values
 *    quoted without '<', text with no raw '<' and only known entities): an
 *    unescaped name would break one of these;
 *  - top_write in text, markdown and csv does not crash.
 *
 *   make fuzz
 *   build/fuzz/fuzz_render CRASHFILE
 */
#include "tests/fuzz/fuzz_common.h"
#include "render/layout.h"
#include "render/render.h"
#include "render/top.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_INITIALIZE_DEFAULT()

static void check_layout(struct profile *p, double min_count, enum layout_sort sort)
{
    struct layout l;
    if (layout_build(p, min_count, sort, &l) < 0)
        return;
    double *used = calloc(l.n ? l.n : 1, sizeof(double));
    if (!used)
        abort();
    for (size_t i = 0; i < l.n; i++) {
        const struct layout_rect *r = &l.rects[i];
        if (!(r->w >= 0) || !(r->x >= 0))
            fuzz_fail("layout: rect %zu x %.17g w %.17g", i, r->x, r->w);
        if (i == 0) {
            if (r->parent != UINT32_MAX)
                fuzz_fail("layout: rect 0 is not the root");
            continue;
        }
        if (r->parent >= i)
            fuzz_fail("layout: rect %zu parent %u not before it", i, r->parent);
        const struct layout_rect *q = &l.rects[r->parent];
        double eps = 1e-9 * (l.total > 1 ? l.total : 1);
        if (r->depth != q->depth + 1 || r->x + eps < q->x || r->x + r->w > q->x + q->w + eps)
            fuzz_fail("layout: rect %zu [%.17g,+%.17g) d%u outside parent %u [%.17g,+%.17g) d%u", i,
                      r->x, r->w, r->depth, r->parent, q->x, q->w, q->depth);
        used[r->parent] += r->w;
        if (used[r->parent] > q->w + eps)
            fuzz_fail("layout: children of rect %u are wider (%.17g) than it (%.17g)", r->parent,
                      used[r->parent], q->w);
    }
    free(used);
    layout_release(&l);
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
           c == '-' || c == '_';
}

/* clipPath: deep graphs clip the frames below their first screen (svg.c) */
static const char *const known_elems[] = {"svg", "g", "title", "rect", "text", "clipPath", NULL};

/* Well-formedness of the SVG body after the script (a subset of XML: no
 * comments or CDATA expected there). `depth0` = open elements at `s`. */
static void check_xml_body(const char *s, size_t len, int depth0)
{
    char stack[64][16];
    int depth = 0;
    size_t i = 0;
    while (i < len) {
        char c = s[i];
        if (c == '&') {
            static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            int ok = 0;
            for (size_t e = 0; e < 5; e++)
                if (!strncmp(s + i, ents[e], strlen(ents[e])))
                    ok = 1;
            if (!ok)
                fuzz_fail("svg: bare '&' at body byte %zu", i);
            i++;
            continue;
        }
        if (c == '>')
            fuzz_fail("svg: raw '>' in text at body byte %zu", i);
        if (c != '<') {
            i++;
            continue;
        }
        i++;
        int closing = i < len && s[i] == '/';
        if (closing)
            i++;
        size_t n0 = i;
        while (i < len && is_name_char(s[i]))
            i++;
        size_t nl = i - n0;
        char name[16] = "";
        if (nl == 0 || nl >= sizeof(name))
            fuzz_fail("svg: bad tag at body byte %zu", n0);
        memcpy(name, s + n0, nl);
        int known = 0;
        for (int k = 0; known_elems[k]; k++)
            known |= !strcmp(known_elems[k], name);
        if (!known)
            fuzz_fail("svg: unexpected element <%s> at body byte %zu", name, n0);
        if (closing) {
            if (i >= len || s[i] != '>')
                fuzz_fail("svg: bad closing tag </%s", name);
            i++;
            if (depth == 0) {
                if (depth0-- <= 0)
                    fuzz_fail("svg: </%s> closes nothing", name);
            } else if (strcmp(stack[--depth], name)) {
                fuzz_fail("svg: </%s> closes <%s>", name, stack[depth]);
            }
            continue;
        }
        /* attributes */
        for (;;) {
            while (i < len && s[i] == ' ')
                i++;
            if (i >= len)
                fuzz_fail("svg: unterminated <%s>", name);
            if (s[i] == '>' || (s[i] == '/' && i + 1 < len && s[i + 1] == '>'))
                break;
            size_t a0 = i;
            while (i < len && is_name_char(s[i]))
                i++;
            if (i == a0 || i + 1 >= len || s[i] != '=' || s[i + 1] != '"')
                fuzz_fail("svg: bad attribute in <%s> at body byte %zu", name, a0);
            i += 2;
            while (i < len && s[i] != '"') {
                if (s[i] == '<')
                    fuzz_fail("svg: '<' in an attribute of <%s>", name);
                i++;
            }
            if (i >= len)
                fuzz_fail("svg: unterminated attribute in <%s>", name);
            i++;
        }
        if (s[i] == '/') {
            i += 2; /* empty element */
            continue;
        }
        i++;
        if (depth == 64)
            fuzz_fail("svg: elements nested too deep");
        strcpy(stack[depth++], name);
    }
    if (depth != 0 || depth0 != 0)
        fuzz_fail("svg: %d elements left open", depth + depth0);
}

static void check_svg(const char *s, size_t len)
{
    fuzz_check_utf8("svg", s, len);
    const char *open = memmem(s, len, "<script", 7);
    if (!open)
        fuzz_fail("svg: no <script>");
    const char *end = memmem(open, len - (size_t)(open - s), "]]></script>\n", 13);
    if (!end)
        fuzz_fail("svg: script not closed");
    end += 13;
    size_t rest = len - (size_t)(end - s);
    if (memmem(end, rest, "<script", 7) || memmem(end, rest, "</script", 8))
        fuzz_fail("svg: a second script tag after the embedded script");
    check_xml_body(end, rest, 1); /* inside <svg> */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned char ob = data[0];
    struct parse_opts po = fuzz_parse_opts(ob);
    po.lenient = true;
    struct profile *p = profile_new();
    if (!p)
        abort();
    if (parse_folded_mem(p, (const char *)data + 1, size - 1, "fuzz", &po, NULL) == 0) {
        struct render_opts ro;
        render_opts_init(&ro);
        ro.inverted = ob & FUZZ_OPT_INVERTED;
        ro.minwidth = (ob & FUZZ_OPT_MINWIDTH) ? 5 : 0;
        ro.sort = (ob & FUZZ_OPT_SORT_WEIGHT) ? LAYOUT_SORT_WEIGHT : LAYOUT_SORT_NAME;
        ro.title = "fuzz <&>";
        ro.note = (ob & FUZZ_OPT_LENIENT) ? "note \"'" : NULL;
        check_layout(p, render_min_count(&ro, profile_total(p)), ro.sort);

        char *out = NULL;
        size_t olen = 0;
        FILE *f = open_memstream(&out, &olen);
        if (!f)
            abort();
        int rc = svg_write(f, p, &ro);
        fclose(f);
        if (rc == 0)
            check_svg(out, olen);
        free(out);

        static const enum top_format fmts[] = {TOP_TEXT, TOP_MARKDOWN, TOP_CSV};
        for (size_t k = 0; k < 3; k++) {
            out = NULL;
            olen = 0;
            f = open_memstream(&out, &olen);
            if (!f)
                abort();
            top_write(f, p, 10, fmts[k], &ro.metric, "fuzz");
            fclose(f);
            free(out);
        }
    }
    profile_free(p);
    return 0;
}
