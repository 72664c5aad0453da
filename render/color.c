/*
 * Palettes in the spirit of flamegraph.pl (hot = red/orange/yellow for CPU,
 * green for memory, blue for I/O, teal for idle waits), but driven only by a hash of the name so
 * colors are stable across graphs and runs. Three hash-derived variables pick
 * the shade inside a palette's range.
 */
#include "render/color.h"
#include "format/frames.h"
#include "render/util.h"

#include <string.h>

/* A palette: each channel is base + span * v, v one of three hash-derived
 * variables in [0, 1] (var 0..2). One line a palette. */
struct channel {
    double base, span;
    int var;
};
static const struct {
    const char *name;
    struct channel r, g, b;
} palettes[] = {
    {"hot", {205, 50, 2}, {0, 230, 0}, {0, 55, 1}},    /* red, orange, yellow: cpu */
    {"mem", {0, 60, 2}, {190, 50, 1}, {0, 210, 0}},    /* greens: allocations */
    {"io", {80, 60, 0}, {80, 60, 0}, {190, 55, 1}},    /* blues: I/O waits */
    {"lock", {215, 40, 0}, {120, 100, 1}, {0, 60, 2}}, /* ambers: lock contention */
    {"wall", {140, 70, 0}, {90, 60, 1}, {190, 60, 2}}, /* violets: wall time */
    {"wait", {40, 60, 0}, {150, 60, 1}, {200, 55, 2}}, /* cool teals: idle waits */
};
enum { NPALETTES = sizeof(palettes) / sizeof(palettes[0]) };

static int palette_index(const char *name)
{
    for (int i = 0; name && i < NPALETTES; i++)
        if (strcmp(name, palettes[i].name) == 0)
            return i;
    return -1;
}

int palette_check(const char *name)
{
    return palette_index(name) < 0 ? -1 : 0;
}

static uint8_t lerp(double base, double span, double v)
{
    double x = base + span * v;
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
}

struct rgb color_for(const char *palette, const char *name, size_t len)
{
    if (frame_is_thread_root(name, len))
        return (struct rgb){190, 190, 220};
    if (len && name[0] == '[' && name[len - 1] == ']')
        return (struct rgb){200, 200, 200}; /* [unknown], [module+0x...] */
    uint64_t h = hash_bytes(name, len);
    double v[3] = {(double)(h & 0xffff) / 65535.0, (double)((h >> 16) & 0xffff) / 65535.0,
                   (double)((h >> 32) & 0xffff) / 65535.0};
    int i = palette_index(palette);
    if (i < 0)
        i = 0; /* unknown: hot */
    return (struct rgb){lerp(palettes[i].r.base, palettes[i].r.span, v[palettes[i].r.var]),
                        lerp(palettes[i].g.base, palettes[i].g.span, v[palettes[i].g.var]),
                        lerp(palettes[i].b.base, palettes[i].b.span, v[palettes[i].b.var])};
}

struct rgb color_more(void)
{
    return (struct rgb){225, 225, 225};
}

struct rgb color_diff(double delta)
{
    if (delta > 1)
        delta = 1;
    if (delta < -1)
        delta = -1;
    uint8_t fade = (uint8_t)(235 - 195 * (delta < 0 ? -delta : delta));
    if (delta > 0)
        return (struct rgb){250, fade, fade};
    if (delta < 0)
        return (struct rgb){fade, fade, 250};
    return (struct rgb){235, 235, 235};
}
