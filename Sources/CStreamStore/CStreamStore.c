#include "CStreamStore.h"
#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

typedef float surgeon_float4 __attribute__((ext_vector_type(4)));

void surgeon_stream_floats(float *dst, const float *src, ptrdiff_t n) {
    ptrdiff_t i = 0;
    // Vector stores need 16-byte aligned addresses: plain stores up to the first one.
    while (i < n && ((uintptr_t)(dst + i) & 15u) != 0) { dst[i] = src[i]; i++; }
    for (; i + 4 <= n; i += 4) {
        surgeon_float4 v;
        __builtin_memcpy(&v, src + i, sizeof v);
        __builtin_nontemporal_store(v, (surgeon_float4 *)(dst + i));
    }
    for (; i < n; i++) dst[i] = src[i];
#if defined(__x86_64__) || defined(__i386__)
    // Streaming stores are weakly ordered on x86: fence them before anything that publishes.
    _mm_sfence();
#endif
}
