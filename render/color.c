/*
 * Palettes in the spirit of flamegraph.pl (hot = red/orange/yellow for CPU,
 * green for memory, blue for I/O), but driven only by a hash of the name so
 * colors are stable across graphs and runs. Three hash-derived variables pick
 * the shade inside a palette's range.
 */
#include "render/color.h"
#include "render/parse.h"
#include "render/util.h"

#include <string.h>

static const char *const palettes[] = { "hot", "mem", "io", "lock", "wall" };

int palette_check(const char *name)
{
    for (size_t i = 0; i < sizeof(palettes) / sizeof(palettes[0]); i++)
        if (strcmp(name, palettes[i]) == 0)
            return 0;
    return -1;
}

static uint8_t lerp(double base, double span, double v)
{
    double x = base + span * v;
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
}

struct rgb color_for(const char *palette, const char *name, size_t len)
{
    if (parse_is_thread_frame(name, len))
        return (struct rgb){ 190, 190, 220 };
    if (len && name[0] == '[' && name[len - 1] == ']')
        return (struct rgb){ 200, 200, 200 }; /* [unknown], [module+0x...] */
    uint64_t h = hash_bytes(name, len);
    double v1 = (double)(h & 0xffff) / 65535.0;
    double v2 = (double)((h >> 16) & 0xffff) / 65535.0;
    double v3 = (double)((h >> 32) & 0xffff) / 65535.0;
    if (!palette || strcmp(palette, "hot") == 0)
        return (struct rgb){ lerp(205, 50, v3), lerp(0, 230, v1), lerp(0, 55, v2) };
    if (strcmp(palette, "mem") == 0)
        return (struct rgb){ lerp(0, 60, v3), lerp(190, 50, v2), lerp(0, 210, v1) };
    if (strcmp(palette, "io") == 0)
        return (struct rgb){ lerp(80, 60, v1), lerp(80, 60, v1), lerp(190, 55, v2) };
    if (strcmp(palette, "lock") == 0)
        return (struct rgb){ lerp(215, 40, v1), lerp(120, 100, v2), lerp(0, 60, v3) };
    if (strcmp(palette, "wall") == 0)
        return (struct rgb){ lerp(140, 70, v1), lerp(90, 60, v2), lerp(190, 60, v3) };
    return (struct rgb){ lerp(205, 50, v3), lerp(0, 230, v1), lerp(0, 55, v2) };
}

struct rgb color_more(void)
{
    return (struct rgb){ 225, 225, 225 };
}

struct rgb color_diff(double delta)
{
    if (delta > 1)
        delta = 1;
    if (delta < -1)
        delta = -1;
    uint8_t fade = (uint8_t)(235 - 195 * (delta < 0 ? -delta : delta));
    if (delta > 0)
        return (struct rgb){ 250, fade, fade };
    if (delta < 0)
        return (struct rgb){ fade, fade, 250 };
    return (struct rgb){ 235, 235, 235 };
}
