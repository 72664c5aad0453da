#ifndef FLAMEPRE_FORMAT_GROW_H
#define FLAMEPRE_FORMAT_GROW_H
/*
 * The growable array of the CLI and the collector. Pure; not for signal
 * handlers (realloc).
 */
#include <stddef.h>

/* Ensure *p (an array of elements of size `size`) holds at least `need`
 * elements, growing geometrically. Returns 0, or -1 (errno ENOMEM; *p is
 * unchanged). */
int grow_array(void *p, size_t *cap, size_t need, size_t size);

#endif
