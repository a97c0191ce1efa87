// See include/CPackedGemm.h (sp_range_finite, sp_quantize_u8): the two passes of
// DynamicQuantizeLinear over float32 data, 16 lanes (AVX-512F) or 8 (AVX2) at a time. Nothing
// here runs AVX2 / AVX-512 code unless the caller's level (at most sp_gemm_level()) says the
// CPU has it.
//
// The quantization must give the bits of the Swift loop (QuantizeLinear): x / scale in float32,
// rounded half to even, plus the zero point, saturated. A division per element bounds that loop
// (vdivps: ~1.6 floats per cycle at any width). Here q' = x · (1 / scale) (both rounded: within
// 1.5 ulp of x / scale, so within 2 ulp of the rounded quotient q) is rounded instead: q' and q
// round to different integers only if a half-integer lies between them, so only where q' is
// within that distance of a half-integer (QR_NEAR) is the vector recomputed with the division:
// about one vector in a hundred.
#include "CPackedGemm.h"
#include "vec_core.h"
#include <math.h>

/// |q' - round(q')| from this on is near a half-integer: 0.5 - 512 · 2^-20. q' is within
/// |q| · 2^-22 of q (three roundings of 2^-24 each); for |q| ≤ 512 that is under 512 · 2^-22,
/// and the margin is four times it. Past 512 the result saturates whichever way q rounds
/// (the zero point is at most 255).
#define QR_NEAR (0.5f - 0x1p-11f)

#if SE_X86

__attribute__((target("avx512f")))
static int qr512_range(const float *p, long n, float *lo, float *hi) {
    __m512 l0 = _mm512_set1_ps(p[0]), h0 = l0, l1 = l0, h1 = l0;
    // x - x is 0 for finite x and NaN for NaN and infinities: the sum keeps a NaN.
    __m512 bad0 = _mm512_setzero_ps(), bad1 = _mm512_setzero_ps();
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512 v = _mm512_loadu_ps(p + i), w = _mm512_loadu_ps(p + i + 16);
        l0 = _mm512_min_ps(l0, v); h0 = _mm512_max_ps(h0, v);
        l1 = _mm512_min_ps(l1, w); h1 = _mm512_max_ps(h1, w);
        bad0 = _mm512_add_ps(bad0, _mm512_sub_ps(v, v));
        bad1 = _mm512_add_ps(bad1, _mm512_sub_ps(w, w));
    }
    for (; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        // Lanes past the end repeat p[0] (it is in the range already).
        const __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(p[0]), k, p + i);
        l0 = _mm512_min_ps(l0, v); h0 = _mm512_max_ps(h0, v);
        bad0 = _mm512_add_ps(bad0, _mm512_sub_ps(v, v));
    }
    const __m512 bad = _mm512_add_ps(bad0, bad1);
    if (_mm512_cmp_ps_mask(bad, bad, _CMP_UNORD_Q) != 0) return 0;
    *lo = _mm512_reduce_min_ps(_mm512_min_ps(l0, l1));
    *hi = _mm512_reduce_max_ps(_mm512_max_ps(h0, h1));
    return 1;
}

/// 16 floats' quantized bytes: q' = x · inv, or x / scale where q' is near a half-integer.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
__m512i qr512_one(__m512 x, __m512 inv, __m512 sc, __m512 zp, int exact) {
    const __m512 near = _mm512_set1_ps(QR_NEAR);
    __m512 q = exact ? _mm512_div_ps(x, sc) : _mm512_mul_ps(x, inv);
    __m512 r = _mm512_roundscale_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    if (!exact) {
        const __m512 d = _mm512_abs_ps(_mm512_sub_ps(q, r));
        if (_mm512_cmp_ps_mask(d, near, _CMP_GE_OQ) != 0) {
            q = _mm512_div_ps(x, sc);
            r = _mm512_roundscale_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        }
    }
    // NaN gives 0: max returns its second operand when the first is NaN.
    __m512 y = _mm512_max_ps(_mm512_add_ps(r, zp), _mm512_setzero_ps());
    y = _mm512_min_ps(y, _mm512_set1_ps(255.0f));
    return _mm512_cvtps_epi32(y);
}

