// See sp_dw_band8 in include/CPackedGemm.h: the products of `DepthwiseInterleaved`
// (SurgeonGraph, DepthwiseConv.swift) with fused multiply-adds. The scratch holds eight
// planes interleaved, position-major (8 floats per position, one plane per lane). Swift's SIMD8
// arithmetic is a multiply then an add (it does not contract); here each tap is one FMA on 8
// lanes, in blocks of 2 output rows × 4 columns (AVX2 + FMA) or 2 × 8 (AVX-512VL's 32
// registers). Each output is bias, then the taps in row-major order, acc = fma(tap, x, acc):
// the same operations in both kernels, so the same bits. (Tried and dropped: keeping a row's
// C + kw - 1 inputs in registers across its kw taps, fewer loads per FMA but C sums per row
// only, 1.3-1.8x slower on 7x7 in a C micro-benchmark: the FMA latency, not the loads, binds.)
#include "CPackedGemm.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

// Rows i, i + 1, C columns from j (2C vectors), any stride and dilation: one weight load
// and 2C input loads per tap, 2C independent sums (8 keep AVX2's two FMA ports busy through
// the FMA latency; 16 with AVX-512VL's 32 registers).
#define DW_BLOCK_BODY                                                                                       \
    __m256 u[C], v[C];                                                                                      \
    _Pragma("clang loop unroll(full)") for (int c = 0; c < C; c++) { u[c] = bv; v[c] = bv; }               \
    const float *tp = taps;                                                                                 \
    for (int a = 0; a < kh; a++) {                                                                          \
        const float *r0 = top + a * rowStep;                                                                \
        for (int b = 0; b < kw; b++, tp += 8) {                                                             \
            const __m256 k = _mm256_loadu_ps(tp);                                                           \
            const float *p = r0 + b * bs, *q = p + pairStep;                                                \
            _Pragma("clang loop unroll(full)") for (int c = 0; c < C; c++) {                               \
                u[c] = _mm256_fmadd_ps(k, _mm256_loadu_ps(p + c * cs), u[c]);                               \
                v[c] = _mm256_fmadd_ps(k, _mm256_loadu_ps(q + c * cs), v[c]);                               \
            }                                                                                               \
        }                                                                                                   \
    }                                                                                                       \
    _Pragma("clang loop unroll(full)") for (int c = 0; c < C; c++) {                                       \
        _mm256_storeu_ps(o0 + c * 8, u[c]);                                                                 \
        _mm256_storeu_ps(o1 + c * 8, v[c]);                                                                 \
    }

__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))
void block256(const int C, const float *top, long rowStep, long pairStep, long cs, long bs, int kh, int kw,
              const float *taps, __m256 bv, float *o0, float *o1) {
    DW_BLOCK_BODY
}

// AVX2 + FMA: rows i, i + 1, 4 columns (8 vectors) at a time, any stride and dilation.
__attribute__((target("avx2,fma")))
static void band256(const float *s, int rowWidth, const float *taps, const float *bias, float *results, int owr,
                    int rows, int kh, int kw, int sh, int sw, int dh, int dw) {
    const __m256 bv = _mm256_loadu_ps(bias);
    const long rowStep = (long)dh * rowWidth * 8, pairStep = (long)sh * rowWidth * 8;
    const long cs = (long)sw * 8, bs = (long)dw * 8;
    for (int i = 0; i < rows; i += 2) {
        const float *top = s + (long)i * sh * rowWidth * 8;
        float *o0 = results + (long)i * owr * 8, *o1 = o0 + (long)owr * 8;
        for (int j = 0; j < owr; j += 4)
            block256(4, top + (long)j * cs, rowStep, pairStep, cs, bs, kh, kw, taps, bv, o0 + (long)j * 8, o1 + (long)j * 8);
    }
}

__attribute__((target("avx512f,avx512vl"))) static inline __attribute__((always_inline))
void block512(const int C, const float *top, long rowStep, long pairStep, long cs, long bs, int kh, int kw,
              const float *taps, __m256 bv, float *o0, float *o1) {
    DW_BLOCK_BODY
}

// AVX-512VL: the same sums as band256, 8 columns (16 vectors) at a time.
__attribute__((target("avx512f,avx512vl")))
static void band512(const float *s, int rowWidth, const float *taps, const float *bias, float *results, int owr,
                    int rows, int kh, int kw, int sh, int sw, int dh, int dw) {
    const __m256 bv = _mm256_loadu_ps(bias);
    const long rowStep = (long)dh * rowWidth * 8, pairStep = (long)sh * rowWidth * 8;
    const long cs = (long)sw * 8, bs = (long)dw * 8;
    for (int i = 0; i < rows; i += 2) {
        const float *top = s + (long)i * sh * rowWidth * 8;
        float *o0 = results + (long)i * owr * 8, *o1 = o0 + (long)owr * 8;
        int j = 0;
        for (; j + 8 <= owr; j += 8)
            block512(8, top + (long)j * cs, rowStep, pairStep, cs, bs, kh, kw, taps, bv, o0 + (long)j * 8, o1 + (long)j * 8);
        for (; j < owr; j += 4)
            block512(4, top + (long)j * cs, rowStep, pairStep, cs, bs, kh, kw, taps, bv, o0 + (long)j * 8, o1 + (long)j * 8);
    }
}

/// AVX-512VL (the 32 vector registers for 8-lane vectors), checked once.
static int sp_dw_has_avx512vl(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512vl") ? 1 : 0;
    }
    return known;
}
#endif

int sp_dw_band8(int level, const float *scratch, int rowWidth, const float *taps, const float *bias, float *results,
                int owr, int rows, int kh, int kw, int sh, int sw, int dh, int dw) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level > sp_gemm_level()) level = sp_gemm_level();
    if (owr % 4 != 0 || rows % 2 != 0) return -1;
    if (level == 2 && sp_dw_has_avx512vl()) {
        band512(scratch, rowWidth, taps, bias, results, owr, rows, kh, kw, sh, sw, dh, dw);
        return 0;
    }
    if (level >= 1) {
        band256(scratch, rowWidth, taps, bias, results, owr, rows, kh, kw, sh, sw, dh, dw);
        return 0;
    }
#else
    (void)level; (void)scratch; (void)rowWidth; (void)taps; (void)bias; (void)results; (void)owr; (void)rows;
    (void)kh; (void)kw; (void)sh; (void)sw; (void)dh; (void)dw;
#endif
    return -1;
}
