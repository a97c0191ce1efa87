// See include/CQGemm.h. The kernel function carries its own target attribute; nothing here
// runs AVX-512 code unless sq_qgemm_available() returned 1.
#include "CQGemm.h"
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define SQ_X86 1
#else
#define SQ_X86 0
#endif

int sq_qgemm_available(void) {
#if SQ_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vnni") ? 1 : 0;
#else
    return 0;
#endif
}

static inline int round_up(int v, int to) { return (v + to - 1) / to * to; }

size_t sq_qgemm_packed_w_size(int n, int k) {
    if (n <= 0 || k <= 0) return 0;
    return (size_t)round_up(n, SQ_QGEMM_NR) * (size_t)round_up(k, 4);
}

void sq_qgemm_pack_w(const int8_t *w, int ldw, int n, int k, int8_t *packed) {
    if (n <= 0 || k <= 0) return;
    const int k4 = round_up(k, 4) / 4, kw = k / 4;
    for (int j0 = 0; j0 < n; j0 += SQ_QGEMM_NR) {
        int8_t *dst = packed + (size_t)j0 * k4 * 4;
        // Row c of the panel: its whole groups of 4 bytes moved as 32-bit words (the panel's
        // rows interleave every 4 bytes), then the last partial group and the zero padding.
        for (int c = 0; c < SQ_QGEMM_NR; c++) {
            const int j = j0 + c;
            int8_t *d = dst + (size_t)c * 4;
            if (j >= n) {
                for (int q = 0; q < k4; q++) memset(d + (size_t)q * SQ_QGEMM_NR * 4, 0, 4);
                continue;
            }
            const int8_t *row = w + (size_t)j * ldw;
            for (int q = 0; q < kw; q++) memcpy(d + (size_t)q * SQ_QGEMM_NR * 4, row + (size_t)q * 4, 4);
            if (kw < k4) {
                int8_t last[4] = {0, 0, 0, 0};
                for (int t = 0; t < k - kw * 4; t++) last[t] = row[kw * 4 + t];
                memcpy(d + (size_t)kw * SQ_QGEMM_NR * 4, last, 4);
            }
        }
    }
}

#if SQ_X86
// A tile's sums dequantized into float planes: out[(j0 + ch) * positions + i0 + r] =
// (float)(acc[r][ch] - corr[j0 + ch]) * scale[j0 + ch] + bias[j0 + ch] (a wrapping
// subtraction, a rounding conversion, a product and a sum: what QuantizedConv.dequantize
// computes). A whole tile (8 positions, 32 channels) goes through registers: within each 128-bit
// lane, unpacks and shuffles turn 8 rows of positions into, per channel, its 4 first and 4 last
// positions, stored as two 4-float pieces of the channel's plane. Partial tiles go through a
// small buffer, value by value.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void sq_dq_tile(const sq_dq *dq, const __m512i acc[SQ_QGEMM_MR][2], int rows, int cols, long i0, int j0) {
    const long ps = dq->positions;
    float *base = dq->out + (size_t)j0 * ps + i0;
    __m512 f[SQ_QGEMM_MR][2];
    for (int h = 0; h < 2; h++) {
        const __mmask16 m = cols >= 16 * (h + 1) ? (__mmask16)0xFFFF
            : cols <= 16 * h ? (__mmask16)0 : (__mmask16)((1u << (cols - 16 * h)) - 1);
        const __m512i cr = _mm512_maskz_loadu_epi32(m, dq->corr + j0 + 16 * h);
        const __m512 sc = _mm512_maskz_loadu_ps(m, dq->scale + j0 + 16 * h);
        const __m512 bi = _mm512_maskz_loadu_ps(m, dq->bias + j0 + 16 * h);
        for (int r = 0; r < SQ_QGEMM_MR; r++)
            f[r][h] = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][h], cr)), sc), bi);
    }
    if (rows == SQ_QGEMM_MR && cols == SQ_QGEMM_NR) {
        for (int h = 0; h < 2; h++) {
            const __m512 t0 = _mm512_unpacklo_ps(f[0][h], f[1][h]), t1 = _mm512_unpackhi_ps(f[0][h], f[1][h]);
            const __m512 t2 = _mm512_unpacklo_ps(f[2][h], f[3][h]), t3 = _mm512_unpackhi_ps(f[2][h], f[3][h]);
            const __m512 t4 = _mm512_unpacklo_ps(f[4][h], f[5][h]), t5 = _mm512_unpackhi_ps(f[4][h], f[5][h]);
            const __m512 t6 = _mm512_unpacklo_ps(f[6][h], f[7][h]), t7 = _mm512_unpackhi_ps(f[6][h], f[7][h]);
            // u[j] (lane L): positions 0-3 of channel 4L + j; u[4 + j]: positions 4-7.
            const __m512 u[8] = {
                _mm512_shuffle_ps(t0, t2, 0x44), _mm512_shuffle_ps(t0, t2, 0xEE),
                _mm512_shuffle_ps(t1, t3, 0x44), _mm512_shuffle_ps(t1, t3, 0xEE),
                _mm512_shuffle_ps(t4, t6, 0x44), _mm512_shuffle_ps(t4, t6, 0xEE),
                _mm512_shuffle_ps(t5, t7, 0x44), _mm512_shuffle_ps(t5, t7, 0xEE),
            };
            float *hb = base + (size_t)16 * h * ps;
#define SQ_DQ_LANE(L)                                                                   \
            for (int j = 0; j < 4; j++) {                                               \
                float *o = hb + (size_t)(4 * (L) + j) * ps;                            \
                _mm_storeu_ps(o, _mm512_extractf32x4_ps(u[j], L));                      \
                _mm_storeu_ps(o + 4, _mm512_extractf32x4_ps(u[4 + j], L));              \
            }
            SQ_DQ_LANE(0) SQ_DQ_LANE(1) SQ_DQ_LANE(2) SQ_DQ_LANE(3)
#undef SQ_DQ_LANE
        }
        return;
    }
    float buf[SQ_QGEMM_MR][SQ_QGEMM_NR] __attribute__((aligned(64)));
    for (int r = 0; r < SQ_QGEMM_MR; r++) {
        _mm512_store_ps(buf[r], f[r][0]);
        _mm512_store_ps(buf[r] + 16, f[r][1]);
    }
    for (int ch = 0; ch < cols; ch++) {
        float *o = base + (size_t)ch * ps;
        for (int r = 0; r < rows; r++) o[r] = buf[r][ch];
    }
}

