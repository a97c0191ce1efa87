// See include/CPackedGemm.h. Each vector kernel carries its own target attribute; nothing here
// runs AVX2 / AVX-512 code unless sp_gemm_level() reported it.
//
// Blocking (as BLIS, with A and B's roles swapped: B is the vector operand): B is packed once
// into blocks of KC rows, each in panels of NR columns (kc × NR floats). For each block of NC
// columns, and in it each block of KC rows (kc × NC × 4 bytes, in L2), each register tile of
// MR rows of A is copied (kc × MR floats, row r at offset r × KC: it stays in L1) and
// multiplied by every panel of the block streaming from L2, adding to its C tile. After the
// last KC block, the tile's rows of the column block are final and go through the epilogue.
//
// With few rows (more than one register tile, at most MC: a transformer's tokens, a 7 × 7
// map), that order reads each block of B from L2 once per register tile of A, and the block
// (1 MiB) hardly stays there while the next one is prefetched: weights used once per run come
// from memory at each tile. Those products run panel-outer instead: all m rows of A are copied
// for the KC block (row i at i × KC, in a per-thread buffer), and each pair of panels of B goes
// through every register tile (6 × 64 on AVX-512) while it is in L1 and L2, so B streams from
// memory once; the panels ahead are prefetched into L2. Each sum still adds the same products
// in the same order, so the order chosen never changes a bit of C.
#include "CPackedGemm.h"
#include "sp_switch.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define SP_X86 1
#else
#define SP_X86 0
#endif

#define SP_NR SP_GEMM_NR
/// Rows of A per register tile: AVX-512 keeps 12 × 32 sums in 24 of its 32 registers, AVX2
/// 6 × 16 (half a panel) in 12 of its 16; the plain kernel takes 4 rows.
#define SP_MR512 12
/// Rows of the AVX-512 two-panel tile (6 × 64) that the panel-outer order runs.
#define SP_MRWIDE 6
#define SP_MR256 6
#define SP_MRPLAIN 4
/// Rows of B per packed block (A's tile: KC × MR floats in L1) and columns of B per cache
/// block (KC × NC floats in L2).
#define SP_KC 256
#define SP_NC 1024
/// Most rows of A the panel-outer order copies at once (MC × KC floats, 240 KiB: in L2).
#define SP_MC 240
/// How many rows of the panel ahead the vector kernels prefetch (a prefetch never faults, so
/// the ones past the panel's end are harmless): 16 rows (2 KiB) ahead made the ViT-B/16
/// shapes 10-15% faster than without (the panel streams from L2).
#define SP_PF 16

