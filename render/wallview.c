/*
 * The wall profile's colors and legend (see wallview.h).
 */
#include "render/wallview.h"

#include <stdlib.h>
#include <string.h>

#include "format/frames.h"
#include "render/util.h"

/* Hues: base rgb and how far the shade moves each channel. */
static const struct {
    uint8_t r, g, b;
    int8_t dr, dg, db;
} hues[WALL_STATE_COUNT] = {
    [WALL_CPU] = {230, 110, 40, 10, 60, 20},      /* warm red-orange */
    [WALL_LOCK] = {150, 110, 230, 40, 30, 10},    /* violet */
    [WALL_COND] = {80, 190, 200, 20, 40, 30},     /* teal */
    [WALL_IO] = {70, 130, 235, 30, 50, 10},       /* blue */
    [WALL_SLEEP] = {150, 200, 240, 30, 30, 10},   /* sky */
    [WALL_CHILD] = {80, 195, 140, 30, 40, 30},    /* green */
    [WALL_RUNNABLE] = {235, 205, 70, 10, 40, 40}, /* warm yellow */
    [WALL_OTHER] = {175, 175, 175, 30, 30, 30},   /* grey */
};

static uint8_t shade_of(uint8_t base, int8_t d, double shade)
{
    double x = base + d * (shade - 0.5) * 2;
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
}

struct rgb wall_state_color(enum wall_state s, double shade)
{
    if ((unsigned)s >= WALL_STATE_COUNT)
        s = WALL_OTHER;
    return (struct rgb){shade_of(hues[s].r, hues[s].dr, shade),
                        shade_of(hues[s].g, hues[s].dg, shade),
                        shade_of(hues[s].b, hues[s].db, shade)};
}

int wallview_build(struct wallview *v, const struct profile *p)
{
    memset(v, 0, sizeof *v);
    v->total = profile_total(p);
    v->nnames = profile_name_count(p);
    size_t nn = profile_node_count(p);
    double *acc = calloc(v->nnames ? v->nnames * WALL_STATE_COUNT : 1, sizeof *acc);
    v->name_state = malloc(v->nnames ? v->nnames : 1);
    if (!acc || !v->name_state) {
        free(acc);
        wallview_free(v);
        return -1;
    }
    /* every state frame adds its weight to itself and its ancestors' names */
    for (uint32_t i = 1; i < nn; i++) {
        const struct pnode *n = profile_node(p, i);
        size_t len;
        const char *name = profile_name(p, n->name, &len);
        int s = wall_state_of_frame(name, len);
        if (s < 0 || n->total <= 0)
            continue;
        v->any = true;
        v->state_total[s] += n->total;
        for (uint32_t j = i; j != 0 && j != PNODE_NONE; j = profile_node(p, j)->parent)
            acc[(size_t)profile_node(p, j)->name * WALL_STATE_COUNT + (size_t)s] += n->total;
    }
    for (size_t id = 0; id < v->nnames; id++) {
        int best = -1;
        double bw = 0;
        for (int s = 0; s < WALL_STATE_COUNT; s++)
            if (acc[id * WALL_STATE_COUNT + (size_t)s] > bw)
                bw = acc[id * WALL_STATE_COUNT + (size_t)s], best = s;
        v->name_state[id] = (int8_t)best;
    }
    free(acc);
    return 0;
}

void wallview_free(struct wallview *v)
{
    free(v->name_state);
    v->name_state = NULL;
    v->nnames = 0;
}

struct rgb wallview_color(const struct wallview *v, uint32_t id, const char *name, size_t len)
{
    if (!v->name_state || id >= v->nnames || v->name_state[id] < 0 ||
        frame_is_thread_root(name, len))
        return color_for("wall", name, len);
    double shade = (double)(hash_bytes(name, len) & 0xffff) / 65535.0;
    return wall_state_color((enum wall_state)v->name_state[id], shade);
}

double wallview_share(const struct wallview *v, enum wall_state s)
{
    return v->total > 0 && (unsigned)s < WALL_STATE_COUNT ? 100 * v->state_total[s] / v->total : 0;
}
