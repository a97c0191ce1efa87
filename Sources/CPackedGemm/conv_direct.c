// See sp_conv_direct in include/CPackedGemm.h: a convolution as a matrix product whose second
// operand is never built. Row p of B (one input channel and kernel tap) is the padded input
// itself, read from `src + offs[p]`: for a stride-1 convolution, output position j (row-major
// over the padded width) reads input element j + (tap's offset), so every tap's row is a
// shifted view of the channel's plane (strides go through phase planes, made by the caller).
// No im2col columns (9× the input for a 3×3) are written, read back and packed.
//
// Blocking as sp_gemm_packed_bias (packed_gemm.c): blocks of NC columns, in them blocks of KC
// rows of B, each register tile of MR rows of A copied into L1 (row r at r × KC) and run over
// every tile of 32 columns of the block; the register tiles are the same shapes (AVX-512:
// 12 × 32, AVX2: 6 × 16 twice, plain: 4 × 32), with loads through the offsets instead of a
// packed panel. On AVX-512, a product runs 8 × 48 tiles instead (and 8 × 32 for its last columns):
// the rows of B are read unaligned (a tap's offset is arbitrary), so each 16-column load
// mostly spans two cache lines; 8 × 48 does its 24 multiply-adds per step with 3 such loads
// and 8 broadcasts (12 × 32: 2 and 12), which measured 5-10% faster on resnet18's 3 × 3
// convolutions; also where 12 × 32 tiles would cover fewer columns (5183, inception's 71 × 73:
// 8-10% faster, 2026-11-28). Every tile sums a column over p in the same order (one fused multiply-add
// per p from 0 in each K block, then added to C or the bias), so the tile shape chosen never
// changes a bit of the result. A product of 49-64 columns (a 7 × 7 map: 63) is one 6 × 64 tile
// (4 loads and 6 broadcasts a step; 10% faster on resnet18's last convolutions than two
// 12 × 32 tiles). sp_conv_direct_a may read the register tiles of A in place (row stride lda,
// every tile shape) instead of their L1 copy, in blocks of few columns: the same products in
// the same order.
#include "CPackedGemm.h"
#include "sp_switch.h"
#include "CHalfConvert.h"
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define CD_X86 1
#else
#define CD_X86 0
#endif

#define CD_KC 256
// 960 = 20 × 48 = 30 × 32: whole wide and narrow tiles in every full column block.
#define CD_NC 960
#define CD_MRWIDE 8
#define CD_NWIDE 48
#define CD_MRQ 6
#define CD_MR512 12
#define CD_MR256 6
#define CD_MRPLAIN 4

static inline int cd_min(int a, int b) { return a < b ? a : b; }

// Direct output (sp_conv_direct_rows): flat column j of product row i is output (j / wq,
// j % wq) of plane i, stored at y + i * ystride + (j / wq) * wo + j % wq when j % wq < wo, and
// dropped otherwise (the columns a plane row computes past its output row). The kernels then
// store each vector straight into the planes (their row pointer is y + i * ystride) instead
// of into a row-major result that is copied out afterwards.
typedef struct {
    long ystride;
    int wq, wo;
} cd_rows;

static void cd_pack_a(const float *a, int lda, int rows, int kc, float *dst) {
    for (int r = 0; r < rows; r++) memcpy(dst + (size_t)r * CD_KC, a + (size_t)r * lda, (size_t)kc * sizeof(float));
}

