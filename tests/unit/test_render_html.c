/* HTML writer: hostile names cannot break out of the data script, the
 * output is valid UTF-8, the data table decodes back to the layout, the file
 * grows with distinct frames and not with stacks, and the CLI path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render/cmd.h"
#include "render/escape.h"
#include "render/layout.h"
#include "render/parse.h"
#include "render/profile.h"
#include "render/render.h"
#include "render/units.h"

static char *render_html(const char *folded, const struct render_opts *o, size_t *len)
{
    struct profile *p = profile_new();
    assert_non_null(p);
    assert_int_equal(parse_folded_mem(p, folded, strlen(folded), "t", NULL, NULL), 0);
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_int_equal(html_write(f, p, o), 0);
    fclose(f);
    profile_free(p);
    if (len)
        *len = n;
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *s = hay; (s = strstr(s, needle)); s++)
        n++;
    return n;
}

/* The JSON between <script type="application/json" id="fp-data"> and its
 * closing tag (malloc'd). */
static char *data_json(const char *html)
{
    const char *open = "<script type=\"application/json\" id=\"fp-data\">";
    const char *s = strstr(html, open);
    assert_non_null(s);
    s += strlen(open);
    const char *e = strstr(s, "</script>");
    assert_non_null(e);
    return strndup(s, (size_t)(e - s));
}

static void test_html_hostile_names(void **state)
{
    (void)state;
    struct render_opts o;
    render_opts_init(&o);
    o.title = "</title><script>alert('t')</script>";
    o.subtitle = "a & b <i>";
    size_t len;
    char *html = render_html("main;std::map<K, V>::operator[](K&&) 5\n"
                             "main;x</script><script>alert(1)</script> 3\n"
                             "main;</SCRIPT ><!-- 1\n"
                             "main;quote\"back\\slash'apos 1\n"
                             "main;bad\xff\x01\x1f utf8\xc0\xaf 2\n"
                             "main;sep\xe2\x80\xa8par\xe2\x80\xa9x 1\n",
                             &o, &len);
    /* exactly the writer's two scripts; names add no element and no comment */
    assert_int_equal(count(html, "<script"), 2);
    assert_int_equal(count(html, "</script"), 2);
    assert_int_equal(count(html, "</SCRIPT"), 0);
    assert_int_equal(count(html, "<!--"), 0);
    assert_null(strstr(html, "<i>"));
    assert_null(strstr(html, "<K"));
    assert_non_null(strstr(html, "&lt;/title&gt;&lt;script&gt;"));
    assert_non_null(strstr(html, "a &amp; b &lt;i&gt;"));
    /* the whole file is valid UTF-8 without raw controls or U+2028/2029 */
    const unsigned char *u = (const unsigned char *)html;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = utf8_decode(u + i, len - i, &cp);
        assert_true(n > 0);
        assert_true(cp >= 0x20 || cp == '\n');
        assert_true(cp != 0x2028 && cp != 0x2029 && cp != 0x7f);
        i += n;
    }
    char *json = data_json(html);
    assert_null(strchr(json, '<'));
    assert_null(strchr(json, '>'));
    assert_non_null(strstr(json, "\"x\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
    assert_non_null(strstr(json, "\"quote\\\"back\\\\slash'apos\""));
    assert_non_null(strstr(json, "sep\\u2028par\\u2029x"));
    assert_non_null(strstr(json, "bad\\ufffd\\ufffd\\ufffd utf8\\ufffd\\ufffd"));
    free(json);
    free(html);
}

/* A minimal reader of the "nodes" table (see html.c): fills depth, name
 * index (or -N for "+N more") and first self column. */
struct dnode {
    int depth, name;
    double self;
};

static uint64_t vlq_next(const char **s)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t v = 0;
    int shift = 0;
    for (;;) {
        const char *d = strchr(digits, **s);
        assert_non_null(d);
        (*s)++;
        unsigned c = (unsigned)(d - digits);
        v |= (uint64_t)(c & 31) << shift;
        shift += 5;
        if (!(c & 32))
            return v;
    }
}

