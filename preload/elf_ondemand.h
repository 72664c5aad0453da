#ifndef FLAMEPRE_ELF_ONDEMAND_H
#define FLAMEPRE_ELF_ONDEMAND_H
/*
 * libelf, opened only when the library itself has to symbolize (the
 * in-process fallback collector). Normal context; idempotent. True when
 * libelf is usable; otherwise the library's libelf calls fail and the
 * symbolizer falls back to addresses.
 */
#include <stdbool.h>

bool elf_ondemand_load(void);

#endif