__attribute__((target("avx512f")))
static void qr512_quantize(const float *p, long n, float scale, float inv, float zp, int exact, unsigned char *dst) {
    const __m512 iv = _mm512_set1_ps(inv), sc = _mm512_set1_ps(scale), z = _mm512_set1_ps(zp);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i v = qr512_one(_mm512_loadu_ps(p + i), iv, sc, z, exact);
        _mm_storeu_si128((__m128i *)(dst + i), _mm512_cvtepi32_epi8(v));
    }
    if (i < n) {
        const __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        const __m512i v = qr512_one(_mm512_maskz_loadu_ps(k, p + i), iv, sc, z, exact);
        _mm512_mask_cvtepi32_storeu_epi8(dst + i, k, v);
    }
}

/// qr512_quantize's integers dequantized: d[i] = (float)(q[i] - dz) * ds. d may be p. `qb`
/// (may be NULL): also the bytes, as qr512_quantize stores them.
__attribute__((target("avx512f")))
static void fq512(const float *p, float *d, unsigned char *qb, long n, float scale, float inv, float zp, int exact, float ds,
                  int dz) {
    const __m512 iv = _mm512_set1_ps(inv), sc = _mm512_set1_ps(scale), z = _mm512_set1_ps(zp), s2 = _mm512_set1_ps(ds);
    const __m512i z2 = _mm512_set1_epi32(dz);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i v = qr512_one(_mm512_loadu_ps(p + i), iv, sc, z, exact);
        if (qb) _mm_storeu_si128((__m128i *)(qb + i), _mm512_cvtepi32_epi8(v));
        _mm512_storeu_ps(d + i, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v, z2)), s2));
    }
    if (i < n) {
        const __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        const __m512i v = qr512_one(_mm512_maskz_loadu_ps(k, p + i), iv, sc, z, exact);
        if (qb) _mm512_mask_cvtepi32_storeu_epi8(qb + i, k, v);
        _mm512_mask_storeu_ps(d + i, k, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v, z2)), s2));
    }
}

__attribute__((target("avx2")))
static int qr256_range(const float *p, long n, float *lo, float *hi) {
    __m256 l0 = _mm256_set1_ps(p[0]), h0 = l0, bad = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(p + i);
        l0 = _mm256_min_ps(l0, v); h0 = _mm256_max_ps(h0, v);
        bad = _mm256_add_ps(bad, _mm256_sub_ps(v, v));
    }
    float l[8], h[8], b[8];
    _mm256_storeu_ps(l, l0); _mm256_storeu_ps(h, h0); _mm256_storeu_ps(b, bad);
    float mn = l[0], mx = h[0], bb = 0;
    for (int j = 0; j < 8; j++) { mn = l[j] < mn ? l[j] : mn; mx = h[j] > mx ? h[j] : mx; bb += b[j]; }
    for (; i < n; i++) { const float v = p[i]; mn = v < mn ? v : mn; mx = v > mx ? v : mx; bb += v - v; }
    if (bb != bb) return 0;
    *lo = mn; *hi = mx;
    return 1;
}

__attribute__((target("avx2"))) static inline __attribute__((always_inline))
__m256i qr256_one(__m256 x, __m256 inv, __m256 sc, __m256 zp, int exact) {
    const __m256 near = _mm256_set1_ps(QR_NEAR);
    const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    __m256 q = exact ? _mm256_div_ps(x, sc) : _mm256_mul_ps(x, inv);
    __m256 r = _mm256_round_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    if (!exact) {
        const __m256 d = _mm256_and_ps(_mm256_sub_ps(q, r), absMask);
        if (_mm256_movemask_ps(_mm256_cmp_ps(d, near, _CMP_GE_OQ)) != 0) {
            q = _mm256_div_ps(x, sc);
            r = _mm256_round_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        }
    }
    __m256 y = _mm256_max_ps(_mm256_add_ps(r, zp), _mm256_setzero_ps());
    y = _mm256_min_ps(y, _mm256_set1_ps(255.0f));
    return _mm256_cvtps_epi32(y);
}

/// 8 quantized integers (0...255) as 8 bytes at dst.
__attribute__((target("avx2"))) static inline __attribute__((always_inline))
void qr256_bytes8(__m256i v, unsigned char *dst) {
    const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64((__m128i *)dst, _mm_packus_epi16(w, w));
}

/// 8 floats' bytes at dst (qr256_one, packed to 8 bytes).
__attribute__((target("avx2"))) static inline __attribute__((always_inline))
void qr256_store8(const float *x, __m256 inv, __m256 sc, __m256 zp, int exact, unsigned char *dst) {
    qr256_bytes8(qr256_one(_mm256_loadu_ps(x), inv, sc, zp, exact), dst);
}