// CHalfConvert's F16C check, made once.
static int cd_f16c(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        v = surgeon_f16c_available();
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

// One float16 without F16C (CHalfConvert has only the F16C loop; the Swift side has its own).
static float cd_half_to_float(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t e = (h >> 10) & 0x1Fu, f = h & 0x3FFu;
    uint32_t bits;
    if (e == 0x1F) {
        bits = sign | 0x7F800000u | (f << 13);               // inf / NaN (payload kept)
    } else if (e != 0) {
        bits = sign | ((e + 112u) << 23) | (f << 13);         // normal: rebias 15 -> 127
    } else if (f == 0) {
        bits = sign;                                          // +-0
    } else {
        int shift = 0;                                        // subnormal: normalise
        uint32_t m = f;
        while ((m & 0x400u) == 0) { m <<= 1; shift++; }
        bits = sign | ((uint32_t)(113 - shift) << 23) | ((m & 0x3FFu) << 13);
    }
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

// Half weights (sp_conv_direct_h): the register tile of A widened into its L1 copy, so the
// weights stay 16-bit in memory and no float32 copy of them is ever written. Widening is exact
// (every float16 and bfloat16 value is a float32 value), so the tile holds the values a float32
// copy of the weights would: the same products in the same order, the same bits.
// Widens n 16-bit values into dst: float16 through CHalfConvert's F16C loop where the CPU has
// it, else one at a time; bfloat16 is the top half of a float32 (a shift).
static void cd_widen(const uint16_t *h, int n, int bfloat, float *dst) {
    if (bfloat) {
        for (int i = 0; i < n; i++) {
            const uint32_t bits = (uint32_t)h[i] << 16;
            memcpy(dst + i, &bits, sizeof bits);
        }
    } else if (cd_f16c()) {
        surgeon_f16c_half_to_float(h, dst, n);
    } else {
        for (int i = 0; i < n; i++) dst[i] = cd_half_to_float(h[i]);
    }
}

static void cd_pack_a_half(const uint16_t *a, int lda, int bfloat, int rows, int kc, float *dst) {
    for (int r = 0; r < rows; r++) cd_widen(a + (size_t)r * lda, kc, bfloat, dst + (size_t)r * CD_KC);
}

/// The plain kernel: `rows` rows × `cols` (≤ 32) columns; reads only the columns it writes.
static void cd_tile_plain(int rows, int kc, const float *ap, int as, const float *src, const int *offs, float *c, int ldc,
                          int cols, int acc, const float *bias) {
    for (int r = 0; r < rows; r++) {
        float sum[32];
        for (int j = 0; j < 32; j++) sum[j] = 0;
        for (int p = 0; p < kc; p++) {
            const float x = ap[(size_t)r * as + p];
            const float *bp = src + offs[p];
            for (int j = 0; j < cols; j++) sum[j] += x * bp[j];
        }
        float *cr = c + (size_t)r * ldc;
        for (int j = 0; j < cols; j++) cr[j] = acc ? cr[j] + sum[j] : bias ? bias[r] + sum[j] : sum[j];
    }
}

// The K loop of every tile: STEP (a step function of p) for p = 0 ..< kc. While lines of the
// weights' next register tile remain (pfa: its first row, pfRows rows pfLda apart), one of them
// is prefetched into L2 per step, row by row in each column of 16 floats. Two loops, so that the
// steps past the last prefetch carry no bookkeeping (it had cost 15 scalar instructions against
// a step's 24 multiply-adds, on the ports the multiply-adds use).
#define CD_KLOOP(STEP)                                                                        \
    do {                                                                                      \
        int p = 0;                                                                            \
        if (pfa) {                                                                            \
            for (int pl = 0; pl * 16 < kc && p < kc; pl++) {                                  \
                const float *line = pfa + pl * 16;                                            \
                for (int pr = 0; pr < pfRows && p < kc; pr++, p++) {                          \
                    _mm_prefetch((const char *)(line + (size_t)pr * pfLda), _MM_HINT_T1);     \
                    STEP;                                                                     \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
        for (; p < kc; p++) STEP;                                                             \
    } while (0)

// `rows` (1-12) as a compile-time row count of kernel FN (FN(R, kc, ...) with the arguments
// of cd512 / cd512h), so each count gets its own fully unrolled tile; the weights' row stride
// `as` a constant too when they are the L1 copy (CD_KC), so a row's broadcast is one
// instruction with a displacement.
#define CD_ROW(FN, R, AS) \
    case R: FN(R, kc, ap, src, offs, c, ldc, cols, acc, bias, pfa, pfLda, pfRows, AS, o, jt); break;
#define CD_ROWS12(FN)                                                                              \
    if (as == CD_KC) { CD_ROWS12_AS(FN, CD_KC) } else { CD_ROWS12_AS(FN, as) }
#define CD_ROWS12_AS(FN, AS)                                                                       \
    switch (rows) {                                                                                \
    CD_ROW(FN, 12, AS) CD_ROW(FN, 11, AS) CD_ROW(FN, 10, AS) CD_ROW(FN, 9, AS)                      \
    CD_ROW(FN, 8, AS) CD_ROW(FN, 7, AS) CD_ROW(FN, 6, AS) CD_ROW(FN, 5, AS)                         \
    CD_ROW(FN, 4, AS) CD_ROW(FN, 3, AS) CD_ROW(FN, 2, AS) CD_ROW(FN, 1, AS)                         \
    default: break;                                                                                \
    }

#if CD_X86
// One vector of 16 flat columns j ..< j + 16 (lanes outside `valid` not stored) of the plane
// whose first output is at yi, through the cd_rows mapping: one store when the vector lies in
// one output row's kept columns, else a masked store per output row it touches.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void cd_put16(const cd_rows *o, float *yi, int j, __m512 v, __mmask16 valid) {
    int row = j / o->wq, col = j - row * o->wq;
    if (valid == (__mmask16)0xFFFF && col + 16 <= o->wo) {
        _mm512_storeu_ps(yi + (long)row * o->wo + col, v);
        return;
    }
    int lane = 0;
    while (lane < 16) {
        int n = o->wq - col;
        if (n > 16 - lane) n = 16 - lane;
        const int keep = o->wo - col < n ? o->wo - col : n;
        if (keep > 0) {
            const __mmask16 m = (__mmask16)((((1u << keep) - 1u) << lane) & valid);
            // Lane l goes to column col + (l - lane): the base is `lane` floats before the
            // segment's first column (only the masked lanes are written).
            if (m) _mm512_mask_storeu_ps(yi + (long)row * o->wo + col - lane, m, v);
        }
        lane += n;
        row++;
        col = 0;
    }
}

// A kernel's store of vector v (16 columns from jt + 16 * q) of a row at cr: to the row-major
// result, or through cd_put16 (cr is then the plane's first output).
#define CD_PUT(o, cr, jt, q, m, v)                                                         \
    do {                                                                                   \
        if (o) cd_put16((o), (cr), (jt) + 16 * (q), (v), (m));                             \
        else _mm512_mask_storeu_ps((cr) + 16 * (q), (m), (v));                             \
    } while (0)

__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void cd512_step(const int R, const float *bp, const float *x, int as, __m512 *s0, __m512 *s1) {
    const __m512 b0 = _mm512_loadu_ps(bp);
    const __m512 b1 = _mm512_loadu_ps(bp + 16);
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MR512; r++) {
        if (r < R) {
            const __m512 xv = _mm512_set1_ps(x[(size_t)r * as]);
            s0[r] = _mm512_fmadd_ps(xv, b0, s0[r]);
            s1[r] = _mm512_fmadd_ps(xv, b1, s1[r]);
        }
    }
}

__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void cd512_r(const int R, int kc, const float *ap, const float *src, const int *offs, float *c, int ldc, int cols,
             int acc, const float *bias, const float *pfa, int pfLda, int pfRows, int as, const cd_rows *o, int jt) {
    __m512 s0[CD_MR512], s1[CD_MR512];
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MR512; r++) {
        if (r < R) { s0[r] = _mm512_setzero_ps(); s1[r] = _mm512_setzero_ps(); }
    }
    CD_KLOOP(cd512_step(R, src + offs[p], ap + p, as, s0, s1));
    const __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    const __mmask16 m1 = cols >= 32 ? (__mmask16)0xFFFF : cols <= 16 ? (__mmask16)0 : (__mmask16)((1u << (cols - 16)) - 1);
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MR512; r++) {
        if (r < R) {
            float *cr = c + (size_t)r * ldc;
            __m512 v0 = s0[r], v1 = s1[r];
            if (acc) {
                v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), v0);
                v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), v1);
            } else if (bias) {
                const __m512 bv = _mm512_set1_ps(bias[r]);
                v0 = _mm512_add_ps(bv, v0);
                v1 = _mm512_add_ps(bv, v1);
            }
            CD_PUT(o, cr, jt, 0, m0, v0);
            CD_PUT(o, cr, jt, 1, m1, v1);
        }
    }
}

