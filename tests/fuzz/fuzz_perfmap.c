/*
 * libFuzzer target: perf map files (collector/perfmap.h), which a JIT
 * runtime writes in a shared /tmp. Input: the file's text. Oracles: every
 * entry kept has lo < hi and a non-empty name without a newline; a lookup
 * at each entry's start finds a name, and a lookup below every entry
 * finds none.
 *
 *   make fuzz                          (bounded run)
 *   build/fuzz/fuzz_perfmap CRASHFILE  (replay one input)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/perfmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct perfmap pm;
    perfmap_init(&pm, 0);
    pm.path[0] = 0; /* parse only: never read a file */
    perfmap_parse(&pm, (const char *)data, size);
    uintptr_t lowest = UINTPTR_MAX;
    for (size_t i = 0; i < pm.n; i++) {
        const struct perfmap_ent *e = &pm.v[i];
        if (e->lo >= e->hi || !e->name[0] || strchr(e->name, '\n'))
            abort();
        if (e->lo < lowest)
            lowest = e->lo;
    }
    /* lookups need a path to be enabled: give it one that cannot exist */
    strcpy(pm.path, "/nonexistent/perf-0.map");
    for (size_t i = 0; i < pm.n && i < 64; i++)
        if (!perfmap_lookup(&pm, pm.v[i].lo))
            abort();
    if (pm.n && lowest > 0 && perfmap_lookup(&pm, lowest - 1))
        abort();
    perfmap_free(&pm);
    return 0;
}
