/*
 * libFuzzer target: the collector's inline cache file reader
 * (collector/inlcache.h), which reads files from the user's cache
 * directory that anything running as the user could have written.
 *
 * Input: the whole input is the file. Oracles: a refusal leaves the cache
 * empty (every lookup misses); an accepted cache answers lookups at the
 * bounds of every range it holds with at most max frames, each name
 * NUL-terminated or NULL.
 *
 *   make fuzz                            (bounded run with the seed corpus)
 *   build/fuzz/fuzz_inlcache CRASHFILE   (replay one input)
 */
#include "tests/fuzz/fuzz_common.h"
#include "collector/inlcache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_INITIALIZE_DEFAULT()

static void probe(struct inlcache *c, uint64_t a, bool loaded)
{
    struct inline_frame out[3];
    for (int max = 1; max <= 3; max++) {
        int n = inlcache_find(c, a, out, max);
        if (!loaded && n != -1)
            abort();
        if (n > max || n < -1)
            abort();
        for (int i = 0; i < n; i++)
            if (out[i].name && strlen(out[i].name) > (1u << 24))
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct inlcache *c = inlcache_new_memory();
    if (!c)
        return 0;
    int r = inlcache_parse(c, (const char *)data, size);
    bool loaded = r == 0 && inlcache_loaded(c);
    if (r != 0 && inlcache_loaded(c))
        abort();
    /* every hex number in the input, and its neighbours, as an address */
    for (size_t i = 0; i < size && i < 4096; i++) {
        if (i && data[i - 1] != ' ')
            continue;
        uint64_t v = 0;
        size_t k = i;
        for (; k < size && k - i < 16; k++) {
            uint8_t ch = data[k];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            if (d < 0)
                break;
            v = v << 4 | (uint64_t)d;
        }
        if (k == i)
            continue;
        probe(c, v, loaded);
        probe(c, v - 1, loaded);
        probe(c, v + 1, loaded);
    }
    inlcache_free(c);
    return 0;
}