__attribute__((target("avx512f")))
static void cd512(int rows, int kc, const float *ap, const float *src, const int *offs, float *c, int ldc, int cols,
                  int acc, const float *bias, const float *pfa, int pfLda, int pfRows, int as, const cd_rows *o, int jt) {
    CD_ROWS12(cd512_r);
}


// AVX-512, a tile's last ≤ 16 columns: R (≤ 12) rows × one vector a row (masked). cd512 would
// run two vectors a row for them (a 14 × 14 map's 196 columns leave 4 after four 48-column
// tiles: 14% of the conv's multiply-adds for 2% of its columns); one vector halves that. The
// same multiply-adds per column in the same order as cd512_r: the same bits.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void cd512h_step(const int R, __mmask16 m0, const float *bp, const float *x, int as, __m512 *s0) {
    const __m512 b0 = _mm512_maskz_loadu_ps(m0, bp);
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MR512; r++) {
        if (r < R) s0[r] = _mm512_fmadd_ps(_mm512_set1_ps(x[(size_t)r * as]), b0, s0[r]);
    }
}

__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void cd512h_r(const int R, int kc, const float *ap, const float *src, const int *offs, float *c, int ldc, int cols,
              int acc, const float *bias, const float *pfa, int pfLda, int pfRows, int as, const cd_rows *o, int jt) {
    __m512 s0[CD_MR512];
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MR512; r++) {
        if (r < R) s0[r] = _mm512_setzero_ps();
    }
    const __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    // Masked loads: the columns past the tile may lie past the end of the source.
    CD_KLOOP(cd512h_step(R, m0, src + offs[p], ap + p, as, s0));
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MR512; r++) {
        if (r < R) {
            float *cr = c + (size_t)r * ldc;
            __m512 v0 = s0[r];
            if (acc) v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), v0);
            else if (bias) v0 = _mm512_add_ps(_mm512_set1_ps(bias[r]), v0);
            CD_PUT(o, cr, jt, 0, m0, v0);
        }
    }
}

