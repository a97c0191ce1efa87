// Internal to CPackedGemm (not in include/): the A/B switches the C kernels read from the
// environment themselves (SURGEON_GEMM_ORDER and SURGEON_GEMM_WIDE in packed_gemm.c,
// SURGEON_CD_TAIL in conv_direct.c), read once per process.
#ifndef SP_SWITCH_H
#define SP_SWITCH_H

#include <stdlib.h>

/// The digit ("0"-"9") environment variable `name` holds, or `fallback` when it is unset or
/// holds anything else; read at the first call and kept in *cache (which starts at -1).
static inline int sp_switch_digit(const char *name, int *cache, int fallback) {
    int v = __atomic_load_n(cache, __ATOMIC_RELAXED);
    if (v < 0) {
        const char *e = getenv(name);
        v = e && e[0] >= '0' && e[0] <= '9' && !e[1] ? e[0] - '0' : fallback;
        __atomic_store_n(cache, v, __ATOMIC_RELAXED);
    }
    return v;
}

#endif
