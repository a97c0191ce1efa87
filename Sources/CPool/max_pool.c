// See include/CPool.h. Nothing here runs AVX2 code unless sp_pool_level() reported it.
#include "CPool.h"
#include <math.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define SP_X86 1
#else
#define SP_X86 0
#endif

int sp_pool_level(void) {
    // Worked out in a local and published once: a thread asking during another's first call
    // sees -1 (and works it out too) or the answer, never a passing 0.
    static int known = -1;
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v < 0) {
        v = 0;
#if SP_X86
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2")) v = __builtin_cpu_supports("avx512f") ? 2 : 1;
#endif
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v;
}

#if SP_X86
#define AVX2 __attribute__((target("avx2"))) static inline __attribute__((always_inline))

/// `v > a ? v : a` (MAXPS returns its second operand unless the first is greater), or with
/// `keep` `(v > a || v != v) ? v : a`.
AVX2 __m256 mp_comb(__m256 a, __m256 v, int keep) {
    if (!keep) return _mm256_max_ps(v, a);
    __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, a, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    return _mm256_blendv_ps(a, v, take);
}
static inline float mp_comb1(float a, float v, int keep) {
    if (keep) return (v > a || v != v) ? v : a;
    return v > a ? v : a;
}

/// line[j] = combine of rows[0][j], rows[1][j], ... (count >= 1) for j < n. Without `keep`,
/// returns whether any value read was NaN (the row is then redone with `keep`).
AVX2 int mp_rows(const float *const *rows, int count, int n, float *line, int keep) {
    __m256 nan = _mm256_setzero_ps();
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        __m256 a0 = _mm256_loadu_ps(rows[0] + j), a1 = _mm256_loadu_ps(rows[0] + j + 8);
        if (!keep) nan = _mm256_or_ps(nan, _mm256_cmp_ps(a0, a1, _CMP_UNORD_Q));
        for (int k = 1; k < count; k++) {
            __m256 v0 = _mm256_loadu_ps(rows[k] + j), v1 = _mm256_loadu_ps(rows[k] + j + 8);
            if (!keep) nan = _mm256_or_ps(nan, _mm256_cmp_ps(v0, v1, _CMP_UNORD_Q));
            a0 = mp_comb(a0, v0, keep);
            a1 = mp_comb(a1, v1, keep);
        }
        _mm256_storeu_ps(line + j, a0);
        _mm256_storeu_ps(line + j + 8, a1);
    }
    for (; j + 8 <= n; j += 8) {
        __m256 a = _mm256_loadu_ps(rows[0] + j);
        if (!keep) nan = _mm256_or_ps(nan, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
        for (int k = 1; k < count; k++) {
            __m256 v = _mm256_loadu_ps(rows[k] + j);
            if (!keep) nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
            a = mp_comb(a, v, keep);
        }
        _mm256_storeu_ps(line + j, a);
    }
    if (j < n) {
        // The last 1-7 values through masked loads (the lanes past n read nothing and are 0,
        // which is not a NaN) and a masked store (the line's -inf past n stays).
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - j), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 a = _mm256_maskload_ps(rows[0] + j, mask);
        if (!keep) nan = _mm256_or_ps(nan, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
        for (int k = 1; k < count; k++) {
            __m256 v = _mm256_maskload_ps(rows[k] + j, mask);
            if (!keep) nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
            a = mp_comb(a, v, keep);
        }
        _mm256_maskstore_ps(line + j, mask, a);
    }
    return !_mm256_testz_ps(nan, nan);
}

/// 8 values at p, p + 2, ..., p + 14, in the lane order 0 1 4 5 2 3 6 7 (`mp_unpair` puts
/// them back; max is elementwise, so the taps combine in that order).
AVX2 __m256 mp_even(const float *p) {
    return _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), 0x88);
}
AVX2 __m256 mp_unpair(__m256 v) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8));
}

