// Internal to CPackedGemm (not in include/): the float32 exp core shared by vec_exp.c
// (Softmax rows) and vec_math.c (activations): the Cephes expf of the Swift `simdExp`
// (Cody-Waite reduction by ln 2, a degree-6 polynomial, 2^n built in the exponent bits) as
// one AVX-512F or AVX2 + FMA vector, and the masks of a last partial vector.
#ifndef SP_VEC_CORE_H
#define SP_VEC_CORE_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define SE_X86 1
#else
#define SE_X86 0
#endif

// The constants of the Swift simdExp.
#define SE_LO -87.33654f
#define SE_HI 88.0f
#define SE_LOG2E 1.44269504088896341f
#define SE_MAGIC 12582912.0f /* 1.5 * 2^23: adding it rounds to an integer kept in the low bits */
#define SE_C1 0.693359375f
#define SE_C2 -2.12194440e-4f
#define SE_P0 1.9875691500e-4f
#define SE_P1 1.3981999507e-3f
#define SE_P2 8.3334519073e-3f
#define SE_P3 4.1665795894e-2f
#define SE_P4 1.6666665459e-1f
#define SE_P5 5.0000001201e-1f

#if SE_X86

__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
__m512 se_exp512(__m512 x0) {
    // max/min return their second operand when one is NaN: x0 NaN stays NaN through the
    // clamps and the arithmetic.
    __m512 x = _mm512_min_ps(_mm512_set1_ps(SE_HI), _mm512_max_ps(_mm512_set1_ps(SE_LO), x0));
    const __m512 magic = _mm512_set1_ps(SE_MAGIC);
    const __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(SE_LOG2E), magic);
    const __m512 fx = _mm512_sub_ps(t, magic);
    __m512 r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(SE_C1), x);
    r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(SE_C2), r);
    __m512 y = _mm512_set1_ps(SE_P0);
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(SE_P1));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(SE_P2));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(SE_P3));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(SE_P4));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(SE_P5));
    y = _mm512_fmadd_ps(y, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    const __m512i n = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_castps_si512(magic));
    const __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n, _mm512_set1_epi32(127)), 23));
    // Below the range (and -inf): 0.
    const __mmask16 under = _mm512_cmp_ps_mask(x0, _mm512_set1_ps(SE_LO), _CMP_LT_OQ);
    return _mm512_maskz_mul_ps((__mmask16)~under, y, scale);
}

__attribute__((target("avx512f"))) static inline __mmask16 se_tail16(int left) {
    return (__mmask16)(left >= 16 ? 0xFFFF : (1u << left) - 1u);
}

__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))
__m256 se_exp256(__m256 x0) {
    __m256 x = _mm256_min_ps(_mm256_set1_ps(SE_HI), _mm256_max_ps(_mm256_set1_ps(SE_LO), x0));
    const __m256 magic = _mm256_set1_ps(SE_MAGIC);
    const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(SE_LOG2E), magic);
    const __m256 fx = _mm256_sub_ps(t, magic);
    __m256 r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(SE_C1), x);
    r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(SE_C2), r);
    __m256 y = _mm256_set1_ps(SE_P0);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(SE_P1));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(SE_P2));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(SE_P3));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(SE_P4));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(SE_P5));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i n = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(magic));
    const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
    const __m256 keep = _mm256_cmp_ps(x0, _mm256_set1_ps(SE_LO), _CMP_NLT_UQ);  // not below (NaN kept)
    return _mm256_and_ps(_mm256_mul_ps(y, scale), keep);
}

/// Lanes < left set (all when left >= 8).
__attribute__((target("avx2,fma"))) static inline __m256i se_tail8(int left) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(left < 8 ? left : 8), idx);
}

#endif

#endif
