#include "CHalfConvert.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

int surgeon_f16c_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    // F16C (ECX bit 29), AVX (bit 28) and OSXSAVE (bit 27): the VEX-encoded instructions
    // need the OS to save the YMM state, which XCR0 bits 1 and 2 say.
    if ((c & (1u << 29)) == 0 || (c & (1u << 28)) == 0 || (c & (1u << 27)) == 0) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6u) == 6u;
}

__attribute__((target("avx,f16c")))
void surgeon_f16c_half_to_float(const uint16_t *src, float *dst, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i h0 = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i h1 = _mm_loadu_si128((const __m128i *)(src + i + 8));
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h0));
        _mm256_storeu_ps(dst + i + 8, _mm256_cvtph_ps(h1));
    }
    for (; i < n; i++) dst[i] = _cvtsh_ss(src[i]);
}

__attribute__((target("avx,f16c")))
void surgeon_f16c_float_to_half(const float *src, uint16_t *dst, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 f0 = _mm256_loadu_ps(src + i), f1 = _mm256_loadu_ps(src + i + 8);
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(f0, _MM_FROUND_TO_NEAREST_INT));
        _mm_storeu_si128((__m128i *)(dst + i + 8), _mm256_cvtps_ph(f1, _MM_FROUND_TO_NEAREST_INT));
    }
    for (; i < n; i++) dst[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}

#else

int surgeon_f16c_available(void) { return 0; }
void surgeon_f16c_half_to_float(const uint16_t *src, float *dst, ptrdiff_t n) { (void)src; (void)dst; (void)n; }
void surgeon_f16c_float_to_half(const float *src, uint16_t *dst, ptrdiff_t n) { (void)src; (void)dst; (void)n; }

#endif