#define SQ_STEP_IND(r) \
    a = _mm512_set1_epi32(*(const int32_t *)(ap##r + (size_t)q * 4)); \
    acc##r##0 = _mm512_dpbusd_epi32(acc##r##0, a, w0); \
    acc##r##1 = _mm512_dpbusd_epi32(acc##r##1, a, w1);

// MR rows of A × NR columns (one packed panel of W), 16 accumulators, each row's depth read
// tap by tap: row r's bytes for tap t (4 · c4 of them) start at ri[r][t], and W's depth runs
// over the taps in the same order. A plain product is one tap a row (sq_qgemm_u8s8). The
// tile's sums go to C (dq NULL) or, dequantized, into dq's float planes (sq_dq_tile).
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static inline __attribute__((always_inline))
void kernel_8x32_body(int taps, int c4, const uint8_t *const *const ri[SQ_QGEMM_MR], const int8_t *pw,
                      int rows, int cols, int32_t *c, int ldc, const sq_dq *dq, long i0, int j0) {
    __m512i acc00 = _mm512_setzero_si512(), acc01 = _mm512_setzero_si512();
    __m512i acc10 = _mm512_setzero_si512(), acc11 = _mm512_setzero_si512();
    __m512i acc20 = _mm512_setzero_si512(), acc21 = _mm512_setzero_si512();
    __m512i acc30 = _mm512_setzero_si512(), acc31 = _mm512_setzero_si512();
    __m512i acc40 = _mm512_setzero_si512(), acc41 = _mm512_setzero_si512();
    __m512i acc50 = _mm512_setzero_si512(), acc51 = _mm512_setzero_si512();
    __m512i acc60 = _mm512_setzero_si512(), acc61 = _mm512_setzero_si512();
    __m512i acc70 = _mm512_setzero_si512(), acc71 = _mm512_setzero_si512();
    for (int t = 0; t < taps; t++) {
        const uint8_t *ap0 = ri[0][t], *ap1 = ri[1][t], *ap2 = ri[2][t], *ap3 = ri[3][t];
        const uint8_t *ap4 = ri[4][t], *ap5 = ri[5][t], *ap6 = ri[6][t], *ap7 = ri[7][t];
        const int8_t *pt = pw + (size_t)t * c4 * 128;
        for (int q = 0; q < c4; q++) {
            const __m512i w0 = _mm512_loadu_si512((const void *)(pt + (size_t)q * 128));
            const __m512i w1 = _mm512_loadu_si512((const void *)(pt + (size_t)q * 128 + 64));
            __m512i a;
            SQ_STEP_IND(0) SQ_STEP_IND(1) SQ_STEP_IND(2) SQ_STEP_IND(3)
            SQ_STEP_IND(4) SQ_STEP_IND(5) SQ_STEP_IND(6) SQ_STEP_IND(7)
        }
    }
    const __m512i acc[SQ_QGEMM_MR][2] = {
        {acc00, acc01}, {acc10, acc11}, {acc20, acc21}, {acc30, acc31},
        {acc40, acc41}, {acc50, acc51}, {acc60, acc61}, {acc70, acc71},
    };
    if (dq) {
        sq_dq_tile(dq, acc, rows, cols, i0, j0);
        return;
    }
    const __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    const __mmask16 m1 = cols >= 32 ? (__mmask16)0xFFFF : cols <= 16 ? (__mmask16)0 : (__mmask16)((1u << (cols - 16)) - 1);
    for (int r = 0; r < rows; r++) {
        int32_t *row = c + (size_t)r * ldc;
        _mm512_mask_storeu_epi32(row, m0, acc[r][0]);
        if (m1) _mm512_mask_storeu_epi32(row + 16, m1, acc[r][1]);
    }
}

// The kernel, one function for both kinds of result (the choice is made after the sums).
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void kernel_8x32(int taps, int c4, const uint8_t *const *const ri[SQ_QGEMM_MR], const int8_t *pw, int rows,
                        int cols, int32_t *c, int ldc, const sq_dq *dq, long i0, int j0) {
    kernel_8x32_body(taps, c4, ri, pw, rows, cols, c, ldc, dq, i0, j0);
}

// Rows [m0, m1) of A against every panel of W: panels outermost (one panel, NR × depth bytes,
// stays in cache across the rows of A), tiles of MR rows; row r of a tile reads tap t at
// ind[(i + r) * taps + t], rows past the block repeat its last row (read, never stored). The
// sums go to C or, dequantized, to dq's planes.
static void sq_indirect(int m0, int m1, int n, int taps, int c4, const uint8_t *const *ind, const int8_t *packedW,
                        int32_t *c, int ldc, const sq_dq *dq) {
    for (int j = 0; j < n; j += SQ_QGEMM_NR) {
        const int cols = n - j < SQ_QGEMM_NR ? n - j : SQ_QGEMM_NR;
        const int8_t *pw = packedW + (size_t)j * taps * c4 * 4;
        for (int i = m0; i < m1; i += SQ_QGEMM_MR) {
            const int nr = m1 - i < SQ_QGEMM_MR ? m1 - i : SQ_QGEMM_MR;
            const uint8_t *const *ri[SQ_QGEMM_MR];
            for (int r = 0; r < SQ_QGEMM_MR; r++) ri[r] = ind + (size_t)(i + (r < nr ? r : nr - 1)) * taps;
            kernel_8x32(taps, c4, ri, pw, nr, cols, dq ? 0 : c + (size_t)i * ldc + j, ldc, dq, i, j);
        }
    }
}

// A plain product (rows of A, lda bytes apart) as an indirect one: each row one "tap" of the
// whole depth, through a table of row pointers made a block of rows at a time.
static void sq_plain(int m0, int m1, int n, int k, const uint8_t *a, int lda, const int8_t *packedW, int32_t *c,
                     int ldc, const sq_dq *dq) {
    enum { BLOCK = 256 };
    const uint8_t *rows[BLOCK];
    for (int b0 = m0; b0 < m1; b0 += BLOCK) {
        const int b1 = m1 - b0 < BLOCK ? m1 : b0 + BLOCK;
        for (int i = b0; i < b1; i++) rows[i - b0] = a + (size_t)i * lda;
        sq_dq shifted;
        if (dq) {
            shifted = *dq;
            shifted.out = dq->out + b0;
        }
        sq_indirect(0, b1 - b0, n, 1, round_up(k, 4) / 4, rows, packedW, dq ? 0 : c + (size_t)b0 * ldc, ldc,
                    dq ? &shifted : 0);
    }
}
#endif

void sq_qgemm_u8s8_indirect(int m0, int m1, int n, int taps, int cin, const uint8_t *const *ind,
                            const int8_t *packedW, int32_t *c, int ldc, const sq_dq *dq) {
#if SQ_X86
    if (m1 <= m0 || n <= 0 || taps <= 0 || cin <= 0 || cin % 4 != 0) return;
    sq_indirect(m0, m1, n, taps, cin / 4, ind, packedW, c, ldc, dq);
#else
    (void)m0; (void)m1; (void)n; (void)taps; (void)cin; (void)ind; (void)packedW; (void)c; (void)ldc; (void)dq;
#endif
}

void sq_qgemm_u8s8(int m0, int m1, int rows, int n, int k, const uint8_t *a, int lda,
                   const int8_t *packedW, int32_t *c, int ldc, const sq_dq *dq) {
#if SQ_X86
    if (m1 <= m0 || n <= 0 || rows <= 0) return;
    // k ≤ 0 included: the kernel then runs no step and every sum is 0.
    sq_plain(m0, m1, n, k, a, lda, packedW, c, ldc, dq);
#else
    (void)m0; (void)m1; (void)rows; (void)n; (void)k; (void)a; (void)lda; (void)packedW; (void)c; (void)ldc; (void)dq;
#endif
}

// 16 × 16 byte blocks through four rounds of SSE2 unpacks (baseline x86-64: no dispatch).
#if SQ_X86
static inline void sq_block16(const uint8_t *src, long ss, uint8_t *dst, long ds, __m128i flip) {
    __m128i a[16], b[16];
    for (int i = 0; i < 16; i++) a[i] = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src + i * ss)), flip);
    // Channel pairs: b[2k] pixels 0-7, b[2k + 1] pixels 8-15, channels 2k, 2k + 1 interleaved.
    for (int k = 0; k < 8; k++) {
        b[2 * k] = _mm_unpacklo_epi8(a[2 * k], a[2 * k + 1]);
        b[2 * k + 1] = _mm_unpackhi_epi8(a[2 * k], a[2 * k + 1]);
    }
    // Channel quads: a[4k + q] is pixels 4q..4q+3, channels 4k..4k+3.
    for (int k = 0; k < 4; k++) {
        for (int h = 0; h < 2; h++) {
            a[4 * k + 2 * h] = _mm_unpacklo_epi16(b[4 * k + h], b[4 * k + 2 + h]);
            a[4 * k + 2 * h + 1] = _mm_unpackhi_epi16(b[4 * k + h], b[4 * k + 2 + h]);
        }
    }
    // Channel octets: b[8m + r] is pixels 2r, 2r + 1, channels 8m..8m+7.
    for (int m = 0; m < 2; m++) {
        for (int q = 0; q < 4; q++) {
            b[8 * m + 2 * q] = _mm_unpacklo_epi32(a[8 * m + q], a[8 * m + 4 + q]);
            b[8 * m + 2 * q + 1] = _mm_unpackhi_epi32(a[8 * m + q], a[8 * m + 4 + q]);
        }
    }
    // Pixel p's 16 channels.
    for (int r = 0; r < 8; r++) {
        _mm_storeu_si128((__m128i *)(dst + (2 * r) * ds), _mm_unpacklo_epi64(b[r], b[8 + r]));
        _mm_storeu_si128((__m128i *)(dst + (2 * r + 1) * ds), _mm_unpackhi_epi64(b[r], b[8 + r]));
    }
}
#endif

void sq_transpose_u8(const uint8_t *src, long rows, long cols, long ss, uint8_t *dst, long ds, uint8_t flip) {
    long i0 = 0;
#if SQ_X86
    const __m128i f = _mm_set1_epi8((char)flip);
    const long r16 = rows / 16 * 16, c16 = cols / 16 * 16;
    for (long i = 0; i < r16; i += 16) {
        for (long j = 0; j < c16; j += 16) sq_block16(src + i * ss + j, ss, dst + j * ds + i, ds, f);
        for (long j = c16; j < cols; j++) {
            for (long t = i; t < i + 16; t++) dst[j * ds + t] = src[t * ss + j] ^ flip;
        }
    }
    i0 = r16;
#endif
    for (long i = i0; i < rows; i++) {
        for (long j = 0; j < cols; j++) dst[j * ds + i] = src[i * ss + j] ^ flip;
    }
}
