/* Allocates a little, then aborts: a core dump of a profiled process. */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *p = malloc(1 << 20);
    if (p)
        memset(p, 1, 1 << 20);
    abort();
}
