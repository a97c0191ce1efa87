// See include/CPackedGemm.h (the sp_exp_* functions). The exp is the Cephes expf the Swift
// `simdExp` computes (Cody-Waite reduction by ln 2, a degree-6 polynomial, 2^n built in the
// exponent bits), 16 or 8 lanes at a time with fused multiply-adds; masked loads and stores
// run the last partial vector through the same code. Nothing here runs AVX2 / AVX-512 code
// unless the caller's level (at most sp_gemm_level()) says the CPU has it.
#include "CPackedGemm.h"
#include "vec_core.h"
#include <math.h>

// MARK: - plain C (runs everywhere; the tests' yardstick is the Swift simdExp)

static inline float se_exp1(float x0) {
    if (x0 != x0) return x0;
    if (x0 < SE_LO) return 0.0f;
    const float x = x0 > SE_HI ? SE_HI : x0;
    const float t = x * SE_LOG2E + SE_MAGIC;
    const float fx = t - SE_MAGIC;
    float r = x - fx * SE_C1;
    r = r - fx * SE_C2;
    float y = SE_P0;
    y = y * r + SE_P1;
    y = y * r + SE_P2;
    y = y * r + SE_P3;
    y = y * r + SE_P4;
    y = y * r + SE_P5;
    y = y * (r * r) + r + 1.0f;
    union { float f; unsigned u; } tb = {t}, mb = {SE_MAGIC}, sb;
    sb.u = ((tb.u - mb.u) + 127u) << 23;
    return y * sb.f;
}

static float plain_max(const float *p, int n) {
    float m = p[0];
    for (int i = 1; i < n; i++) if (p[i] > m || p[i] != p[i]) m = p[i];
    return m;
}

static float plain_exp_shift_sum(const float *src, float *dst, int n, float shift) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) { const float e = se_exp1(src[i] - shift); dst[i] = e; s += e; }
    return s;
}

static void plain_exp_sub(const float *src, const float *sub, float *dst, int n) {
    for (int i = 0; i < n; i++) dst[i] = se_exp1(src[i] - sub[i]);
}

#if SE_X86

// MARK: - AVX-512F

__attribute__((target("avx512f")))
static float k512_max(const float *p, int n) {
    __m512 a0 = _mm512_set1_ps(p[0]), a1 = a0;
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm512_max_ps(_mm512_loadu_ps(p + i), a0);
        a1 = _mm512_max_ps(_mm512_loadu_ps(p + i + 16), a1);
    }
    for (; i < n; i += 16) {
        const __mmask16 k = se_tail16(n - i);
        a0 = _mm512_mask_max_ps(a0, k, _mm512_maskz_loadu_ps(k, p + i), a0);
    }
    return _mm512_reduce_max_ps(_mm512_max_ps(a0, a1));
}

__attribute__((target("avx512f")))
static float k512_exp_shift_sum(const float *src, float *dst, int n, float shift) {
    const __m512 sh = _mm512_set1_ps(shift);
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512 e0 = se_exp512(_mm512_sub_ps(_mm512_loadu_ps(src + i), sh));
        const __m512 e1 = se_exp512(_mm512_sub_ps(_mm512_loadu_ps(src + i + 16), sh));
        _mm512_storeu_ps(dst + i, e0);
        _mm512_storeu_ps(dst + i + 16, e1);
        s0 = _mm512_add_ps(s0, e0);
        s1 = _mm512_add_ps(s1, e1);
    }
    for (; i < n; i += 16) {
        const __mmask16 k = se_tail16(n - i);
        const __m512 e = se_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, src + i), sh));
        _mm512_mask_storeu_ps(dst + i, k, e);
        s0 = _mm512_mask_add_ps(s0, k, s0, e);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

__attribute__((target("avx512f")))
static void k512_scale(float *p, int n, float v) {
    const __m512 s = _mm512_set1_ps(v);
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(p + i, _mm512_mul_ps(_mm512_loadu_ps(p + i), s));
    if (i < n) {
        const __mmask16 k = se_tail16(n - i);
        _mm512_mask_storeu_ps(p + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, p + i), s));
    }
}

__attribute__((target("avx512f")))
static void k512_exp_sub(const float *src, const float *sub, float *dst, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dst + i, se_exp512(_mm512_sub_ps(_mm512_loadu_ps(src + i), _mm512_loadu_ps(sub + i))));
    if (i < n) {
        const __mmask16 k = se_tail16(n - i);
        const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(k, src + i), _mm512_maskz_loadu_ps(k, sub + i));
        _mm512_mask_storeu_ps(dst + i, k, se_exp512(d));
    }
}

