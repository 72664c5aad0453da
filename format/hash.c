/*
 * One string hash (see hash.h).
 */
#include "format/hash.h"

static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t hash_bytes(const void *data, size_t len)
{
    /* Eight bytes per step: long C++ names made a byte-wise FNV the
     * bottleneck of interning. Loads go through memcpy (unaligned-safe) and
     * are read as little-endian values so the result does not depend on the
     * host byte order. */
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0x100000001b3ULL);
    while (len >= 8) {
        uint64_t w = 0;
        for (int i = 0; i < 8; i++)
            w |= (uint64_t)p[i] << (8 * i);
        h = (h ^ w) * 0x9fb21c651e98df25ULL;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < len; i++)
        w |= (uint64_t)p[i] << (8 * i);
    h = (h ^ w) * 0x9fb21c651e98df25ULL;
    return mix64(h);
}
