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
#define DW_BLOCK_SUMS                                                                                       \
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
    }

// The stores of DW_BLOCK_SUMS' sums to the interleaved results.
#define DW_BLOCK_BODY                                                                                       \
    DW_BLOCK_SUMS                                                                                           \
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

// ---- Straight to the planes (sp_dw_band8_planes) ----

// The 8×8 transpose: r[p] holds position p's eight planes on entry, plane p's eight positions
// on return.
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))
void dw_transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20); r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20); r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31); r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31); r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// C (4 or 8) interleaved results (positions j ..< j + C of one output row) to planes
// 0 ..< lanes at `out` (position j of the row in plane 0; planes `stride` floats apart), the
// first n (1 ... C) positions.
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))
void dw_store_act(const int C, const __m256 *u, float *out, long stride, int lanes, int n, const int act, __m256 lo,
                  __m256 hi) {
    __m256 r[8];
    for (int c = 0; c < 8; c++) r[c] = c < C ? u[c] : _mm256_setzero_ps();
    // The activation on the sums before they leave the registers, as the separate pass gives
    // it: Relu's v < 0 ? 0 : v is max(0, v) with 0 first (maxps returns its second operand
    // when either is NaN), Clip's v < lo ? lo : v then c > hi ? hi : c the same with lo and
    // min(hi, c).
    if (act >= 1) for (int c = 0; c < C; c++) r[c] = _mm256_max_ps(lo, r[c]);
    if (act == 2) for (int c = 0; c < C; c++) r[c] = _mm256_min_ps(hi, r[c]);
    dw_transpose8(r);
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    for (int l = 0; l < lanes; l++) {
        float *o = out + l * stride;
        if (C == 8) {
            if (n == 8) _mm256_storeu_ps(o, r[l]); else _mm256_maskstore_ps(o, mask, r[l]);
        } else {
            const __m128 x = _mm256_castps256_ps128(r[l]);
            if (n == 4) _mm_storeu_ps(o, x); else _mm_maskstore_ps(o, _mm256_castsi256_si128(mask), x);
        }
    }
}

// DW_BLOCK_SUMS' sums (the same operations in the same order as DW_BLOCK_BODY), stored to the planes.
#define DW_BLOCK_PLANES_BODY                                                                                \
    DW_BLOCK_SUMS                                                                                           \
    dw_store_act(C, u, out0, stride, lanes, n, act, lo, hi);                                                \
    if (second) dw_store_act(C, v, out0 + ow, stride, lanes, n, act, lo, hi);

__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))
void blockPlanes256(const int C, const float *top, long rowStep, long pairStep, long cs, long bs, int kh, int kw,
                    const float *taps, __m256 bv, float *out0, long ow, long stride, int lanes, int n, int second,
                    const int act, __m256 lo, __m256 hi) {
    DW_BLOCK_PLANES_BODY
}

__attribute__((target("avx512f,avx512vl"))) static inline __attribute__((always_inline))
void blockPlanes512(const int C, const float *top, long rowStep, long pairStep, long cs, long bs, int kh, int kw,
                    const float *taps, __m256 bv, float *out0, long ow, long stride, int lanes, int n, int second,
                    const int act, __m256 lo, __m256 hi) {
    DW_BLOCK_PLANES_BODY
}

// A band's output rows two at a time, their columns in blocks of 8 (when WIDE) then 4, through
// BLOCK (blockPlanes256 / blockPlanes512): the loop of bandPlanes256 and bandPlanes512.
#define DW_BAND_PLANES_BODY(BLOCK, WIDE)                                                                    \
    const __m256 bv = _mm256_loadu_ps(bias);                                                                \
    const __m256 lov = _mm256_set1_ps(lo), hiv = _mm256_set1_ps(hi);                                        \
    const long rowStep = (long)dh * rowWidth * 8, pairStep = (long)sh * rowWidth * 8;                       \
    const long cs = (long)sw * 8, bs = (long)dw * 8;                                                        \
    for (int i = 0; i < rows; i += 2) {                                                                     \
        const float *top = s + (long)i * sh * rowWidth * 8;                                                 \
        float *out0 = dst + (long)i * ow;                                                                   \
        const int second = i + 1 < rows;                                                                    \
        int j = 0;                                                                                          \
        if (WIDE) {                                                                                         \
            for (; j + 8 <= owr; j += 8) {                                                                  \
                const int n = ow - j < 8 ? ow - j : 8;                                                      \
                BLOCK(8, top + (long)j * cs, rowStep, pairStep, cs, bs, kh, kw, taps, bv, out0 + j, ow, stride, \
                      lanes, n, second, act, lov, hiv);                                                     \
            }                                                                                               \
        }                                                                                                   \
        for (; j < owr; j += 4) {                                                                           \
            const int n = ow - j < 4 ? ow - j : 4;                                                          \
            BLOCK(4, top + (long)j * cs, rowStep, pairStep, cs, bs, kh, kw, taps, bv, out0 + j, ow, stride,     \
                  lanes, n, second, act, lov, hiv);                                                         \
        }                                                                                                   \
    }

