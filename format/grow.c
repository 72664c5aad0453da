/*
 * The growable array (see grow.h).
 */
#include "format/grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int grow_array(void *p, size_t *cap, size_t need, size_t size)
{
    void **pp = p;
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / size) {
            errno = ENOMEM;
            return -1;
        }
        ncap *= 2;
    }
    void *n = realloc(*pp, ncap * size);
    if (!n) {
        errno = ENOMEM;
        return -1;
    }
    *pp = n;
    *cap = ncap;
    return 0;
}
