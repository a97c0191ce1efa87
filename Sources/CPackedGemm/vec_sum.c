// See include/CPackedGemm.h (sp_vec_sum_f64): float32 values summed in double, 8 lanes
// (AVX-512F) or 4 (AVX2) of doubles at a time in four accumulators. Nothing here runs AVX2 /
// AVX-512 code unless the caller's level (at most sp_gemm_level()) says the CPU has it.
#include "CPackedGemm.h"
#include "vec_core.h"

#if SE_X86

__attribute__((target("avx512f")))
static double vs512_sum(const float *p, long n) {
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd(), a2 = _mm512_setzero_pd(), a3 = _mm512_setzero_pd();
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm512_add_pd(a0, _mm512_cvtps_pd(_mm256_loadu_ps(p + i)));
        a1 = _mm512_add_pd(a1, _mm512_cvtps_pd(_mm256_loadu_ps(p + i + 8)));
        a2 = _mm512_add_pd(a2, _mm512_cvtps_pd(_mm256_loadu_ps(p + i + 16)));
        a3 = _mm512_add_pd(a3, _mm512_cvtps_pd(_mm256_loadu_ps(p + i + 24)));
    }
    for (; i + 8 <= n; i += 8) a0 = _mm512_add_pd(a0, _mm512_cvtps_pd(_mm256_loadu_ps(p + i)));
    double lanes[8];
    _mm512_storeu_pd(lanes, _mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)));
    double tail = 0;
    for (; i < n; i++) tail += (double)p[i];
    return (((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))) + tail;
}

__attribute__((target("avx2")))
static double vs256_sum(const float *p, long n) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm_loadu_ps(p + i)));
        a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm_loadu_ps(p + i + 4)));
        a2 = _mm256_add_pd(a2, _mm256_cvtps_pd(_mm_loadu_ps(p + i + 8)));
        a3 = _mm256_add_pd(a3, _mm256_cvtps_pd(_mm_loadu_ps(p + i + 12)));
    }
    for (; i + 4 <= n; i += 4) a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm_loadu_ps(p + i)));
    double lanes[4];
    _mm256_storeu_pd(lanes, _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
    double tail = 0;
    for (; i < n; i++) tail += (double)p[i];
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + tail;
}

#endif

int sp_vec_sum_f64(int level, const float *src, long n, double *sum) {
    if (n <= 0) { *sum = 0; return 1; }
#if SE_X86
    if (level >= 2) { *sum = vs512_sum(src, n); return 1; }
    if (level == 1) { *sum = vs256_sum(src, n); return 1; }
#endif
    (void)src;
    return 0;
}
