// See include/CPackedGemm.h (sp_stream_copy): a copy whose destination is written with
// non-temporal stores, for values that are kept (inspected) but not read again during the run:
// a plain store first reads the destination's line into the cache (a read of memory for each
// line written) and pushes out lines the rest of the run still reads; a streaming store does
// neither. Nothing here runs AVX2 / AVX-512 code unless the caller's level (at most
// sp_gemm_level()) says the CPU has it.
#include "CPackedGemm.h"
#include "vec_core.h"
#include <string.h>

#if SE_X86

__attribute__((target("avx512f")))
static void vst512_body(char *d, const char *s, long bytes) {
    for (long i = 0; i < bytes; i += 64) _mm512_stream_si512((__m512i *)(d + i), _mm512_loadu_si512((const void *)(s + i)));
}

__attribute__((target("avx2")))
static void vst256_body(char *d, const char *s, long bytes) {
    for (long i = 0; i < bytes; i += 32) _mm256_stream_si256((__m256i *)(d + i), _mm256_loadu_si256((const __m256i *)(s + i)));
}

#endif

int sp_stream_copy(int level, void *dst, const void *src, long bytes) {
    if (bytes <= 0) return 1;
#if SE_X86
    if (level >= 1) {
        char *d = (char *)dst;
        const char *s = (const char *)src;
        // Whole 64-byte lines of the destination streamed; the partial lines at either end
        // stored as usual (a partial streaming store is written to memory on its own).
        long head = (long)((64 - ((uintptr_t)d & 63)) & 63);
        if (head > bytes) head = bytes;
        memcpy(d, s, (size_t)head);
        d += head; s += head; bytes -= head;
        long body = bytes & ~63L;
        if (level >= 2) vst512_body(d, s, body); else vst256_body(d, s, body);
        memcpy(d + body, s + body, (size_t)(bytes - body));
        return 1;
    }
#endif
    (void)dst; (void)src;
    return 0;
}

void sp_stream_fence(void) {
#if SE_X86
    _mm_sfence();
#endif
}
