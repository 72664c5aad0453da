/* Spends an address-space budget: 80000 allocations of up to 100 KB (4000
 * live at a time), then one of 150 MB. Prints how many failed. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    static void *live[4000];
    int fails = 0;
    for (int r = 0; r < 20; r++)
        for (int i = 0; i < 4000; i++) {
            free(live[i]);
            live[i] = malloc((size_t)(i * 7919) % 100000 + 1);
            if (live[i])
                *(char *)live[i] = 1;
            else
                fails++;
        }
    void *big = malloc((size_t)150 << 20);
    printf("failed %d of 80000, 150 MB %s\n", fails, big ? "ok" : "refused");
    return 0;
}