__attribute__((target("avx512f")))
static void cd512h(int rows, int kc, const float *ap, const float *src, const int *offs, float *c, int ldc, int cols,
                   int acc, const float *bias, const float *pfa, int pfLda, int pfRows, int as, const cd_rows *o, int jt) {
    CD_ROWS12(cd512h_r);
}

__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void cd512w_step(const float *bp, const float *x, int as, __m512 *s0, __m512 *s1, __m512 *s2) {
    const __m512 b0 = _mm512_loadu_ps(bp);
    const __m512 b1 = _mm512_loadu_ps(bp + 16);
    const __m512 b2 = _mm512_loadu_ps(bp + 32);
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MRWIDE; r++) {
        const __m512 xv = _mm512_set1_ps(x[(size_t)r * as]);
        s0[r] = _mm512_fmadd_ps(xv, b0, s0[r]);
        s1[r] = _mm512_fmadd_ps(xv, b1, s1[r]);
        s2[r] = _mm512_fmadd_ps(xv, b2, s2[r]);
    }
}

// AVX-512, the wide tile: 8 rows × 48 columns (3 vectors a row), whole tiles only.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void cd512w_k(int kc, const float *ap, const float *src, const int *offs, float *c, int ldc, int acc,
                   const float *bias, const float *pfa, int pfLda, int pfRows, int as, const cd_rows *o, int jt) {
    __m512 s0[CD_MRWIDE], s1[CD_MRWIDE], s2[CD_MRWIDE];
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MRWIDE; r++) {
        s0[r] = _mm512_setzero_ps(); s1[r] = _mm512_setzero_ps(); s2[r] = _mm512_setzero_ps();
    }
    CD_KLOOP(cd512w_step(src + offs[p], ap + p, as, s0, s1, s2));
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MRWIDE; r++) {
        float *cr = c + (size_t)r * ldc;
        __m512 v0 = s0[r], v1 = s1[r], v2 = s2[r];
        if (acc) {
            v0 = _mm512_add_ps(_mm512_loadu_ps(cr), v0);
            v1 = _mm512_add_ps(_mm512_loadu_ps(cr + 16), v1);
            v2 = _mm512_add_ps(_mm512_loadu_ps(cr + 32), v2);
        } else if (bias) {
            const __m512 bv = _mm512_set1_ps(bias[r]);
            v0 = _mm512_add_ps(bv, v0);
            v1 = _mm512_add_ps(bv, v1);
            v2 = _mm512_add_ps(bv, v2);
        }
        CD_PUT(o, cr, jt, 0, (__mmask16)0xFFFF, v0);
        CD_PUT(o, cr, jt, 1, (__mmask16)0xFFFF, v1);
        CD_PUT(o, cr, jt, 2, (__mmask16)0xFFFF, v2);
    }
}

