/*
 * Thread states of the wall metric (see wall_states.h).
 */
#include "format/wall_states.h"

#include <string.h>

static const char *const names[WALL_STATE_COUNT] = {
#define X(id, name, desc) name,
    WALL_STATES(X)
#undef X
};

const char *wall_state_name(enum wall_state s)
{
    return (unsigned)s < WALL_STATE_COUNT ? names[s] : "?";
}

int wall_state_of_frame(const char *f, size_t len)
{
    if (len < 3 || f[0] != '[' || f[len - 1] != ']')
        return -1;
    for (int s = 0; s < WALL_STATE_COUNT; s++)
        if (strlen(names[s]) == len - 2 && memcmp(names[s], f + 1, len - 2) == 0)
            return s;
    return -1;
}
