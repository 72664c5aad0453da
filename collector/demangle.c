/*
 * Demangling through libstdc++'s __cxa_demangle.
 *
 * Model: the demangler is borrowed, not written: libstdc++.so.6 is opened
 * with dlopen on first use (once, under pthread_once), so a profiled C
 * program is not made to link libstdc++, and a C++ program just gets a
 * reference to the copy it already has. The handle is never closed: the
 * function pointer stays valid for the life of the process, and unloading
 * libstdc++ from a host that may use it is not ours to do. When libstdc++
 * is missing, names stay mangled.
 *
 * Rust legacy symbols are Itanium-mangled ("_ZN4core3fmt5write17h<16
 * hex>E"), so the same call demangles them; we then drop the "::h<hash>"
 * disambiguator and decode Rust's "$LT$"-style escapes, which are Rust's
 * own and unknown to libstdc++. Rust v0 ("_R...") is not handled.
 */
#include "collector/demangle.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

static pthread_once_t demangle_once = PTHREAD_ONCE_INIT;
static cxa_demangle_fn cxa_demangle;

static void demangle_init(void)
{
    void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);

    if (h)
        cxa_demangle = (cxa_demangle_fn)dlsym(h, "__cxa_demangle");
}

static bool is_hex_lower(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* "..17h0123456789abcdefE" at the end of the mangled name. */
static bool is_rust_legacy(const char *m, size_t len)
{
    if (len < 20 || m[len - 1] != 'E' || memcmp(m + len - 20, "17h", 3) != 0)
        return false;
    for (size_t i = len - 17; i < len - 1; i++)
        if (!is_hex_lower(m[i]))
            return false;
    return true;
}

static const struct {
    const char *esc;
    char c;
} rust_escapes[] = {
    {"$SP$", '@'}, {"$BP$", '*'}, {"$RF$", '&'}, {"$LT$", '<'},
    {"$GT$", '>'}, {"$LP$", '('}, {"$RP$", ')'}, {"$C$", ','},
};

/* In place; the output is never longer than the input. Unknown escapes
 * are kept verbatim (a wrong guess would be worse than a raw name). */
static void rust_unescape(char *s)
{
    char *out = s;
    const char *in = s;

    while (*in) {
        /* A path segment that starts with '$' is mangled as "_$". */
        if (in[0] == '_' && in[1] == '$' &&
            (out == s || (out - s >= 2 && out[-1] == ':' && out[-2] == ':'))) {
            in++;
            continue;
        }
        if (in[0] == '.' && in[1] == '.') {
            *out++ = ':';
            *out++ = ':';
            in += 2;
            continue;
        }
        if (in[0] == '$') {
            bool done = false;
            for (size_t i = 0; i < sizeof(rust_escapes) / sizeof(rust_escapes[0]); i++) {
                size_t n = strlen(rust_escapes[i].esc);
                if (strncmp(in, rust_escapes[i].esc, n) == 0) {
                    *out++ = rust_escapes[i].c;
                    in += n;
                    done = true;
                    break;
                }
            }
            if (!done && in[1] == 'u') {
                /* $u7e$ : a code point in hex; only ASCII is decoded. */
                unsigned v = 0;
                const char *p = in + 2;
                while (is_hex_lower(*p) && v < 0x100) {
                    v = v * 16 + (unsigned)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
                    p++;
                }
                if (*p == '$' && p > in + 2 && v >= 0x20 && v < 0x7f) {
                    *out++ = (char)v;
                    in = p + 1;
                    done = true;
                }
            }
            if (done)
                continue;
        }
        *out++ = *in++;
    }
    *out = '\0';
}

char *demangle(const char *mangled)
{
    int status = -1;
    char *out;
    size_t len;

    if (!mangled || strncmp(mangled, "_Z", 2) != 0)
        return NULL;
    pthread_once(&demangle_once, demangle_init);
    if (!cxa_demangle)
        return NULL;
    out = cxa_demangle(mangled, NULL, NULL, &status);
    if (status != 0 || !out) {
        free(out);
        return NULL;
    }
    len = strlen(mangled);
    if (is_rust_legacy(mangled, len)) {
        size_t olen = strlen(out);
        if (olen > 19 && memcmp(out + olen - 19, "::h", 3) == 0)
            out[olen - 19] = '\0';
        rust_unescape(out);
    }
    return out;
}