__attribute__((target("avx512f")))
static void cd512w(int kc, const float *ap, const float *src, const int *offs, float *c, int ldc, int acc,
                   const float *bias, const float *pfa, int pfLda, int pfRows, int as, const cd_rows *o, int jt) {
    if (as == CD_KC) cd512w_k(kc, ap, src, offs, c, ldc, acc, bias, pfa, pfLda, pfRows, CD_KC, o, jt);
    else cd512w_k(kc, ap, src, offs, c, ldc, acc, bias, pfa, pfLda, pfRows, as, o, jt);
}


// AVX-512, the tile of one short product: 6 rows × 49-64 columns (4 vectors a row, the last
// masked), for 7 × 7 maps (63 columns with their 2 dropped per row) in one tile, where 12 × 32
// would take two.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void cd512q_step(const int R, const float *bp, const float *x, int as, __m512 *s0, __m512 *s1, __m512 *s2, __m512 *s3) {
    const __m512 b0 = _mm512_loadu_ps(bp);
    const __m512 b1 = _mm512_loadu_ps(bp + 16);
    const __m512 b2 = _mm512_loadu_ps(bp + 32);
    const __m512 b3 = _mm512_loadu_ps(bp + 48);
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MRQ; r++) {
        if (r < R) {
            const __m512 xv = _mm512_set1_ps(x[(size_t)r * as]);
            s0[r] = _mm512_fmadd_ps(xv, b0, s0[r]);
            s1[r] = _mm512_fmadd_ps(xv, b1, s1[r]);
            s2[r] = _mm512_fmadd_ps(xv, b2, s2[r]);
            s3[r] = _mm512_fmadd_ps(xv, b3, s3[r]);
        }
    }
}

__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void cd512q_r(const int R, int kc, const float *ap, const float *src, const int *offs, float *c, int ldc, int cols,
              int acc, const float *bias, const float *pfa, int pfLda, int pfRows, int as) {
    __m512 s0[CD_MRQ], s1[CD_MRQ], s2[CD_MRQ], s3[CD_MRQ];
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MRQ; r++) {
        if (r < R) { s0[r] = _mm512_setzero_ps(); s1[r] = s0[r]; s2[r] = s0[r]; s3[r] = s0[r]; }
    }
    CD_KLOOP(cd512q_step(R, src + offs[p], ap + p, as, s0, s1, s2, s3));
    const __mmask16 m3 = cols >= 64 ? (__mmask16)0xFFFF : (__mmask16)((1u << (cols - 48)) - 1);
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MRQ; r++) {
        if (r < R) {
            float *cr = c + (size_t)r * ldc;
            __m512 v0 = s0[r], v1 = s1[r], v2 = s2[r], v3 = s3[r];
            if (acc) {
                v0 = _mm512_add_ps(_mm512_loadu_ps(cr), v0);
                v1 = _mm512_add_ps(_mm512_loadu_ps(cr + 16), v1);
                v2 = _mm512_add_ps(_mm512_loadu_ps(cr + 32), v2);
                v3 = _mm512_add_ps(_mm512_maskz_loadu_ps(m3, cr + 48), v3);
            } else if (bias) {
                const __m512 bv = _mm512_set1_ps(bias[r]);
                v0 = _mm512_add_ps(bv, v0);
                v1 = _mm512_add_ps(bv, v1);
                v2 = _mm512_add_ps(bv, v2);
                v3 = _mm512_add_ps(bv, v3);
            }
            _mm512_storeu_ps(cr, v0);
            _mm512_storeu_ps(cr + 16, v1);
            _mm512_storeu_ps(cr + 32, v2);
            _mm512_mask_storeu_ps(cr + 48, m3, v3);
        }
    }
}

