/*
 * One thread's wall split (see wallsplit.h).
 */
#include "collector/wallsplit.h"

void wallsplit_finish(struct thread_rec *t, uint64_t now_ns)
{
    uint64_t end = t->end_ns ? t->end_ns : now_ns;
    uint64_t life = end > t->start_ns ? end - t->start_ns : 0;
    uint64_t known = 0;
    for (int s = 0; s < WALL_STATE_COUNT; s++)
        if (s != WALL_RUNNABLE && s != WALL_OTHER)
            known += t->wall[s];
    uint64_t left = life > known ? life - known : 0;
    t->wall[WALL_RUNNABLE] = t->run_delay_ns < left ? t->run_delay_ns : left;
    t->wall[WALL_OTHER] = left - t->wall[WALL_RUNNABLE];
    t->lifetime_ns = life > known ? life : known;
    t->has_wall = true;
}
