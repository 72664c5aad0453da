/* The library nodump_main loads after it became non-dumpable. */
#include "burn.h"

__attribute__((noinline)) void lib_burn(long us)
{
    burn_us(us);
    burn_sink += 1;
}
