// See include/CQGemm.h. The kernel functions carry their own target attribute; nothing here
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

size_t sq_qgemm_packed_a_size(int m, int k) {
    if (m <= 0 || k <= 0) return 0;
    return (size_t)round_up(m, SQ_QGEMM_MR) * (size_t)round_up(k, 4);
}

void sq_qgemm_pack_a(const int8_t *a, int lda, int m, int k, int8_t *packed) {
    if (m <= 0 || k <= 0) return;
    const int k4 = round_up(k, 4) / 4;
    // Block of MR rows: for each group of 4 k, MR rows × 4 bytes.
    for (int i0 = 0; i0 < m; i0 += SQ_QGEMM_MR) {
        int8_t *dst = packed + (size_t)i0 * k4 * 4;
        for (int q = 0; q < k4; q++) {
            for (int r = 0; r < SQ_QGEMM_MR; r++) {
                for (int j = 0; j < 4; j++) {
                    const int i = i0 + r, p = q * 4 + j;
                    dst[(q * SQ_QGEMM_MR + r) * 4 + j] = (i < m && p < k) ? a[(size_t)i * lda + p] : 0;
                }
            }
        }
    }
}

size_t sq_qgemm_scratch_size(int k) {
    if (k <= 0) return 64;
    return (size_t)round_up(k, 4) * SQ_QGEMM_NR + 64;
}

#if SQ_X86
// One panel of NR columns of B (columns j0 ..< j0 + cols, cols <= NR) into the kernel's layout:
// for each group of 4 rows, NR columns × 4 bytes (zero where past k or past cols).
__attribute__((target("avx512f,avx512bw")))
static void pack_b_panel(const uint8_t *b, int ldb, int k, int j0, int cols, uint8_t *dst) {
    const int k4 = round_up(k, 4) / 4;
    static const uint8_t zeros[SQ_QGEMM_NR] = {0};
    for (int q = 0; q < k4; q++) {
        const uint8_t *rows[4];
        for (int j = 0; j < 4; j++) {
            const int p = q * 4 + j;
            rows[j] = p < k ? b + (size_t)p * ldb + j0 : zeros;
        }
        uint8_t *out = dst + (size_t)q * SQ_QGEMM_NR * 4;
        if (cols == SQ_QGEMM_NR) {
            // A 4 × 32 byte transpose: interleave bytes of row pairs, then 16-bit pairs.
            for (int h = 0; h < SQ_QGEMM_NR; h += 16) {
                __m128i r0 = _mm_loadu_si128((const __m128i *)(rows[0] + h));
                __m128i r1 = _mm_loadu_si128((const __m128i *)(rows[1] + h));
                __m128i r2 = _mm_loadu_si128((const __m128i *)(rows[2] + h));
                __m128i r3 = _mm_loadu_si128((const __m128i *)(rows[3] + h));
                __m128i t0 = _mm_unpacklo_epi8(r0, r1), t1 = _mm_unpackhi_epi8(r0, r1);
                __m128i t2 = _mm_unpacklo_epi8(r2, r3), t3 = _mm_unpackhi_epi8(r2, r3);
                _mm_storeu_si128((__m128i *)(out + h * 4 + 0), _mm_unpacklo_epi16(t0, t2));
                _mm_storeu_si128((__m128i *)(out + h * 4 + 16), _mm_unpackhi_epi16(t0, t2));
                _mm_storeu_si128((__m128i *)(out + h * 4 + 32), _mm_unpacklo_epi16(t1, t3));
                _mm_storeu_si128((__m128i *)(out + h * 4 + 48), _mm_unpackhi_epi16(t1, t3));
            }
        } else {
            for (int c = 0; c < SQ_QGEMM_NR; c++) {
                for (int j = 0; j < 4; j++) out[c * 4 + j] = c < cols ? rows[j][c] : 0;
            }
        }
    }
}