int sp_gemm_level(void) {
#if SP_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

static inline int sp_min(int a, int b) { return a < b ? a : b; }
static inline int sp_round_up(int v, int to) { return (v + to - 1) / to * to; }

size_t sp_gemm_packed_size(int k, int n) {
    if (k <= 0 || n <= 0) return 0;
    return (size_t)sp_round_up(n, SP_NR) * (size_t)k;
}

void sp_gemm_pack_b(const float *b, int ldb, int transB, int k, int n, float *packed) {
    sp_gemm_pack_b_part(b, ldb, transB, k, n, 0, k, 0, n, packed);
}

void sp_gemm_pack_b_part(const float *b, int ldb, int transB, int k, int n, int k_lo, int k_hi, int j_lo, int j_hi,
                         float *packed) {
    if (k <= 0 || n <= 0 || k_lo < 0 || j_lo < 0 || k_lo % SP_KC != 0 || j_lo % SP_NR != 0) return;
    if (k_hi > k) k_hi = k;
    if (j_hi > n) j_hi = n;
    const size_t npad = (size_t)sp_round_up(n, SP_NR);
    for (int k0 = k_lo; k0 < k_hi; k0 += SP_KC) {
        const int kc = sp_min(SP_KC, k - k0);
        for (int j0 = j_lo; j0 < j_hi; j0 += SP_NR) {
            float *pan = packed + (size_t)k0 * npad + (size_t)j0 * kc;
            const int cols = sp_min(SP_NR, n - j0);
            for (int p = 0; p < kc; p++) {
                float *dst = pan + (size_t)p * SP_NR;
                const size_t row = (size_t)(k0 + p);
                if (transB) {
                    for (int c = 0; c < cols; c++) dst[c] = b[(size_t)(j0 + c) * ldb + row];
                } else {
                    memcpy(dst, b + row * ldb + (size_t)j0, (size_t)cols * sizeof(float));
                }
                for (int c = cols; c < SP_NR; c++) dst[c] = 0;
            }
        }
    }
}

/// `rows` rows of A (kc values each) as one register tile: row r at dst + r * KC, so that the
/// kernels reach every row from one pointer at constant offsets.
static void pack_a_tile(const float *a, int lda, int rows, int kc, float *dst) {
    for (int r = 0; r < rows; r++) memcpy(dst + (size_t)r * SP_KC, a + (size_t)r * lda, (size_t)kc * sizeof(float));
}

/// The plain kernel: `rows` rows × one panel (`cols` ≤ NR columns), A packed by `pack_a_tile`.
static void tile_plain(int rows, int k, const float *ap, const float *pan, float *c, int ldc, int cols, int acc,
                       const float *bias) {
    for (int r = 0; r < rows; r++) {
        float sum[SP_NR];
        for (int j = 0; j < SP_NR; j++) sum[j] = 0;
        for (int p = 0; p < k; p++) {
            const float x = ap[(size_t)r * SP_KC + p];
            const float *bp = pan + (size_t)p * SP_NR;
            for (int j = 0; j < SP_NR; j++) sum[j] += x * bp[j];
        }
        float *cr = c + (size_t)r * ldc;
        // With a bias (not accumulating), the bias plus the products, as if C held it.
        for (int j = 0; j < cols; j++) cr[j] = acc ? cr[j] + sum[j] : bias ? bias[r] + sum[j] : sum[j];
    }
}

#if SP_X86
// AVX-512: R (≤ 12) rows × 32 columns, in 2R registers over the whole k.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void tile512_r(const int R, int k, const float *ap, const float *pan, float *c, int ldc, int cols, int acc,
               const char *pf, const float *bias) {
    __m512 s0[SP_MR512], s1[SP_MR512];
#pragma clang loop unroll(full)
    for (int r = 0; r < SP_MR512; r++) {
        if (r < R) { s0[r] = _mm512_setzero_ps(); s1[r] = _mm512_setzero_ps(); }
    }
    for (int p = 0; p < k; p++) {
        const __m512 b0 = _mm512_loadu_ps(pan + (size_t)p * SP_NR);
        const __m512 b1 = _mm512_loadu_ps(pan + (size_t)p * SP_NR + 16);
        _mm_prefetch((const char *)(pan + (size_t)(p + SP_PF) * SP_NR), _MM_HINT_T0);
        _mm_prefetch((const char *)(pan + (size_t)(p + SP_PF) * SP_NR + 16), _MM_HINT_T0);
        _mm_prefetch(pf + (size_t)p * 64, _MM_HINT_T1);
        const float *x = ap + p;
#pragma clang loop unroll(full)
        for (int r = 0; r < SP_MR512; r++) {
            if (r < R) {
                const __m512 xv = _mm512_set1_ps(x[r * SP_KC]);
                s0[r] = _mm512_fmadd_ps(xv, b0, s0[r]);
                s1[r] = _mm512_fmadd_ps(xv, b1, s1[r]);
            }
        }
    }
    const __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    const __mmask16 m1 = cols >= 32 ? (__mmask16)0xFFFF : cols <= 16 ? (__mmask16)0 : (__mmask16)((1u << (cols - 16)) - 1);
#pragma clang loop unroll(full)
    for (int r = 0; r < SP_MR512; r++) {
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
            _mm512_mask_storeu_ps(cr, m0, v0);
            _mm512_mask_storeu_ps(cr + 16, m1, v1);
        }
    }
}