static size_t decode_nodes(const char *json, struct dnode *out, size_t max, int columns)
{
    const char *s = strstr(json, "\"nodes\":\"");
    assert_non_null(s);
    s += strlen("\"nodes\":\"");
    size_t n = 0;
    int prev = 0;
    while (*s != '"') {
        assert_true(n < max);
        int pop = (int)vlq_next(&s);
        out[n].depth = n ? prev + 1 - pop : 0;
        prev = out[n].depth;
        int nm = (int)vlq_next(&s);
        out[n].name = nm ? nm - 1 : -(int)vlq_next(&s);
        out[n].self = (double)vlq_next(&s);
        for (int c = 1; c < columns; c++)
            vlq_next(&s);
        n++;
    }
    return n;
}

static void test_html_table_roundtrip(void **state)
{
    (void)state;
    struct render_opts o;
    render_opts_init(&o);
    char *html = render_html("main;a;b 10\nmain;a 4\nmain;c 100000\nmain;a;b;b 3\n", &o, NULL);
    char *json = data_json(html);
    assert_non_null(strstr(json, "\"n\":6,"));
    assert_non_null(strstr(json, "\"names\":[\"all\",\"main\",\"a\",\"b\",\"c\"]"));
    assert_non_null(strstr(json, "\"diff\":null"));
    /* six colors, one per distinct name used, plus the "more" color */
    const char *c = strstr(json, "\"colors\":\"");
    assert_non_null(c);
    assert_int_equal(strcspn(c + 10, "\""), 5 * 6);
    struct dnode d[16];
    size_t n = decode_nodes(json, d, 16, 1);
    assert_int_equal(n, 6);
    /* pre-order, siblings by name: all, main, a, b, b, c */
    static const int depth[] = {0, 1, 2, 3, 4, 2}, name[] = {0, 1, 2, 3, 3, 4};
    static const double self[] = {0, 0, 4, 10, 3, 100000};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(d[i].depth, depth[i]);
        assert_int_equal(d[i].name, name[i]);
        assert_true(d[i].self == self[i]);
    }
    free(json);
    free(html);

    /* decimals are scaled by 1000; --minwidth adds "+N more" boxes */
    o.minwidth = 5;
    o.minwidth_pct = true;
    o.minwidth_set = true;
    o.inverted = true;
    html = render_html("main;hot 1000\nmain;t1 1.5\nmain;t2 1\nmain;t3 1\n", &o, NULL);
    json = data_json(html);
    assert_non_null(strstr(json, "\"scale\":1000,"));
    assert_non_null(strstr(json, "\"inverted\":true"));
    assert_null(strstr(json, "\"t1\""));
    n = decode_nodes(json, d, 16, 1);
    assert_int_equal(n, 4);
    assert_int_equal(d[3].name, -3);
    assert_true(d[3].self == 3500);
    assert_non_null(strstr(html, "Icicle Graph"));
    free(json);
    free(html);
}

/* The plain table is written straight from the profile trie, not from the
 * layout: it must still be the layout's rects in pre-order (same order,
 * merged boxes, selfs), whatever the sort, merging, fan-out (insertion sort
 * and qsort) and counts (a fraction late in the walk switches to scale 1000). */