// MR rows × NR columns of C over the whole k: 16 accumulators, two B vectors per 4 k.
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void kernel_8x32(int k4, const int8_t *pa, const uint8_t *pb, int rows, int cols,
                        int32_t *c, int ldc) {
    __m512i c00 = _mm512_setzero_si512(), c01 = _mm512_setzero_si512();
    __m512i c10 = _mm512_setzero_si512(), c11 = _mm512_setzero_si512();
    __m512i c20 = _mm512_setzero_si512(), c21 = _mm512_setzero_si512();
    __m512i c30 = _mm512_setzero_si512(), c31 = _mm512_setzero_si512();
    __m512i c40 = _mm512_setzero_si512(), c41 = _mm512_setzero_si512();
    __m512i c50 = _mm512_setzero_si512(), c51 = _mm512_setzero_si512();
    __m512i c60 = _mm512_setzero_si512(), c61 = _mm512_setzero_si512();
    __m512i c70 = _mm512_setzero_si512(), c71 = _mm512_setzero_si512();
    const int32_t *a32 = (const int32_t *)pa;
    for (int q = 0; q < k4; q++) {
        const __m512i b0 = _mm512_loadu_si512((const void *)(pb + (size_t)q * 128));
        const __m512i b1 = _mm512_loadu_si512((const void *)(pb + (size_t)q * 128 + 64));
        const int32_t *aq = a32 + (size_t)q * SQ_QGEMM_MR;
        __m512i a;
        a = _mm512_set1_epi32(aq[0]); c00 = _mm512_dpbusd_epi32(c00, b0, a); c01 = _mm512_dpbusd_epi32(c01, b1, a);
        a = _mm512_set1_epi32(aq[1]); c10 = _mm512_dpbusd_epi32(c10, b0, a); c11 = _mm512_dpbusd_epi32(c11, b1, a);
        a = _mm512_set1_epi32(aq[2]); c20 = _mm512_dpbusd_epi32(c20, b0, a); c21 = _mm512_dpbusd_epi32(c21, b1, a);
        a = _mm512_set1_epi32(aq[3]); c30 = _mm512_dpbusd_epi32(c30, b0, a); c31 = _mm512_dpbusd_epi32(c31, b1, a);
        a = _mm512_set1_epi32(aq[4]); c40 = _mm512_dpbusd_epi32(c40, b0, a); c41 = _mm512_dpbusd_epi32(c41, b1, a);
        a = _mm512_set1_epi32(aq[5]); c50 = _mm512_dpbusd_epi32(c50, b0, a); c51 = _mm512_dpbusd_epi32(c51, b1, a);
        a = _mm512_set1_epi32(aq[6]); c60 = _mm512_dpbusd_epi32(c60, b0, a); c61 = _mm512_dpbusd_epi32(c61, b1, a);
        a = _mm512_set1_epi32(aq[7]); c70 = _mm512_dpbusd_epi32(c70, b0, a); c71 = _mm512_dpbusd_epi32(c71, b1, a);
    }
    const __m512i acc[SQ_QGEMM_MR][2] = {
        {c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71},
    };
    const __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    const __mmask16 m1 = cols >= 32 ? (__mmask16)0xFFFF : cols <= 16 ? (__mmask16)0 : (__mmask16)((1u << (cols - 16)) - 1);
    for (int r = 0; r < rows; r++) {
        int32_t *row = c + (size_t)r * ldc;
        _mm512_mask_storeu_epi32(row, m0, acc[r][0]);
        if (m1) _mm512_mask_storeu_epi32(row + 16, m1, acc[r][1]);
    }
}
#endif

void sq_qgemm_u8s8(int m, int n0, int n1, int k, const int8_t *packedA, const uint8_t *b, int ldb,
                   int32_t *c, int ldc, uint8_t *scratch) {
#if SQ_X86
    if (m <= 0 || n1 <= n0) return;
    if (k <= 0) {
        for (int i = 0; i < m; i++) memset(c + (size_t)i * ldc + n0, 0, (size_t)(n1 - n0) * sizeof(int32_t));
        return;
    }
    const int k4 = round_up(k, 4) / 4;
    // 64-byte aligned panel inside the scratch.
    uint8_t *panel = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    for (int j = n0; j < n1; j += SQ_QGEMM_NR) {
        const int cols = n1 - j < SQ_QGEMM_NR ? n1 - j : SQ_QGEMM_NR;
        pack_b_panel(b, ldb, k, j, cols, panel);
        for (int i = 0; i < m; i += SQ_QGEMM_MR) {
            const int rows = m - i < SQ_QGEMM_MR ? m - i : SQ_QGEMM_MR;
            kernel_8x32(k4, packedA + (size_t)i * k4 * 4, panel, rows, cols, c + (size_t)i * ldc + j, ldc);
        }
    }
#else
    (void)m; (void)n0; (void)n1; (void)k; (void)packedA; (void)b; (void)ldb; (void)c; (void)ldc; (void)scratch;
#endif
}
