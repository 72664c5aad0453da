#ifndef FLAMEPRE_RENDER_COLOR_H
#define FLAMEPRE_RENDER_COLOR_H
/*
 * Frame colors. A color is a pure function of (palette, name): the same
 * function gets the same color in every graph, so two graphs can be compared
 * by eye (flamegraph.pl's default random colors change on every render).
 */
#include <stddef.h>
#include <stdint.h>

struct rgb {
    uint8_t r, g, b;
};

/* Known palettes: hot (cpu), mem, io, lock, wall, wait (the metric table,
 * format/metrics.h, names one per metric). Returns 0 or -1. */
int palette_check(const char *name);
/* Color of a frame name in a palette (unknown palette -> hot). Thread root
 * frames and unsymbolized frames get fixed neutral shades. */
struct rgb color_for(const char *palette, const char *name, size_t len);
/* Neutral color for merged "+N more" boxes. */
struct rgb color_more(void);
/* Differential: delta in [-1, 1] (negative = shrank, blue; positive = grew,
 * red); 0 is neutral. */
struct rgb color_diff(double delta);

#endif