static void check_against_layout(const char *folded, const struct render_opts *o)
{
    struct profile *p = profile_new();
    assert_non_null(p);
    assert_int_equal(parse_folded_mem(p, folded, strlen(folded), "t", NULL, NULL), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(html_write(f, p, o), 0);
    fclose(f);
    char *json = data_json(buf);
    double total = profile_total(p);
    struct layout l;
    assert_int_equal(layout_build(p, o->minwidth_set ? render_min_count(o, total) : 0, o->sort, &l),
                     0);
    /* reference pre-order: children of a rect are contiguous, in order */
    size_t *order = malloc(l.n * sizeof(*order)), *stack = malloc(l.n * sizeof(*stack));
    size_t *first = calloc(l.n, sizeof(*first)), *cnt = calloc(l.n, sizeof(*cnt));
    for (size_t i = 1; i < l.n; i++)
        if (!cnt[l.rects[i].parent]++)
            first[l.rects[i].parent] = i;
    size_t sp = 0, k = 0;
    stack[sp++] = 0;
    while (sp) {
        size_t r = stack[--sp];
        order[k++] = r;
        for (size_t c = cnt[r]; c-- > 0;)
            stack[sp++] = first[r] + c;
    }
    bool frac = strstr(json, "\"scale\":1000,") != NULL;
    struct dnode *d = malloc((l.n + 1) * sizeof(*d));
    assert_int_equal(decode_nodes(json, d, l.n + 1, 1), l.n);
    /* names array, split on the JSON quotes (test names have no escapes) */
    const char *names = strstr(json, "\"names\":[") + 9;
    for (size_t i = 0; i < l.n; i++) {
        const struct layout_rect *r = &l.rects[order[i]];
        assert_int_equal(d[i].depth, (int)r->depth);
        double self = r->node == PNODE_NONE ? r->w : profile_node(p, r->node)->self;
        assert_true(d[i].self == (frac ? (double)llround(self * 1000) : self));
        if (r->node == PNODE_NONE) {
            assert_int_equal(d[i].name, -(int)r->more);
            continue;
        }
        const char *s = names;
        for (int q = 0; q < d[i].name; q++)
            s = strstr(s, "\",\"") + 2;
        size_t nl;
        const char *want = profile_name(p, profile_node(p, r->node)->name, &nl);
        assert_memory_equal(s + 1, want, nl);
        assert_int_equal(s[1 + nl], '"');
    }
    layout_release(&l);
    free(order);
    free(stack);
    free(first);
    free(cnt);
    free(d);
    free(json);
    free(buf);
    profile_free(p);
}

static void test_html_plain_matches_layout(void **state)
{
    (void)state;
    char *in = malloc(1 << 20);
    size_t n = 0;
    unsigned x = 12345;
    for (int i = 0; i < 3000; i++) {
        x = x * 1103515245u + 12345u;
        unsigned a = (x >> 8) % 40, b = (x >> 16) % 7, c = (x >> 4) % 3, w = 1 + (x >> 20) % 50;
        n += (size_t)sprintf(in + n, "root;f%u;g%u;h%u %u\n", a, b, c, w);
        if (i % 5 == 0)
            n += (size_t)sprintf(in + n, "root;f%u %u\n", a, w);
    }
    in[n] = '\0';
    struct render_opts o;
    render_opts_init(&o);
    for (int frac = 0; frac < 2; frac++) {
        for (int sort = 0; sort < 2; sort++) {
            for (int mw = 0; mw < 3; mw++) {
                render_opts_init(&o);
                o.sort = sort ? LAYOUT_SORT_WEIGHT : LAYOUT_SORT_NAME;
                if (mw) {
                    o.minwidth = mw == 1 ? 0.5 : 3;
                    o.minwidth_pct = true;
                    o.minwidth_set = true;
                }
                check_against_layout(in, &o);
            }
        }
        strcpy(in + n, "zz;last;leaf 0.25\n");
    }
    free(in);
}

static void test_html_empty(void **state)
{
    (void)state;
    struct render_opts o;
    render_opts_init(&o);
    char *html = render_html("", &o, NULL);
    assert_non_null(strstr(html, "No samples"));
    assert_non_null(strstr(html, "\"n\":1,"));
    assert_non_null(strstr(html, "</html>"));
    free(html);
}

/* Size follows distinct frames: 40,000 stacks over 200 distinct paths make
 * the same file as those 200 paths once (counts aside), and the data stays
 * within the names' bytes plus a few bytes a node. */
static void test_html_size_bound(void **state)
{
    (void)state;
    size_t cap = 8 << 20, used = 0;
    char *once = malloc(cap), *many = malloc(cap);
    size_t used_many = 0, name_bytes = 0;
    for (int i = 0; i < 200; i++) {
        used += (size_t)sprintf(once + used,
                                "[worker tid=1];ns::Server::handle(Request const&);ns::Module%d::"
                                "run();ns::detail::Leaf%d<std::string>::call() 200\n",
                                i % 20, i);
    }
    for (int r = 0; r < 200; r++)
        for (int i = 0; i < 200; i++)
            used_many += (size_t)sprintf(many + used_many,
                                         "[worker tid=1];ns::Server::handle(Request const&);"
                                         "ns::Module%d::run();ns::detail::Leaf%d<std::string>::"
                                         "call() 1\n",
                                         i % 20, i);
    struct render_opts o;
    render_opts_init(&o);
    size_t a, b;
    char *h1 = render_html(once, &o, &a);
    char *h2 = render_html(many, &o, &b);
    assert_int_equal(a, b);
    /* distinct names: thread, handle, 20 modules, 200 leaves */
    name_bytes = strlen("[worker tid=1]") + strlen("ns::Server::handle(Request const&)") +
                 20 * strlen("ns::ModuleNN::run()") +
                 200 * strlen("ns::detail::LeafNNN<std::string>::call()");
    size_t nodes = 1 + 1 + 1 + 20 + 200;
    char *json = data_json(h1);
    size_t overhead = a - strlen(json);
    assert_true(overhead < 24 * 1024); /* page, style and script */
    /* JSON: names (+ quotes, commas, escapes of '<' '>' as 6 bytes), 6 hex
     * color digits a name, and at most 8 bytes a node */
    assert_true(strlen(json) < name_bytes + 200 * 12 + 224 * 9 + nodes * 8 + 512);
    assert_true(strlen(json) < strlen(once));
    free(json);
    free(h1);
    free(h2);
    free(once);
    free(many);
}

/* A writable copy of a literal, as getopt may permute argv. */
#define ARG(s) ((char[]){s})

static void test_html_cli(void **state)
{
    (void)state;
    char dir[] = "/tmp/fp-html-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char in[256], out[256], svg[256];
    snprintf(in, sizeof(in), "%s/app.1.cpu.folded", dir);
    snprintf(out, sizeof(out), "%s/g.html", dir);
    snprintf(svg, sizeof(svg), "%s/g.svg", dir);
    FILE *f = fopen(in, "w");
    assert_non_null(f);
    fputs("[main tid=1];main;work 7\n[main tid=1];main 3\n", f);
    fclose(f);
    char *argv[] = {
        ARG("render"),          in,  ARG("-o"), out, ARG("--title"), ARG("T<1>"), ARG("--inverted"),
        ARG("--merge-threads"), NULL};
    assert_int_equal(cmd_render(8, argv), 0);
    f = fopen(out, "r");
    assert_non_null(f);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "<h1 id=\"title\">T&lt;1&gt;</h1>"));
    assert_non_null(strstr(buf, "\"names\":[\"all\",\"main\",\"work\"]"));
    assert_non_null(strstr(buf, "\"inverted\":true"));
    char *argv2[] = {ARG("render"), in, ARG("-o"), svg, NULL};
    assert_int_equal(cmd_render(4, argv2), 0);
    assert_int_equal(access(svg, R_OK), 0);
    char *argv3[] = {ARG("render"), in, ARG("-o"), out, ARG("--no-normalize"), NULL};
    assert_int_equal(cmd_render(5, argv3), 2);
    unlink(in);
    unlink(out);
    unlink(svg);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_hostile_names),
        cmocka_unit_test(test_html_table_roundtrip),
        cmocka_unit_test(test_html_plain_matches_layout),
        cmocka_unit_test(test_html_empty),
        cmocka_unit_test(test_html_size_bound),
        cmocka_unit_test(test_html_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