/// Output columns x0 ..< x0 + 8 of one row from the combined line (buf = line - pl).
AVX2 __m256 mp_cols8(const float *buf, int x0, int kw, int sw, int dw, int keep) {
    if (sw == 1) {
        const float *p = buf + x0;
        __m256 acc = _mm256_loadu_ps(p);
        for (int k = 1; k < kw; k++) acc = mp_comb(acc, _mm256_loadu_ps(p + k * dw), keep);
        return acc;
    }
    if (sw == 2) {
        const float *p = buf + 2 * x0;
        __m256 acc = mp_even(p);
        for (int k = 1; k < kw; k++) acc = mp_comb(acc, mp_even(p + k * dw), keep);
        return mp_unpair(acc);
    }
    __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(sw));
    const float *p = buf + (long)x0 * sw;
    __m256 acc = _mm256_i32gather_ps(p, idx, 4);
    for (int k = 1; k < kw; k++) acc = mp_comb(acc, _mm256_i32gather_ps(p + k * dw, idx, 4), keep);
    return acc;
}

AVX2 void mp_cols(const float *buf, int ow, int kw, int sw, int dw, float *out, int keep) {
    if (ow < 8 && sw <= 2) {
        // One block of 8 columns (the line's slack makes the 8 reads per tap readable; the
        // lanes past ow are not stored).
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(ow), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        _mm256_maskstore_ps(out, mask, mp_cols8(buf, 0, kw, sw, dw, keep));
        return;
    }
    if (ow < 8) {
        for (int x = 0; x < ow; x++) {
            const float *p = buf + (long)x * sw;
            float acc = p[0];
            for (int k = 1; k < kw; k++) acc = mp_comb1(acc, p[k * dw], keep);
            out[x] = acc;
        }
        return;
    }
    int x = 0;
    for (; x + 8 <= ow; x += 8) _mm256_storeu_ps(out + x, mp_cols8(buf, x, kw, sw, dw, keep));
    // The ragged end redoes the last 8 columns (each is a function of the line alone).
    if (x < ow) _mm256_storeu_ps(out + ow - 8, mp_cols8(buf, ow - 8, kw, sw, dw, keep));
}

__attribute__((target("avx2")))
static void mp_rows_avx2(const float *src, int ih, int iw, float *dst, int oh, int ow,
                         int sh, int dh, int pt, const int *rowLo, const int *rowHi,
                         int kw, int sw, int dw, int pl, const unsigned char *colEmpty,
                         float *line, long lineLen, const float **rows, long r0, long r1) {
    for (long i = 0; i < lineLen; i++) line[i] = -INFINITY;
    const float *buf = line;
    float *mid = line + pl;
    const long inSize = (long)ih * iw;
    int anyEmpty = 0;
    for (int x = 0; x < ow; x++) anyEmpty |= colEmpty[x];
    long plane = r0 / oh;
    int y = (int)(r0 % oh) - 1;
    for (long r = r0; r < r1; r++) {
        if (++y == oh) { y = 0; plane++; }
        const float *s = src + plane * inSize;
        float *out = dst + r * ow;
        int count = 0;
        for (int k = rowLo[y]; k < rowHi[y]; k++) rows[count++] = s + (long)(y * sh - pt + k * dh) * iw;
        if (count == 0) {
            for (int x = 0; x < ow; x++) out[x] = 0;
            continue;
        }
        if (mp_rows(rows, count, iw, mid, 0)) {
            mp_rows(rows, count, iw, mid, 1);
            mp_cols(buf, ow, kw, sw, dw, out, 1);
        } else {
            mp_cols(buf, ow, kw, sw, dw, out, 0);
        }
        if (anyEmpty)
            for (int x = 0; x < ow; x++)
                if (colEmpty[x]) out[x] = 0;
    }
}
#endif

int sp_maxpool2d_rows(const float *src, int ih, int iw, float *dst, int oh, int ow,
                      int sh, int dh, int pt, const int *rowLo, const int *rowHi,
                      int kw, int sw, int dw, int pl, const unsigned char *colEmpty,
                      float *line, long lineLen, const float **rows, long r0, long r1) {
#if SP_X86
    if (sp_pool_level() < 1) return -1;
    mp_rows_avx2(src, ih, iw, dst, oh, ow, sh, dh, pt, rowLo, rowHi, kw, sw, dw, pl, colEmpty,
                 line, lineLen, rows, r0, r1);
    return 0;
#else
    return -1;
#endif
}