__attribute__((target("avx512f")))
static void cd512q(int rows, int kc, const float *ap, const float *src, const int *offs, float *c, int ldc, int cols,
                   int acc, const float *bias, const float *pfa, int pfLda, int pfRows, int as) {
    switch (rows) {
    case 6: cd512q_r(6, kc, ap, src, offs, c, ldc, cols, acc, bias, pfa, pfLda, pfRows, as); break;
    case 5: cd512q_r(5, kc, ap, src, offs, c, ldc, cols, acc, bias, pfa, pfLda, pfRows, as); break;
    case 4: cd512q_r(4, kc, ap, src, offs, c, ldc, cols, acc, bias, pfa, pfLda, pfRows, as); break;
    case 3: cd512q_r(3, kc, ap, src, offs, c, ldc, cols, acc, bias, pfa, pfLda, pfRows, as); break;
    case 2: cd512q_r(2, kc, ap, src, offs, c, ldc, cols, acc, bias, pfa, pfLda, pfRows, as); break;
    case 1: cd512q_r(1, kc, ap, src, offs, c, ldc, cols, acc, bias, pfa, pfLda, pfRows, as); break;
    default: break;
    }
}

__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))
void cd256_step(const int R, const float *bp, const float *x, int as, __m256 *s0, __m256 *s1) {
    const __m256 b0 = _mm256_loadu_ps(bp);
    const __m256 b1 = _mm256_loadu_ps(bp + 8);
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MR256; r++) {
        if (r < R) {
            const __m256 xv = _mm256_broadcast_ss(x + (size_t)r * as);
            s0[r] = _mm256_fmadd_ps(xv, b0, s0[r]);
            s1[r] = _mm256_fmadd_ps(xv, b1, s1[r]);
        }
    }
}

// AVX2 + FMA: R (≤ 6) rows × 16 columns in 2R registers; a 32-column tile is two of them.
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))
void cd256_r(const int R, int kc, const float *ap, const float *src, const int *offs, float *c, int ldc, int cols,
             int acc, const float *bias, const float *pfa, int pfLda, int pfRows, int as) {
    __m256 s0[CD_MR256], s1[CD_MR256];
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MR256; r++) {
        if (r < R) { s0[r] = _mm256_setzero_ps(); s1[r] = _mm256_setzero_ps(); }
    }
    CD_KLOOP(cd256_step(R, src + offs[p], ap + p, as, s0, s1));
#pragma clang loop unroll(full)
    for (int r = 0; r < CD_MR256; r++) {
        if (r < R) {
            float *cr = c + (size_t)r * ldc;
            float t[16];
            _mm256_storeu_ps(t, s0[r]);
            _mm256_storeu_ps(t + 8, s1[r]);
            for (int j = 0; j < cols; j++) cr[j] = acc ? cr[j] + t[j] : bias ? bias[r] + t[j] : t[j];
        }
    }
}

__attribute__((target("avx2,fma")))
static void cd256(int rows, int kc, const float *ap, const float *src, const int *offs, float *c, int ldc, int cols,
                  int acc, const float *bias, const float *pfa, int pfLda, int pfRows, int as) {
    for (int h = 0; h < 2 && h * 16 < cols; h++) {
        const int hc = cd_min(16, cols - h * 16);
        const float *sh = src + h * 16;
        float *ch = c + h * 16;
        switch (rows) {
        case 6: cd256_r(6, kc, ap, sh, offs, ch, ldc, hc, acc, bias, h == 0 ? pfa : 0, pfLda, pfRows, as); break;
        case 5: cd256_r(5, kc, ap, sh, offs, ch, ldc, hc, acc, bias, h == 0 ? pfa : 0, pfLda, pfRows, as); break;
        case 4: cd256_r(4, kc, ap, sh, offs, ch, ldc, hc, acc, bias, h == 0 ? pfa : 0, pfLda, pfRows, as); break;
        case 3: cd256_r(3, kc, ap, sh, offs, ch, ldc, hc, acc, bias, h == 0 ? pfa : 0, pfLda, pfRows, as); break;
        case 2: cd256_r(2, kc, ap, sh, offs, ch, ldc, hc, acc, bias, h == 0 ? pfa : 0, pfLda, pfRows, as); break;
        case 1: cd256_r(1, kc, ap, sh, offs, ch, ldc, hc, acc, bias, h == 0 ? pfa : 0, pfLda, pfRows, as); break;
        default: break;
        }
    }
}
#endif

