#ifndef FLAMEPRE_RENDER_MODULES_H
#define FLAMEPRE_RENDER_MODULES_H
/*
 * Self weight per module (`flamepre top --by module`, the record summary).
 *
 * A folded file names functions, not the modules they are in; only frames
 * the symbolizer could not name carry their module ("[libfoo.so+0x1a2b]").
 * So the module of every leaf comes from the collector's summary in the
 * sibling meta.json (metrics.<metric>.modules, collector/modsum.h), summed
 * over the inputs. Where an input has none (a folded file from another
 * tool, a process-tree file, a thread filter), the leaves say what they
 * can: "[lib+0x..]" is lib (unresolved), "name_[j]" is [jit], "[flamepre]"
 * is libflamepre.so, other marker frames stand for themselves, and a named
 * function's module is unknown: MODULES_NAMED.
 */
#include <stdbool.h>
#include <stddef.h>

struct profile;

#define MODULES_NAMED "[named functions: module not recorded]"

struct module_share {
    char *name;
    double self, unresolved; /* weight; the part without a symbol */
};

struct module_shares {
    struct module_share *v;
    size_t n, cap;
};

/* From the meta.json of every input, metric `metric`: 0, or -1 when an
 * input has no such summary (nothing is kept then). */
int module_shares_from_meta(struct module_shares *ms, char *const *inputs, size_t n,
                            const char *metric);

/* From the leaves of a parsed profile. 0, or -1 (ENOMEM). */
int module_shares_from_profile(struct module_shares *ms, struct profile *p);

/* Heaviest first, ties by name. */
void module_shares_sort(struct module_shares *ms);
void module_shares_free(struct module_shares *ms);

/* The module of an unresolved frame "[lib+0x1a2b]": lib's length, or 0
 * when name is not of that form. */
size_t module_of_unresolved(const char *name, size_t len);

#endif