__attribute__((target("avx512f")))
static void tile512(int rows, int k, const float *ap, const float *pan, float *c, int ldc, int cols, int acc, const char *pf,
                    const float *bias) {
    switch (rows) {
    case 12: tile512_r(12, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 11: tile512_r(11, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 10: tile512_r(10, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 9: tile512_r(9, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 8: tile512_r(8, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 7: tile512_r(7, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 6: tile512_r(6, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 5: tile512_r(5, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 4: tile512_r(4, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 3: tile512_r(3, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 2: tile512_r(2, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    case 1: tile512_r(1, k, ap, pan, c, ldc, cols, acc, pf, bias); break;
    default: break;
    }
}

// AVX-512, two panels (64 columns) at once, 4R sums (R ≤ 6). For few rows (R ≤ 4, an LSTM's
// per-step H·Rᵀ has a row per batch entry): with 2R ≤ 8 sums a 12 × 32 tile is bound by the
// FMA latency (each sum waits for its previous add); twice as many independent sums fill the
// FMA units. For more rows (the panel-outer order, `SP_MRWIDE`): 6 × 64 takes 4 loads and 6
// broadcasts per 24 multiply-adds, against 2 and 12 for 12 × 32. Every sum adds the same
// products in the same order as tile512_r: the same bits.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void tile512x2_r(const int R, int k, const float *ap, const float *pan, float *c, int ldc, int cols, int acc,
                 const char *pf, const char *pf1, const float *bias) {
    __m512 s[SP_MRWIDE][4];
    const float *pan1 = pan + (size_t)k * SP_NR;
#pragma clang loop unroll(full)
    for (int r = 0; r < SP_MRWIDE; r++) {
        if (r < R) { s[r][0] = s[r][1] = s[r][2] = s[r][3] = _mm512_setzero_ps(); }
    }
    for (int p = 0; p < k; p++) {
        const __m512 b0 = _mm512_loadu_ps(pan + (size_t)p * SP_NR);
        const __m512 b1 = _mm512_loadu_ps(pan + (size_t)p * SP_NR + 16);
        const __m512 b2 = _mm512_loadu_ps(pan1 + (size_t)p * SP_NR);
        const __m512 b3 = _mm512_loadu_ps(pan1 + (size_t)p * SP_NR + 16);
        _mm_prefetch((const char *)(pan + (size_t)(p + SP_PF) * SP_NR), _MM_HINT_T0);
        _mm_prefetch((const char *)(pan + (size_t)(p + SP_PF) * SP_NR + 16), _MM_HINT_T0);
        _mm_prefetch((const char *)(pan1 + (size_t)(p + SP_PF) * SP_NR), _MM_HINT_T0);
        _mm_prefetch((const char *)(pan1 + (size_t)(p + SP_PF) * SP_NR + 16), _MM_HINT_T0);
        _mm_prefetch(pf + (size_t)p * 64, _MM_HINT_T1);
        _mm_prefetch(pf1 + (size_t)p * 64, _MM_HINT_T1);
        const float *x = ap + p;
#pragma clang loop unroll(full)
        for (int r = 0; r < SP_MRWIDE; r++) {
            if (r < R) {
                const __m512 xv = _mm512_set1_ps(x[r * SP_KC]);
                s[r][0] = _mm512_fmadd_ps(xv, b0, s[r][0]);
                s[r][1] = _mm512_fmadd_ps(xv, b1, s[r][1]);
                s[r][2] = _mm512_fmadd_ps(xv, b2, s[r][2]);
                s[r][3] = _mm512_fmadd_ps(xv, b3, s[r][3]);
            }
        }
    }
    // cols is 33...64: the first panel is whole.
    const int c1 = cols - 32;
    const __mmask16 m2 = c1 >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << c1) - 1);
    const __mmask16 m3 = c1 >= 32 ? (__mmask16)0xFFFF : c1 <= 16 ? (__mmask16)0 : (__mmask16)((1u << (c1 - 16)) - 1);
#pragma clang loop unroll(full)
    for (int r = 0; r < SP_MRWIDE; r++) {
        if (r < R) {
            float *cr = c + (size_t)r * ldc;
            __m512 v0 = s[r][0], v1 = s[r][1], v2 = s[r][2], v3 = s[r][3];
            if (acc) {
                v0 = _mm512_add_ps(_mm512_loadu_ps(cr), v0);
                v1 = _mm512_add_ps(_mm512_loadu_ps(cr + 16), v1);
                v2 = _mm512_add_ps(_mm512_maskz_loadu_ps(m2, cr + 32), v2);
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
            _mm512_mask_storeu_ps(cr + 32, m2, v2);
            _mm512_mask_storeu_ps(cr + 48, m3, v3);
        }
    }
}

__attribute__((target("avx512f")))
static void tile512x2(int rows, int k, const float *ap, const float *pan, float *c, int ldc, int cols, int acc,
                      const char *pf, const char *pf1, const float *bias) {
    switch (rows) {
    case 6: tile512x2_r(6, k, ap, pan, c, ldc, cols, acc, pf, pf1, bias); break;
    case 5: tile512x2_r(5, k, ap, pan, c, ldc, cols, acc, pf, pf1, bias); break;
    case 4: tile512x2_r(4, k, ap, pan, c, ldc, cols, acc, pf, pf1, bias); break;
    case 3: tile512x2_r(3, k, ap, pan, c, ldc, cols, acc, pf, pf1, bias); break;
    case 2: tile512x2_r(2, k, ap, pan, c, ldc, cols, acc, pf, pf1, bias); break;
    case 1: tile512x2_r(1, k, ap, pan, c, ldc, cols, acc, pf, pf1, bias); break;
    default: break;
    }
}

// AVX2 + FMA: R (≤ 6) rows × 16 columns (half a panel), in 2R registers over the whole k.
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))
void tile256_r(const int R, int k, const float *ap, const float *pan, float *c, int ldc, int cols, int acc,
               const char *pf, const float *bias) {
    __m256 s0[SP_MR256], s1[SP_MR256];
#pragma clang loop unroll(full)
    for (int r = 0; r < SP_MR256; r++) {
        if (r < R) { s0[r] = _mm256_setzero_ps(); s1[r] = _mm256_setzero_ps(); }
    }
    for (int p = 0; p < k; p++) {
        const __m256 b0 = _mm256_loadu_ps(pan + (size_t)p * SP_NR);
        const __m256 b1 = _mm256_loadu_ps(pan + (size_t)p * SP_NR + 8);
        _mm_prefetch((const char *)(pan + (size_t)(p + SP_PF) * SP_NR), _MM_HINT_T0);
        _mm_prefetch(pf + (size_t)p * 32, _MM_HINT_T1);
        const float *x = ap + p;
#pragma clang loop unroll(full)
        for (int r = 0; r < SP_MR256; r++) {
            if (r < R) {
                const __m256 xv = _mm256_broadcast_ss(x + r * SP_KC);
                s0[r] = _mm256_fmadd_ps(xv, b0, s0[r]);
                s1[r] = _mm256_fmadd_ps(xv, b1, s1[r]);
            }
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < SP_MR256; r++) {
        if (r < R) {
            float *cr = c + (size_t)r * ldc;
            if (cols >= 16) {
                __m256 v0 = s0[r], v1 = s1[r];
                if (acc) {
                    v0 = _mm256_add_ps(_mm256_loadu_ps(cr), v0); v1 = _mm256_add_ps(_mm256_loadu_ps(cr + 8), v1);
                } else if (bias) {
                    const __m256 bv = _mm256_broadcast_ss(bias + r);
                    v0 = _mm256_add_ps(bv, v0); v1 = _mm256_add_ps(bv, v1);
                }
                _mm256_storeu_ps(cr, v0);
                _mm256_storeu_ps(cr + 8, v1);
            } else {
                float t[16];
                _mm256_storeu_ps(t, s0[r]);
                _mm256_storeu_ps(t + 8, s1[r]);
                for (int j = 0; j < cols; j++) cr[j] = acc ? cr[j] + t[j] : bias ? bias[r] + t[j] : t[j];
            }
        }
    }
}

__attribute__((target("avx2,fma")))
static void tile256(int rows, int k, const float *ap, const float *pan, float *c, int ldc, int cols, int acc, const char *pf,
                    const float *bias) {
    // The panel's two 16-column halves in turn.
    for (int h = 0; h < 2 && h * 16 < cols; h++) {
        const float *ph = pan + h * 16;
        float *ch = c + h * 16;
        const int hc = sp_min(16, cols - h * 16);
        switch (rows) {
        case 6: tile256_r(6, k, ap, ph, ch, ldc, hc, acc, pf + h * 32 * k, bias); break;
        case 5: tile256_r(5, k, ap, ph, ch, ldc, hc, acc, pf + h * 32 * k, bias); break;
        case 4: tile256_r(4, k, ap, ph, ch, ldc, hc, acc, pf + h * 32 * k, bias); break;
        case 3: tile256_r(3, k, ap, ph, ch, ldc, hc, acc, pf + h * 32 * k, bias); break;
        case 2: tile256_r(2, k, ap, ph, ch, ldc, hc, acc, pf + h * 32 * k, bias); break;
        case 1: tile256_r(1, k, ap, ph, ch, ldc, hc, acc, pf + h * 32 * k, bias); break;
        default: break;
        }
    }
}
#endif

/// The panel-outer order's copy of A (SP_MC × SP_KC floats, 64-byte aligned), one per thread,
/// freed when the thread exits; NULL when it cannot be allocated (the other order runs then).
static pthread_key_t sp_ablock_key;
static pthread_once_t sp_ablock_once = PTHREAD_ONCE_INIT;
static int sp_ablock_ready = 0;
static void sp_ablock_init(void) { sp_ablock_ready = pthread_key_create(&sp_ablock_key, free) == 0; }

static float *sp_ablock(void) {
    pthread_once(&sp_ablock_once, sp_ablock_init);
    if (!sp_ablock_ready) return 0;
    float *block = (float *)pthread_getspecific(sp_ablock_key);
    if (block) return block;
    void *fresh = 0;
    if (posix_memalign(&fresh, 64, (size_t)SP_MC * SP_KC * sizeof(float)) != 0) return 0;
    if (pthread_setspecific(sp_ablock_key, fresh) != 0) { free(fresh); return 0; }
    return (float *)fresh;
}

/// One register tile × one panel at `level` (the vector kernels prefetch a line of `pf` per step).
static void run_tile(int level, int rows, int kc, const float *ap, const float *pan, float *c, int ldc, int cols,
                     int acc, const char *pf, const float *bias) {
#if SP_X86
    if (level == 2) { tile512(rows, kc, ap, pan, c, ldc, cols, acc, pf, bias); return; }
    if (level == 1) { tile256(rows, kc, ap, pan, c, ldc, cols, acc, pf, bias); return; }
#else
    (void)pf;
#endif
    tile_plain(rows, kc, ap, pan, c, ldc, cols, acc, bias);
}

/// The prefetch stream of the panel-outer order: the rest of the current block after the
/// panels in use, then the next block, handed out kc lines per kernel call and kept at most
/// `window` bytes ahead of the panels in use.
typedef struct {
    const char *blk, *next;
    size_t blkBytes, nextBytes, pos, window;
} sp_pf_stream;

static const char *sp_pf_take(sp_pf_stream *s, size_t inUseEnd, size_t bytes, const char *fallback) {
    if (s->pos < inUseEnd) s->pos = inUseEnd;
    if (s->pos >= inUseEnd + s->window) return fallback;
    const size_t at = s->pos;
    const char *p = at < s->blkBytes ? s->blk + at : at - s->blkBytes < s->nextBytes ? s->next + (at - s->blkBytes) : 0;
    if (!p) return fallback;
    s->pos += bytes;
    return p;
}

/// The packed block after the one of rows k0.. and columns jc..jc1 (of j0..j1): the next KC rows
/// of these columns, or the first KC rows of the next column block; NULL after the last. Its
/// size in bytes (whole panels) in *bytes. Both orders prefetch it into L2 while the current
/// block runs: the first register tile of a block otherwise waits for memory (weights used
/// once per run are not in any cache).
static const char *sp_next_block(const float *packed, size_t npad, int k, int k0, int jc, int jc1, int j1,
                                 size_t *bytes) {
    *bytes = 0;
    if (k0 + SP_KC < k) {
        const int nkc = sp_min(SP_KC, k - k0 - SP_KC);
        *bytes = (size_t)(sp_round_up(jc1, SP_NR) - jc) * nkc * sizeof(float);
        return (const char *)(packed + (size_t)(k0 + SP_KC) * npad + (size_t)jc * nkc);
    }
    if (jc1 < j1) {
        const int nkc = sp_min(SP_KC, k);
        *bytes = (size_t)(sp_round_up(sp_min(j1, jc1 + SP_NC), SP_NR) - jc1) * nkc * sizeof(float);
        return (const char *)(packed + (size_t)jc1 * nkc);
    }
    return 0;
}

/// Whether the panel-outer order runs 6 × 64 tiles (yes unless SURGEON_GEMM_WIDE=0, an A/B
/// switch). ViT-B/16's four shapes in a C harness, best of 6 × 40: 128-149 → 140-166 GFLOP/s.
static int sp_gemm_wide_env = -1;
static int sp_gemm_wide(void) { return sp_switch_digit("SURGEON_GEMM_WIDE", &sp_gemm_wide_env, 1) != 0; }

/// The panel-outer order (see the top of the file) for m ≤ MC rows; `ablock` holds MC × KC floats.
static int gemm_panel_outer(int level, int mr, int m, int n, int k, const float *a, int lda, const float *packed,
                            size_t npad, float *c, int ldc, int j0, int j1, int accumulate, const float *bias,
                            sp_gemm_epilogue epilogue, void *context, float *ablock) {
    (void)n;
    for (int jc = j0; jc < j1; jc += SP_NC) {
        const int jc1 = sp_min(j1, jc + SP_NC);
        for (int k0 = 0; k0 < k; k0 += SP_KC) {
            const int kc = sp_min(SP_KC, k - k0);
            const int acc = accumulate || k0 > 0, last = k0 + kc >= k;
            const float *blk = packed + (size_t)k0 * npad;
            // Row i of A's block at ablock + i × KC: register tile i0 starts at ablock + i0 × KC,
            // the layout pack_a_tile gives each tile.
            pack_a_tile(a + k0, lda, m, kc, ablock);
            sp_pf_stream pf = {0};
            pf.blk = (const char *)(blk + (size_t)jc * kc);
            pf.blkBytes = (size_t)(sp_round_up(jc1, SP_NR) - jc) * kc * sizeof(float);
            pf.next = sp_next_block(packed, npad, k, k0, jc, jc1, j1, &pf.nextBytes);
            // Up to four pairs of panels ahead (256 KiB at kc = 256).
            pf.window = (size_t)8 * kc * SP_NR * sizeof(float);
            const size_t line = (size_t)kc * 64;
            // Two panels at a time: on AVX-512 in tiles of 6 rows × 64 columns (tile512x2;
            // SURGEON_GEMM_WIDE=0: 12 × 32 tiles, and 4 × 64 for the last ≤ 4 rows).
            for (int jp = jc; jp < jc1; jp += 2 * SP_NR) {
                const int cols = sp_min(2 * SP_NR, jc1 - jp);
                const float *pan = blk + (size_t)jp * kc;
                const size_t inUseEnd = (size_t)(jp - jc) * kc * sizeof(float) + (size_t)2 * kc * SP_NR * sizeof(float);
                const int wide = level == 2 && cols > SP_NR && sp_gemm_wide();
                const int step = wide ? SP_MRWIDE : mr;
                for (int i = 0; i < m; i += step) {
                    const int rows = sp_min(step, m - i);
                    const float *ap = ablock + (size_t)i * SP_KC;
                    float *ci = c + (size_t)i * ldc + jp;
                    const float *bi = bias && !acc ? bias + i : 0;
                    const char *pf0 = sp_pf_take(&pf, inUseEnd, line, (const char *)pan);
#if SP_X86
                    if (level == 2 && (wide || rows <= 4) && cols > SP_NR) {
                        const char *pf1 = sp_pf_take(&pf, inUseEnd, line, (const char *)pan);
                        tile512x2(rows, kc, ap, pan, ci, ldc, cols, acc, pf0, pf1, bi);
                        continue;
                    }
#endif
                    run_tile(level, rows, kc, ap, pan, ci, ldc, sp_min(SP_NR, cols), acc, pf0, bi);
                    if (cols > SP_NR) {
                        const char *pf1 = sp_pf_take(&pf, inUseEnd, line, (const char *)pan);
                        run_tile(level, rows, kc, ap, pan + (size_t)kc * SP_NR, ci + SP_NR, ldc, cols - SP_NR, acc, pf1, bi);
                    }
                }
            }
            // The column block's rows are final: the epilogue, tile by tile as the other order.
            if (last && epilogue) {
                for (int i = 0; i < m; i += mr) epilogue(context, c + (size_t)i * ldc + jc, sp_min(mr, m - i), jc, jc1 - jc);
            }
        }
    }
    return 0;
}

int sp_gemm_packed(int level, int m, int n, int k, const float *a, int lda, const float *packed,
                   float *c, int ldc, int j0, int j1, int accumulate, sp_gemm_epilogue epilogue, void *context) {
    return sp_gemm_packed_bias(level, m, n, k, a, lda, packed, c, ldc, j0, j1, accumulate, 0, epilogue, context);
}

/// The order sp_gemm_packed_bias uses: 0 (choose) unless SURGEON_GEMM_ORDER is "1"
/// (tile-outer) or "2" (panel-outer), for A/B runs.
static int sp_gemm_order_env = -1;
static int sp_gemm_default_order(void) {
    const int o = sp_switch_digit("SURGEON_GEMM_ORDER", &sp_gemm_order_env, 0);
    return o <= 2 ? o : 0;
}

int sp_gemm_packed_bias(int level, int m, int n, int k, const float *a, int lda, const float *packed,
                        float *c, int ldc, int j0, int j1, int accumulate, const float *bias,
                        sp_gemm_epilogue epilogue, void *context) {
    return sp_gemm_packed_order(level, m, n, k, a, lda, packed, c, ldc, j0, j1, accumulate, bias, epilogue, context,
                                sp_gemm_default_order());
}

int sp_gemm_packed_order(int level, int m, int n, int k, const float *a, int lda, const float *packed,
                         float *c, int ldc, int j0, int j1, int accumulate, const float *bias,
                         sp_gemm_epilogue epilogue, void *context, int order) {
    if (j1 > n) j1 = n;
    if (m <= 0 || j0 >= j1 || j0 < 0) return 0;
    if (accumulate) bias = 0;
    if (k <= 0) {
        for (int i = 0; i < m; i++) {
            float *ci = c + (size_t)i * ldc + j0;
            if (bias) {
                for (int j = 0; j < j1 - j0; j++) ci[j] = bias[i];
            } else if (!accumulate) {
                memset(ci, 0, (size_t)(j1 - j0) * sizeof(float));
            }
            if (epilogue) epilogue(context, c + (size_t)i * ldc + j0, 1, j0, j1 - j0);
        }
        return 0;
    }
#if SP_X86
    if (level > sp_gemm_level()) level = sp_gemm_level();
#else
    level = 0;
#endif
    const int mr = level == 2 ? SP_MR512 : level == 1 ? SP_MR256 : SP_MRPLAIN;
    const size_t npad = (size_t)sp_round_up(n, SP_NR);
    // Panel-outer (see the top of the file) for more than one register tile and at most MC
    // rows, unless `order` asks for one (1: tile-outer, 2: panel-outer where m ≤ MC).
    float *ablock = 0;
    if (order == 2 || (order == 0 && m > mr)) ablock = m <= SP_MC ? sp_ablock() : 0;
    if (ablock) return gemm_panel_outer(level, mr, m, n, k, a, lda, packed, npad, c, ldc, j0, j1, accumulate, bias,
                                        epilogue, context, ablock);
    // One register tile of A (at most KC × 12 floats, 12 KiB), 64-byte aligned.
    float apk[SP_KC * SP_MR512] __attribute__((aligned(64)));
    for (int jc = j0; jc < j1; jc += SP_NC) {
        const int jc1 = sp_min(j1, jc + SP_NC);
        for (int k0 = 0; k0 < k; k0 += SP_KC) {
            const int kc = sp_min(SP_KC, k - k0);
            const int acc = accumulate || k0 > 0, last = k0 + kc >= k;
            const float *blk = packed + (size_t)k0 * npad;
            // The next block (sp_next_block), prefetched into L2 a line per step.
            size_t nextBytes = 0, pfOffset = 0;
            const char *next = sp_next_block(packed, npad, k, k0, jc, jc1, j1, &nextBytes);
            for (int i = 0; i < m; i += mr) {
                const int rows = sp_min(mr, m - i);
                pack_a_tile(a + (size_t)i * lda + k0, lda, rows, kc, apk);
                float *ci = c + (size_t)i * ldc;
                const float *bi = bias && !acc ? bias + i : 0;
                for (int jp = jc; jp < jc1; jp += SP_NR) {
                    const int cols = sp_min(SP_NR, jc1 - jp);
                    const float *pan = blk + (size_t)jp * kc;
                    // A line per step (AVX-512: kc lines per call; AVX2 runs two halves of kc).
                    const char *pf = (const char *)pan;
                    if (pfOffset < nextBytes) {
                        pf = next + pfOffset;
                        pfOffset += (size_t)kc * 64;
                    }
#if SP_X86
                    if (level == 2 && rows <= 4 && jp + SP_NR < jc1) {
                        // Few rows: this panel and the next at once (tile512x2_r).
                        const char *pf1 = (const char *)(pan + (size_t)kc * SP_NR);
                        if (pfOffset < nextBytes) {
                            pf1 = next + pfOffset;
                            pfOffset += (size_t)kc * 64;
                        }
                        tile512x2(rows, kc, apk, pan, ci + jp, ldc, sp_min(2 * SP_NR, jc1 - jp), acc, pf, pf1, bi);
                        jp += SP_NR;
                        continue;
                    }
                    if (level == 2) { tile512(rows, kc, apk, pan, ci + jp, ldc, cols, acc, pf, bi); continue; }
                    if (level == 1) { tile256(rows, kc, apk, pan, ci + jp, ldc, cols, acc, pf, bi); continue; }
#endif
                    tile_plain(rows, kc, apk, pan, ci + jp, ldc, cols, acc, bi);
                }
                // These rows of this column block are final: the epilogue, while they are in cache.
                if (last && epilogue) epilogue(context, ci + jc, rows, jc, jc1 - jc);
            }
        }
    }
    return 0;
}