// The band loops with the kernel's extents as arguments: called with literals (3 × 3, 5 × 5) the
// tap loops unroll (the loop counters and pointer steps had been a third of the samples of a
// mobile net's depthwise convolutions); the same multiply-adds in the same order.
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))
void bandPlanes256k(const float *s, int rowWidth, const float *taps, const float *bias, float *dst, long stride,
                    int lanes, int ow, int owr, int rows, const int kh, const int kw, int sh, int sw, int dh, int dw,
                    const int act, float lo, float hi) {
    DW_BAND_PLANES_BODY(blockPlanes256, 0)
}

__attribute__((target("avx512f,avx512vl"))) static inline __attribute__((always_inline))
void bandPlanes512k(const float *s, int rowWidth, const float *taps, const float *bias, float *dst, long stride,
                    int lanes, int ow, int owr, int rows, const int kh, const int kw, int sh, int sw, int dh, int dw,
                    const int act, float lo, float hi) {
    DW_BAND_PLANES_BODY(blockPlanes512, 1)
}

// Undilated 3 × 3 and 5 × 5 with column stride 1 or 2 (every depthwise convolution of the
// mobile nets) get literal strides too: each input load's offset from its row pointer is then a
// constant displacement instead of a register add per load.
#define DW_BY_KERNEL_SW(FN, SW)                                                                             \
    if (kh == 3 && kw == 3) FN(s, rowWidth, taps, bias, dst, stride, lanes, ow, owr, rows, 3, 3, sh, SW, 1, 1, act, lo, hi); \
    else FN(s, rowWidth, taps, bias, dst, stride, lanes, ow, owr, rows, 5, 5, sh, SW, 1, 1, act, lo, hi);

#define DW_BY_KERNEL(FN)                                                                                    \
    if (dh == 1 && dw == 1 && (sw == 1 || sw == 2) && kh == kw && (kh == 3 || kh == 5)) {                   \
        if (sw == 1) { DW_BY_KERNEL_SW(FN, 1) } else { DW_BY_KERNEL_SW(FN, 2) }                             \
    } else if (kh == 3 && kw == 3) FN(s, rowWidth, taps, bias, dst, stride, lanes, ow, owr, rows, 3, 3, sh, sw, dh, dw, act, lo, hi); \
    else if (kh == 5 && kw == 5) FN(s, rowWidth, taps, bias, dst, stride, lanes, ow, owr, rows, 5, 5, sh, sw, dh, dw, act, lo, hi); \
    else FN(s, rowWidth, taps, bias, dst, stride, lanes, ow, owr, rows, kh, kw, sh, sw, dh, dw, act, lo, hi);

__attribute__((target("avx2,fma")))
static void bandPlanes256(const float *s, int rowWidth, const float *taps, const float *bias, float *dst, long stride,
                          int lanes, int ow, int owr, int rows, int kh, int kw, int sh, int sw, int dh, int dw,
                          int act, float lo, float hi) {
    DW_BY_KERNEL(bandPlanes256k)
}

__attribute__((target("avx512f,avx512vl")))
static void bandPlanes512(const float *s, int rowWidth, const float *taps, const float *bias, float *dst, long stride,
                          int lanes, int ow, int owr, int rows, int kh, int kw, int sh, int sw, int dh, int dw,
                          int act, float lo, float hi) {
    DW_BY_KERNEL(bandPlanes512k)
}

