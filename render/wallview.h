#ifndef FLAMEPRE_RENDER_WALLVIEW_H
#define FLAMEPRE_RENDER_WALLVIEW_H
/*
 * The view of a wall profile (<comm>.<pid>.wall.folded: every stack ends
 * in a state frame, format/wall_states.h): the `wall` palette's colors and
 * the legend of the states.
 *
 * Colors: a frame is colored by the state it spends most of its time
 * under (the state frames below it, summed over every node of that name:
 * color is a function of the name, in the SVG and the HTML alike), in that
 * state's hue: CPU warm (red-orange), runnable warm too (yellow: it wanted
 * the CPU), the waits cool (lock violet, cond teal, I/O blue, sleep sky,
 * wait-child green), other grey; a hash of the name picks the shade, so
 * neighbours stay apart. A name under no state frame gets the plain
 * `wall` palette color (color.h).
 *
 * Legend: each state's share of the whole profile, in the order of the
 * state table, states of weight 0 left out.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/wall_states.h"
#include "render/color.h"
#include "render/profile.h"

struct wallview {
    double state_total[WALL_STATE_COUNT]; /* weight under each state frame */
    double total;                         /* the profile's total */
    int8_t *name_state;                   /* per name id: its state, -1 none */
    size_t nnames;
    bool any; /* the profile has state frames */
};

/* Build the view of a finished profile (profile_finish). 0, or -1 on
 * ENOMEM (v is then empty: free is still safe). */
int wallview_build(struct wallview *v, const struct profile *p);
void wallview_free(struct wallview *v);

/* Color of name id (name: its bytes, for the fallback palette). */
struct rgb wallview_color(const struct wallview *v, uint32_t id, const char *name, size_t len);

/* Color of a state, shade in [0, 1] (0.5: the state's middle shade). */
struct rgb wall_state_color(enum wall_state s, double shade);

/* The state's share of the total in percent (0 when the total is 0). */
double wallview_share(const struct wallview *v, enum wall_state s);

#endif