void sp_conv_direct_tile(int level, int n, int *rows, int *cols) {
#if CD_X86
    if (level > sp_gemm_level()) level = sp_gemm_level();
#else
    level = 0;
#endif
    const int one = level == 2 && n > CD_NWIDE && n <= 64, wide = level == 2 && n > 0;
    if (rows) *rows = one ? CD_MRQ : wide ? CD_MRWIDE : level == 2 ? CD_MR512 : level == 1 ? CD_MR256 : CD_MRPLAIN;
    if (cols) *cols = one ? 64 : wide ? CD_NWIDE : 32;
}

/// Whether a block's last ≤ 16 columns run the one-vector tile (cd512h): yes unless
/// SURGEON_CD_TAIL=0 (an A/B switch).
static int cd_narrow_tail_env = -1;
static int cd_narrow_tail(void) { return sp_switch_digit("SURGEON_CD_TAIL", &cd_narrow_tail_env, 1) != 0; }

int sp_conv_direct(int level, int m, int k, const float *a, int lda, const float *src, const int *offs,
                   float *c, int ldc, int j0, int j1, const float *bias) {
    return sp_conv_direct_a(level, m, k, a, lda, src, offs, c, ldc, j0, j1, bias, 0);
}

// The product of sp_conv_direct_a (ah NULL: A is `a`, float32) and sp_conv_direct_h (ah: A is
// 16-bit, float16 or bfloat16 when `bfloat`, always widened into the L1 copy).
static int cd_run(int level, int m, int k, const float *a, const uint16_t *ah, int bfloat, int lda, const float *src,
                  const int *offs, float *c, int ldc, int j0, int j1, const float *bias, int aInPlaceUpTo,
                  const cd_rows *o);

int sp_conv_direct_a(int level, int m, int k, const float *a, int lda, const float *src, const int *offs,
                     float *c, int ldc, int j0, int j1, const float *bias, int aInPlaceUpTo) {
    return cd_run(level, m, k, a, 0, 0, lda, src, offs, c, ldc, j0, j1, bias, aInPlaceUpTo, 0);
}

int sp_conv_direct_h(int level, int m, int k, const uint16_t *a, int lda, int bfloat, const float *src,
                     const int *offs, float *c, int ldc, int j0, int j1, const float *bias) {
    return cd_run(level, m, k, 0, a, bfloat, lda, src, offs, c, ldc, j0, j1, bias, 0, 0);
}

int sp_conv_direct_rows_ok(int level, int k, int j0, int j1) {
#if CD_X86
    if (level > sp_gemm_level()) level = sp_gemm_level();
    const int one = j1 - j0 > CD_NWIDE && j1 - j0 <= 64;
    return level == 2 && !one && k > 0 && k <= CD_KC;
#else
    (void)level; (void)k; (void)j0; (void)j1;
    return 0;
#endif
}

int sp_conv_direct_rows(int level, int m, int k, const float *a, const uint16_t *ah, int bfloat, int lda,
                        const float *src, const int *offs, float *y, long ystride, int wq, int wo, int j0, int j1,
                        const float *bias) {
    if (!sp_conv_direct_rows_ok(level, k, j0, j1) || wq <= 0 || wo <= 0 || wo > wq || ystride <= 0) return -1;
    const cd_rows o = {ystride, wq, wo};
    return cd_run(level, m, k, ah ? 0 : a, ah, bfloat, lda, src, offs, y, 0, j0, j1, bias, 0, &o);
}

