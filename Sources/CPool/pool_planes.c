// See sp_pool_planes_same in include/CPool.h: the stride-1 "same" plane pools of GoogLeNet's
// and Inception's branches (3 × 3, pad 1, on maps of 7 × 7 to 35 × 35) with AVX-512F. The Swift
// kernel (PoolFloatPlane.swift) copies each plane into a padded one row by row, combines its
// rows over the flattened plane, then its columns one output row at a time, 16 columns a
// vector: on 7 × 7 and 14 × 14 maps a row is a partial vector, and the per-row work cost more
// than the combines. Here both passes run over the flattened plane, 16 positions a vector, and
// taps outside the plane are masked loads that give the identity: the same values combined in
// the same order as the padded plane's, so the same bits.
#include "CPool.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define PP_X86 1
#else
#define PP_X86 0
#endif

#if PP_X86
#define AVX512 __attribute__((target("avx512f"))) static inline __attribute__((always_inline))

/// `(v > a || v != v) ? v : a`: MAXPS gives its second operand (a) when either is NaN or they
/// are equal, so only a NaN v needs the mask.
AVX512 __m512 pp_max(__m512 a, __m512 v) {
    const __m512 m = _mm512_max_ps(v, a);
    return _mm512_mask_mov_ps(m, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v);
}

AVX512 __m512 pp_comb(int isMax, __m512 a, __m512 v) { return isMax ? pp_max(a, v) : _mm512_add_ps(a, v); }

AVX512 __mmask16 pp_lanes(long n) { return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u); }

/// One plane: line[j] = rows combined, then dst[j] = columns of line combined (÷ div[j]).
AVX512 void pp_plane(const int isMax, const float *src, float *dst, int h, int w, int kh, int kw, int pt, int pl,
                     const int *xpos, const float *div, float *line) {
    const long n = (long)h * w;
    const __m512 id = _mm512_set1_ps(isMax ? -__builtin_inff() : 0.0f);
    for (long j = 0; j < n; j += 16) {
        __m512 acc = id;
        for (int k = 0; k < kh; k++) {
            // Row y - pt + k of position j's lanes: inside the plane for j + s in [0, n).
            const long s = (long)(k - pt) * w;
            const long lo = -s > 0 ? -s : 0, hi = n - s < n ? n - s : n;
            __mmask16 m = pp_lanes(hi - j);
            if (lo > j) m &= (__mmask16)~pp_lanes(lo - j);
            const __m512 v = _mm512_mask_loadu_ps(id, m, src + j + s);
            acc = k == 0 ? v : pp_comb(isMax, acc, v);
        }
        _mm512_storeu_ps(line + j, acc);
    }
    const __m512i wv = _mm512_set1_epi32(w);
    for (long j = 0; j < n; j += 16) {
        const __mmask16 inPlane = pp_lanes(n - j);
        const __m512i x = _mm512_loadu_si512((const void *)(xpos + j));
        __m512 acc = id;
        for (int k = 0; k < kw; k++) {
            // Column x - pl + k: inside the row for 0 <= x + (k - pl) < w.
            const __m512i c = _mm512_add_epi32(x, _mm512_set1_epi32(k - pl));
            const __mmask16 m = inPlane & _mm512_cmpge_epi32_mask(c, _mm512_setzero_si512()) & _mm512_cmplt_epi32_mask(c, wv);
            const __m512 v = _mm512_mask_loadu_ps(id, m, line + j + (k - pl));
            acc = k == 0 ? v : pp_comb(isMax, acc, v);
        }
        if (!isMax) acc = _mm512_div_ps(acc, _mm512_loadu_ps(div + j));
        _mm512_mask_storeu_ps(dst + j, inPlane, acc);
    }
}

__attribute__((target("avx512f"))) static void pp_run_max(const float *src, float *dst, long p0, long p1, int h, int w,
                                                          int kh, int kw, int pt, int pl, const int *xpos, float *line) {
    const long n = (long)h * w;
    for (long p = p0; p < p1; p++) pp_plane(1, src + p * n, dst + p * n, h, w, kh, kw, pt, pl, xpos, 0, line);
}

__attribute__((target("avx512f"))) static void pp_run_avg(const float *src, float *dst, long p0, long p1, int h, int w,
                                                          int kh, int kw, int pt, int pl, const int *xpos, const float *div,
                                                          float *line) {
    const long n = (long)h * w;
    for (long p = p0; p < p1; p++) pp_plane(0, src + p * n, dst + p * n, h, w, kh, kw, pt, pl, xpos, div, line);
}

static int pp_has_avx512f(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return known;
}
#endif

int sp_pool_planes_same(int isMax, const float *src, float *dst, long p0, long p1, int h, int w, int kh, int kw,
                        int pt, int pl, const int *xpos, const float *div, float *line) {
#if PP_X86
    if (!pp_has_avx512f()) return -1;
    if (h < 1 || w < 1 || kh < 1 || kw < 1 || kh > h || kw > w || pt < 0 || pt >= kh || pl < 0 || pl >= kw) return -1;
    if ((long)h * w >= (1L << 30) || p0 < 0 || p1 < p0 || (!isMax && !div)) return -1;
    if (isMax) pp_run_max(src, dst, p0, p1, h, w, kh, kw, pt, pl, xpos, line);
    else pp_run_avg(src, dst, p0, p1, h, w, kh, kw, pt, pl, xpos, div, line);
    return 0;
#else
    (void)isMax; (void)src; (void)dst; (void)p0; (void)p1; (void)h; (void)w; (void)kh; (void)kw; (void)pt; (void)pl;
    (void)xpos; (void)div; (void)line;
    return -1;
#endif
}