// Input rows of `lanes` planes (row y of plane l at src + l * stride + y * w) into the
// interleaved scratch (sp_dw_fill8).
__attribute__((target("avx2,fma")))
static void fill256(const float *src, long stride, int lanes, int w, int x1, int pw, int firstRow, int rows, int h,
                    int rowWidth, float *scratch) {
    for (int r = 0; r < rows; r++) {
        const int y = firstRow + r;
        float *row = scratch + (long)r * rowWidth * 8;
        if (y < 0 || y >= h) {
            for (int x = 0; x < rowWidth; x++) _mm256_storeu_ps(row + x * 8, _mm256_setzero_ps());
            continue;
        }
        if (x1 <= 0) continue;
        const float *p[8];
        // Lanes past `lanes` repeat the last plane: their results are never stored.
        for (int l = 0; l < 8; l++) p[l] = src + (long)(l < lanes ? l : lanes - 1) * stride + (long)y * w;
        float *out = row + pw * 8;
        int x = 0;
        for (; x + 8 <= x1; x += 8) {
            __m256 t[8];
            for (int l = 0; l < 8; l++) t[l] = _mm256_loadu_ps(p[l] + x);
            dw_transpose8(t);
            for (int c = 0; c < 8; c++) _mm256_storeu_ps(out + (long)(x + c) * 8, t[c]);
        }
        if (x < x1) {
            // The last 1-7 columns: masked loads (nothing read past the row), one transpose,
            // a store per column, instead of 8 scalar copies per column (on the 7-14 wide maps
            // of mobile nets' last stages the scalar tail was most of the fill).
            const int n = x1 - x;
            const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            __m256 t[8];
            for (int l = 0; l < 8; l++) t[l] = _mm256_maskload_ps(p[l] + x, mask);
            dw_transpose8(t);
            // Unrolled, each store behind its own test (a loop over c < n became a memmove
            // of the spilled registers).
            float *o = out + (long)x * 8;
            _mm256_storeu_ps(o, t[0]);
            if (n > 1) _mm256_storeu_ps(o + 8, t[1]);
            if (n > 2) _mm256_storeu_ps(o + 16, t[2]);
            if (n > 3) _mm256_storeu_ps(o + 24, t[3]);
            if (n > 4) _mm256_storeu_ps(o + 32, t[4]);
            if (n > 5) _mm256_storeu_ps(o + 40, t[5]);
            if (n > 6) _mm256_storeu_ps(o + 48, t[6]);
        }
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

int sp_dw_band8_planes(int level, const float *scratch, int rowWidth, const float *taps, const float *bias, float *dst,
                       long stride, int lanes, int ow, int owr, int rows, int kh, int kw, int sh, int sw, int dh, int dw,
                       int act, float lo, float hi) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level > sp_gemm_level()) level = sp_gemm_level();
    if (owr % 4 != 0 || ow > owr || ow <= owr - 4 || lanes < 1 || lanes > 8 || rows < 1 || act < 0 || act > 2) return -1;
    if (level == 2 && sp_dw_has_avx512vl()) {
        bandPlanes512(scratch, rowWidth, taps, bias, dst, stride, lanes, ow, owr, rows, kh, kw, sh, sw, dh, dw, act, lo, hi);
        return 0;
    }
    if (level >= 1) {
        bandPlanes256(scratch, rowWidth, taps, bias, dst, stride, lanes, ow, owr, rows, kh, kw, sh, sw, dh, dw, act, lo, hi);
        return 0;
    }
#else
    (void)level; (void)scratch; (void)rowWidth; (void)taps; (void)bias; (void)dst; (void)stride; (void)lanes; (void)ow;
    (void)owr; (void)rows; (void)kh; (void)kw; (void)sh; (void)sw; (void)dh; (void)dw; (void)act; (void)lo; (void)hi;
#endif
    return -1;
}

int sp_dw_fill8(int level, const float *src, long stride, int lanes, int h, int w, int pw, int firstRow, int rows,
                int rowWidth, float *scratch) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level > sp_gemm_level()) level = sp_gemm_level();
    if (lanes < 1 || lanes > 8 || pw < 0 || pw > rowWidth) return -1;
    if (level >= 1) {
        const int x1 = w < rowWidth - pw ? w : rowWidth - pw;
        fill256(src, stride, lanes, w, x1, pw, firstRow, rows, h, rowWidth, scratch);
        return 0;
    }
#else
    (void)level; (void)src; (void)stride; (void)lanes; (void)h; (void)w; (void)pw; (void)firstRow; (void)rows;
    (void)rowWidth; (void)scratch;
#endif
    return -1;
}