// MARK: - AVX2 + FMA

__attribute__((target("avx2,fma")))
static float k256_max(const float *p, int n) {
    __m256 a0 = _mm256_set1_ps(p[0]), a1 = a0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_max_ps(_mm256_loadu_ps(p + i), a0);
        a1 = _mm256_max_ps(_mm256_loadu_ps(p + i + 8), a1);
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_max_ps(_mm256_loadu_ps(p + i), a0);
    a0 = _mm256_max_ps(a0, a1);
    float t[8];
    _mm256_storeu_ps(t, a0);
    float m = t[0];
    for (int j = 1; j < 8; j++) if (t[j] > m || t[j] != t[j]) m = t[j];
    for (; i < n; i++) if (p[i] > m || p[i] != p[i]) m = p[i];
    return m;
}

__attribute__((target("avx2,fma")))
static float k256_exp_shift_sum(const float *src, float *dst, int n, float shift) {
    const __m256 sh = _mm256_set1_ps(shift);
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 e0 = se_exp256(_mm256_sub_ps(_mm256_loadu_ps(src + i), sh));
        const __m256 e1 = se_exp256(_mm256_sub_ps(_mm256_loadu_ps(src + i + 8), sh));
        _mm256_storeu_ps(dst + i, e0);
        _mm256_storeu_ps(dst + i + 8, e1);
        s0 = _mm256_add_ps(s0, e0);
        s1 = _mm256_add_ps(s1, e1);
    }
    for (; i < n; i += 8) {
        const __m256i k = se_tail8(n - i);
        const __m256 e = se_exp256(_mm256_sub_ps(_mm256_maskload_ps(src + i, k), sh));
        _mm256_maskstore_ps(dst + i, k, e);
        s0 = _mm256_add_ps(s0, _mm256_and_ps(e, _mm256_castsi256_ps(k)));
    }
    s0 = _mm256_add_ps(s0, s1);
    const __m128 h = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
    const __m128 q = _mm_add_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)));
}

__attribute__((target("avx2,fma")))
static void k256_scale(float *p, int n, float v) {
    const __m256 s = _mm256_set1_ps(v);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(p + i, _mm256_mul_ps(_mm256_loadu_ps(p + i), s));
    for (; i < n; i++) p[i] *= v;
}

__attribute__((target("avx2,fma")))
static void k256_exp_sub(const float *src, const float *sub, float *dst, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, se_exp256(_mm256_sub_ps(_mm256_loadu_ps(src + i), _mm256_loadu_ps(sub + i))));
    if (i < n) {
        const __m256i k = se_tail8(n - i);
        const __m256 d = _mm256_sub_ps(_mm256_maskload_ps(src + i, k), _mm256_maskload_ps(sub + i, k));
        _mm256_maskstore_ps(dst + i, k, se_exp256(d));
    }
}

#endif

// MARK: - entry points

float sp_exp_row_max(int level, const float *p, int n) {
    if (n <= 0) return -INFINITY;
#if SE_X86
    if (level >= 2) return k512_max(p, n);
    if (level == 1) return k256_max(p, n);
#endif
    return plain_max(p, n);
}

float sp_exp_shift_sum(int level, const float *src, float *dst, int n, float shift) {
    if (n <= 0) return 0.0f;
#if SE_X86
    if (level >= 2) return k512_exp_shift_sum(src, dst, n, shift);
    if (level == 1) return k256_exp_shift_sum(src, dst, n, shift);
#endif
    return plain_exp_shift_sum(src, dst, n, shift);
}

void sp_exp_sub(int level, const float *src, const float *sub, float *dst, int n) {
    if (n <= 0) return;
#if SE_X86
    if (level >= 2) { k512_exp_sub(src, sub, dst, n); return; }
    if (level == 1) { k256_exp_sub(src, sub, dst, n); return; }
#endif
    plain_exp_sub(src, sub, dst, n);
}

void sp_softmax_row(int level, const float *src, float *dst, int n) {
    if (n <= 0) return;
    const float m = sp_exp_row_max(level, src, n);
    const float inv = 1.0f / sp_exp_shift_sum(level, src, dst, n, m);
#if SE_X86
    if (level >= 2) { k512_scale(dst, n, inv); return; }
    if (level == 1) { k256_scale(dst, n, inv); return; }
#endif
    for (int i = 0; i < n; i++) dst[i] *= inv;
}
