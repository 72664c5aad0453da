#ifndef FLAMEPRE_FORMAT_HASH_H
#define FLAMEPRE_FORMAT_HASH_H
/*
 * The hash of byte strings for every table of the collector and the CLI
 * (folded stacks, interned names) and for the renderer's frame colours,
 * which therefore stay the same from run to run and host to host: the
 * value does not depend on the host's byte order. Not for adversaries
 * (no seed). Pure; any context.
 */
#include <stddef.h>
#include <stdint.h>

uint64_t hash_bytes(const void *data, size_t len);

#endif
