/*
 * N live 24-byte blocks at once (then every other one freed): the exact
 * mode's live table must hold them all. Usage: many_blocks N.
 * stdout: N.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    void **v = malloc((size_t)n * sizeof *v);
    if (!v)
        return 2;
    for (long i = 0; i < n; i++)
        v[i] = malloc(24);
    for (long i = 0; i < n; i += 2)
        free(v[i]);
    printf("%ld\n", n);
    return 0;
}