__attribute__((target("avx2")))
static void qr256_quantize(const float *p, long n, float scale, float inv, float zp, int exact, unsigned char *dst) {
    const __m256 iv = _mm256_set1_ps(inv), sc = _mm256_set1_ps(scale), z = _mm256_set1_ps(zp);
    long i = 0;
    for (; i + 8 <= n; i += 8) qr256_store8(p + i, iv, sc, z, exact, dst + i);
    if (i < n) {
        // The last values through an 8-float copy, their bytes copied out.
        float t[8] = {0};
        unsigned char b[8];
        for (long j = i; j < n; j++) t[j - i] = p[j];
        qr256_store8(t, iv, sc, z, exact, b);
        for (long j = i; j < n; j++) dst[j] = b[j - i];
    }
}

/// qr256_quantize's integers dequantized: d[i] = (float)(q[i] - dz) * ds. d may be p. `qb`
/// (may be NULL): also the bytes, as qr256_quantize stores them.
__attribute__((target("avx2")))
static void fq256(const float *p, float *d, unsigned char *qb, long n, float scale, float inv, float zp, int exact, float ds,
                  int dz) {
    const __m256 iv = _mm256_set1_ps(inv), sc = _mm256_set1_ps(scale), z = _mm256_set1_ps(zp), s2 = _mm256_set1_ps(ds);
    const __m256i z2 = _mm256_set1_epi32(dz);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i v = qr256_one(_mm256_loadu_ps(p + i), iv, sc, z, exact);
        if (qb) qr256_bytes8(v, qb + i);
        _mm256_storeu_ps(d + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, z2)), s2));
    }
    if (i < n) {
        // The last values through an 8-float copy.
        float t[8] = {0};
        unsigned char b[8];
        for (long j = i; j < n; j++) t[j - i] = p[j];
        const __m256i v = qr256_one(_mm256_loadu_ps(t), iv, sc, z, exact);
        qr256_bytes8(v, b);
        _mm256_storeu_ps(t, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, z2)), s2));
        for (long j = i; j < n; j++) {
            d[j] = t[j - i];
            if (qb) qb[j] = b[j - i];
        }
    }
}

#endif

int sp_range_finite(int level, const float *src, long n, float *lo, float *hi) {
    if (n <= 0) return -1;
#if SE_X86
    if (level >= 2) return qr512_range(src, n, lo, hi);
    if (level == 1) return qr256_range(src, n, lo, hi);
#endif
    (void)src; (void)lo; (void)hi;
    return -1;
}

int sp_quantize_u8(int level, const float *src, long n, float scale, float zp, unsigned char *dst) {
    if (n <= 0) return 0;
    // The product needs a finite, nonzero reciprocal of a normal scale; otherwise every vector divides.
    const float inv = 1.0f / scale;
    const int exact = !(isnormal(scale) && isnormal(inv));
#if SE_X86
    if (level >= 2) { qr512_quantize(src, n, scale, inv, zp, exact, dst); return 0; }
    if (level == 1) { qr256_quantize(src, n, scale, inv, zp, exact, dst); return 0; }
#endif
    (void)src; (void)scale; (void)zp; (void)dst; (void)inv; (void)exact;
    return -1;
}

int sp_fake_quantize_u8(int level, const float *src, float *dst, long n, float scale, float zp, float dq_scale, int dq_zero) {
    return sp_fake_quantize_both_u8(level, src, 0, dst, n, scale, zp, dq_scale, dq_zero);
}

int sp_fake_quantize_both_u8(int level, const float *src, unsigned char *q, float *dst, long n, float scale, float zp,
                             float dq_scale, int dq_zero) {
    if (n <= 0) return 0;
    const float inv = 1.0f / scale;
    const int exact = !(isnormal(scale) && isnormal(inv));
#if SE_X86
    if (level >= 2) { fq512(src, dst, q, n, scale, inv, zp, exact, dq_scale, dq_zero); return 0; }
    if (level == 1) { fq256(src, dst, q, n, scale, inv, zp, exact, dq_scale, dq_zero); return 0; }
#endif
    (void)src; (void)q; (void)dst; (void)scale; (void)zp; (void)dq_scale; (void)dq_zero; (void)inv; (void)exact;
    return -1;
}
