/*
 * libFuzzer target: the CFA rule decoder (preload/cfa_rule.h), which the
 * sampling handler runs on the .eh_frame of whatever code a walk reaches.
 * Input: 2 bytes FDE offset, 2 bytes pc offset, then the bytes holding
 * CIEs and FDEs. Oracles: no read outside the bytes given (ASan, on an
 * exact-size copy); a rule, when one comes out, is stable (asking again
 * answers the same).
 *
 *   make fuzz                            (bounded run)
 *   build/fuzz/fuzz_cfa_rule CRASHFILE   (replay one input)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "preload/cfa_rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    size_t fde_off = (size_t)data[0] | (size_t)data[1] << 8;
    uintptr_t pc_off = (uintptr_t)data[2] | (uintptr_t)data[3] << 8;
    size_t n = size - 4;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 4, n);
    uintptr_t lo = (uintptr_t)buf, hi = lo + n;
    const void *fde = buf + (n ? fde_off % n : 0);
    struct cfa_rule a, b;
    int ra = cfa_rule_at(fde, lo, lo + pc_off, lo, hi, &a);
    int rb = cfa_rule_at(fde, lo, lo + pc_off, lo, hi, &b);
    if (ra != rb || (ra == 0 && (a.kind != b.kind || a.reg != b.reg || a.off != b.off)))
        abort();
    free(buf);
    return 0;
}