static int cd_run(int level, int m, int k, const float *a, const uint16_t *ah, int bfloat, int lda, const float *src,
                  const int *offs, float *c, int ldc, int j0, int j1, const float *bias, int aInPlaceUpTo,
                  const cd_rows *o) {
    if (m <= 0 || j0 >= j1 || j0 < 0) return 0;
    if (k <= 0) {
        for (int i = 0; i < m; i++) {
            float *ci = c + (size_t)i * ldc + j0;
            for (int j = 0; j < j1 - j0; j++) ci[j] = bias ? bias[i] : 0;
        }
        return 0;
    }
#if CD_X86
    if (level > sp_gemm_level()) level = sp_gemm_level();
#else
    level = 0;
#endif
    // 49-64 columns (a 7 × 7 map) are one 6 × 64 tile; else 8 × 48 tiles, 8 × 32 for the rest.
    const int one = level == 2 && j1 - j0 > CD_NWIDE && j1 - j0 <= 64;
    const int wide = level == 2 && !one;
    const int mr = one ? CD_MRQ : wide ? CD_MRWIDE : level == 2 ? CD_MR512 : level == 1 ? CD_MR256 : CD_MRPLAIN;
    float apk[CD_KC * CD_MR512] __attribute__((aligned(64)));
    const int narrowTail = cd_narrow_tail();
    for (int jc = j0; jc < j1; jc += CD_NC) {
        const int jc1 = cd_min(j1, jc + CD_NC);
        for (int k0 = 0; k0 < k; k0 += CD_KC) {
            const int kc = cd_min(CD_KC, k - k0);
            const int acc = k0 > 0;
            const int *ok = offs + k0;
            for (int i = 0; i < m; i += mr) {
                const int rows = cd_min(mr, m - i);
                // A block of at most aInPlaceUpTo columns reads the weights where they are:
                // the copy into L1 would serve only a tile or two (7x7 maps).
                const int inPlace = !ah && jc1 - jc <= aInPlaceUpTo;
                const float *ak = inPlace ? a + (size_t)i * lda + k0 : apk;
                const int as = inPlace ? lda : CD_KC;
                if (ah) cd_pack_a_half(ah + (size_t)i * lda + k0, lda, bfloat, rows, kc, apk);
                else if (!inPlace) cd_pack_a(a + (size_t)i * lda + k0, lda, rows, kc, apk);
                // Direct output: row i's plane; the kernels take the tile's flat column (jt).
                float *ci = o ? c + (size_t)i * o->ystride : c + (size_t)i * ldc;
                const int cl = o ? (int)o->ystride : ldc;
                const float *bi = bias && !acc ? bias + i : 0;
                // The weights' next register tile (this K block's next rows, or the next K
                // block's first), prefetched while the first column tile runs: weights used
                // once per run (resnet18's last layers: 9.4 MB for 49 pixels) come from memory.
                // Half weights: the same rows' 16-bit values, prefetched as if they were floats
                // with half the row stride (a hint: rounding an odd stride is harmless).
                const float *pfa = 0;
                int pfRows = 0;
                const int pfLda = ah ? (lda + 1) / 2 : lda;
                if (i + mr < m) {
                    pfa = ah ? (const float *)(ah + (size_t)(i + mr) * lda + k0) : a + (size_t)(i + mr) * lda + k0;
                    pfRows = cd_min(mr, m - i - mr);
                } else if (k0 + CD_KC < k) {
                    pfa = ah ? (const float *)(ah + k0 + CD_KC) : a + k0 + CD_KC;
                    pfRows = cd_min(mr, m);
                }
                int jp = jc;
#if CD_X86
                if (one) {
                    cd512q(rows, kc, ak, src + jp, ok, ci + jp, ldc, jc1 - jc, acc, bi, pfa, pfLda, pfRows, as);
                    continue;
                }
                if (wide && rows == CD_MRWIDE) {
                    for (; jp + CD_NWIDE <= jc1; jp += CD_NWIDE)
                        cd512w(kc, ak, src + jp, ok, o ? ci : ci + jp, cl, acc, bi, jp == jc ? pfa : 0, pfLda, pfRows, as,
                               o, jp);
                }
#endif
                for (; jp < jc1; jp += 32) {
                    const int cols = cd_min(32, jc1 - jp);
                    const float *pf = jp == jc ? pfa : 0;
#if CD_X86
                    if (level == 2 && cols <= 16 && narrowTail) {
                        cd512h(rows, kc, ak, src + jp, ok, o ? ci : ci + jp, cl, cols, acc, bi, pf, pfLda, pfRows, as, o, jp);
                        continue;
                    }
                    if (level == 2) {
                        cd512(rows, kc, ak, src + jp, ok, o ? ci : ci + jp, cl, cols, acc, bi, pf, pfLda, pfRows, as, o, jp);
                        continue;
                    }
                    if (level == 1) { cd256(rows, kc, ak, src + jp, ok, ci + jp, ldc, cols, acc, bi, pf, pfLda, pfRows, as); continue; }
#endif
                    cd_tile_plain(rows, kc, ak, as, src + jp, ok, ci + jp, ldc, cols, acc, bi);
                }
            }
        }
    }
    return 0;
}
