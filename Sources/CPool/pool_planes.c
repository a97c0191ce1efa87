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

/// The lanes of every 16-position vector v of a plane whose taps are inside it: rows[v·kh + k]
/// for row tap k (the position's row - pt + k inside 0 ..< h), cols[v·kw + k] for column tap k
/// (its column - pl + k inside 0 ..< w); positions past h·w in none. Made once per call, shared
/// by its planes (an interior vector's are all ones, a plain load).
static void pp_masks(int h, int w, int kh, int kw, int pt, int pl, unsigned short *rows, unsigned short *cols) {
    const long n = (long)h * w, vectors = (n + 15) / 16;
    for (long v = 0; v < vectors; v++) {
        for (int k = 0; k < kh; k++) rows[v * kh + k] = 0;
        for (int k = 0; k < kw; k++) cols[v * kw + k] = 0;
        for (int l = 0; l < 16; l++) {
            const long j = v * 16 + l;
            if (j >= n) break;
            const long y = j / w, x = j % w;
            for (int k = 0; k < kh; k++)
                if (y - pt + k >= 0 && y - pt + k < h) rows[v * kh + k] |= (unsigned short)(1u << l);
            for (int k = 0; k < kw; k++)
                if (x - pl + k >= 0 && x - pl + k < w) cols[v * kw + k] |= (unsigned short)(1u << l);
        }
    }
}

/// One plane: line[j] = rows combined, then dst[j] = columns of line combined (÷ div[j]).
/// KH, KW: the kernel's extents, constants when the caller passes literals (3 × 3 unrolls).
#define PP_PLANE_BODY(KH, KW)                                                                            \
    const long n = (long)h * w, vectors = (n + 15) / 16;                                                 \
    const __m512 id = _mm512_set1_ps(isMax ? -__builtin_inff() : 0.0f);                                 \
    for (long v = 0; v < vectors; v++) {                                                                 \
        const long j = v * 16;                                                                           \
        const unsigned short *m = rows + v * (KH);                                                       \
        __m512 acc = _mm512_mask_loadu_ps(id, (__mmask16)m[0], src + j - (long)pt * w);                 \
        for (int k = 1; k < (KH); k++)                                                                   \
            acc = pp_comb(isMax, acc, _mm512_mask_loadu_ps(id, (__mmask16)m[k], src + j + (long)(k - pt) * w)); \
        _mm512_storeu_ps(line + j, acc);                                                                 \
    }                                                                                                    \
    for (long v = 0; v < vectors; v++) {                                                                 \
        const long j = v * 16;                                                                           \
        const unsigned short *m = cols + v * (KW);                                                       \
        __m512 acc = _mm512_mask_loadu_ps(id, (__mmask16)m[0], line + j - pl);                          \
        for (int k = 1; k < (KW); k++)                                                                   \
            acc = pp_comb(isMax, acc, _mm512_mask_loadu_ps(id, (__mmask16)m[k], line + j + (k - pl)));  \
        if (!isMax) acc = _mm512_div_ps(acc, _mm512_loadu_ps(div + j));                                  \
        _mm512_mask_storeu_ps(dst + j, pp_lanes(n - j), acc);                                           \
    }

AVX512 void pp_plane(const int isMax, const float *src, float *dst, int h, int w, int kh, int kw, int pt, int pl,
                     const unsigned short *rows, const unsigned short *cols, const float *div, float *line) {
    PP_PLANE_BODY(kh, kw)
}

AVX512 void pp_plane33(const int isMax, const float *src, float *dst, int h, int w, int pt, int pl,
                       const unsigned short *rows, const unsigned short *cols, const float *div, float *line) {
    PP_PLANE_BODY(3, 3)
}

/// Planes p0 ..< p1 (isMax a constant in each instance, so the combine is chosen at compile time).
#define PP_RUN_BODY(IS_MAX)                                                                              \
    const long n = (long)h * w;                                                                          \
    if (kh == 3 && kw == 3) {                                                                            \
        for (long p = p0; p < p1; p++) pp_plane33(IS_MAX, src + p * n, dst + p * n, h, w, pt, pl, rows, cols, div, line); \
    } else {                                                                                             \
        for (long p = p0; p < p1; p++) pp_plane(IS_MAX, src + p * n, dst + p * n, h, w, kh, kw, pt, pl, rows, cols, div, line); \
    }

__attribute__((target("avx512f"))) static void pp_run_max(const float *src, float *dst, long p0, long p1, int h, int w,
                                                          int kh, int kw, int pt, int pl, const unsigned short *rows,
                                                          const unsigned short *cols, const float *div, float *line) {
    PP_RUN_BODY(1)
}

__attribute__((target("avx512f"))) static void pp_run_avg(const float *src, float *dst, long p0, long p1, int h, int w,
                                                          int kh, int kw, int pt, int pl, const unsigned short *rows,
                                                          const unsigned short *cols, const float *div, float *line) {
    PP_RUN_BODY(0)
}

#endif

long sp_pool_planes_line(int h, int w, int kh, int kw) {
    const long n = (long)h * w, vectors = (n + 15) / 16;
    // The line (n + 16 floats), then the masks (vectors × (kh + kw) shorts, in floats).
    return n + 16 + (vectors * (kh + kw) + 1) / 2;
}

int sp_pool_planes_same(int isMax, const float *src, float *dst, long p0, long p1, int h, int w, int kh, int kw,
                        int pt, int pl, const float *div, float *line) {
#if PP_X86
    if (sp_pool_level() < 2) return -1;
    if (h < 1 || w < 1 || kh < 1 || kw < 1 || kh > h || kw > w || pt < 0 || pt >= kh || pl < 0 || pl >= kw) return -1;
    if ((long)h * w >= (1L << 30) || p0 < 0 || p1 < p0 || (!isMax && !div)) return -1;
    if (p1 == p0) return 0;
    const long n = (long)h * w, vectors = (n + 15) / 16;
    unsigned short *rows = (unsigned short *)(line + n + 16), *cols = rows + vectors * kh;
    pp_masks(h, w, kh, kw, pt, pl, rows, cols);
    if (isMax) pp_run_max(src, dst, p0, p1, h, w, kh, kw, pt, pl, rows, cols, div, line);
    else pp_run_avg(src, dst, p0, p1, h, w, kh, kw, pt, pl, rows, cols, div, line);
    return 0;
#else
    (void)isMax; (void)src; (void)dst; (void)p0; (void)p1; (void)h; (void)w; (void)kh; (void)kw; (void)pt; (void)pl;
    (void)div; (void)line;
    return -1;
#endif
}
