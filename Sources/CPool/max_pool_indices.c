// See include/CPool.h (sp_maxpool_indices_rows). Nothing here runs AVX2 code unless
// sp_pool_level() reported it.
#include "CPool.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define SPI_X86 1
#else
#define SPI_X86 0
#endif

long sp_maxpool_indices_line(int w, int ow, int kw, int sw, int dw, int pl) {
    long reach = (long)(ow + 8) * sw + (long)(kw - 1) * dw + 16;
    long need = (long)pl + w + 16;
    return reach > need ? reach : need;
}

#if SPI_X86
#define AVX2I __attribute__((target("avx2"))) static inline __attribute__((always_inline))

/// The line values of output columns x0 ..< x0 + 8 at tap offset `off` (positions x·sw + off).
AVX2I __m256 mpi_load(const float *buf, int x0, int sw, int off, __m256i gidx) {
    const float *p = buf + (long)x0 * sw + off;
    if (sw == 1) return _mm256_loadu_ps(p);
    if (sw == 2) {
        __m256 e = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), 0x88);
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
    }
    return _mm256_i32gather_ps(p, gidx, 4);
}

__attribute__((target("avx2")))
static void mpi_rows_avx2(const float *src, long planeSize, int h, int w, int od, int oh, int ow, int kw,
                          const int *taps, int bd, int bh, int bw, int dd, int dh, int dw, int sw, int pl,
                          int s0, int s1, int s2, float *vals, long long *idx, float *scratch, long r0, long r1) {
    const long lineLen = sp_maxpool_indices_line(w, ow, kw, sw, dw, pl);
    float *line = scratch, *mid = line + pl;
    float *bestS = line + lineLen;
    int *atS = (int *)(bestS + ow + 8);
    for (long i = 0; i < lineLen; i++) line[i] = -INFINITY;
    const __m256i gidx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(sw));
    // Lane l of a block reads input column (x0 + l)·sw - pl + k·dw: its index part steps by sw·s2.
    const __m256i colStep = _mm256_mullo_epi32(gidx, _mm256_set1_epi32(s2));
    const long rowsPerPlane = (long)od * oh;
    for (long r = r0; r < r1; r++) {
        const long plane = r / rowsPerPlane, zr = r % rowsPerPlane;
        const int z = (int)(zr / oh), y = (int)(zr % oh);
        const int *td = taps + bd + 3 * z, *th = taps + bh + 3 * y;
        const float *s = src + plane * planeSize;
        float *v = vals + r * ow;
        long long *ix = idx + r * ow;
        const long long base = (long long)plane * planeSize;
        if (td[0] >= td[1] || th[0] >= th[1]) {
            for (int x = 0; x < ow; x++) { v[x] = 0; ix[x] = base; }
            continue;
        }
        // -inf and the first tap's position, replaced by a larger value or the first NaN (taps
        // outside the input read the line's -inf, which is never taken).
        const int rowFirst = (td[2] + td[0] * dd) * s0 + (th[2] + th[0] * dh) * s1;
        for (int x = 0; x < ow + 8; x++) {
            const int *tw = taps + bw + 3 * (x < ow ? x : 0);
            bestS[x] = -INFINITY;
            atS[x] = tw[0] >= tw[1] ? 0 : rowFirst + (tw[2] + tw[0] * dw) * s2;
        }
        for (int kd = td[0]; kd < td[1]; kd++) {
            const int pd = td[2] + kd * dd;
            for (int kh = th[0]; kh < th[1]; kh++) {
                const int ph = th[2] + kh * dh;
                memcpy(mid, s + ((long)pd * h + ph) * w, sizeof(float) * (size_t)w);
                const int rowAt = pd * s0 + ph * s1;
                for (int x0 = 0; x0 < ow; x0 += 8) {
                    __m256 best = _mm256_loadu_ps(bestS + x0);
                    __m256i at = _mm256_loadu_si256((const __m256i *)(atS + x0));
                    const __m256i col0 = _mm256_add_epi32(_mm256_set1_epi32(rowAt + (x0 * sw - pl) * s2), colStep);
                    for (int k = 0; k < kw; k++) {
                        __m256 val = mpi_load(line, x0, sw, k * dw, gidx);
                        __m256 take = _mm256_or_ps(_mm256_cmp_ps(val, best, _CMP_GT_OQ),
                                                   _mm256_and_ps(_mm256_cmp_ps(val, val, _CMP_UNORD_Q),
                                                                 _mm256_cmp_ps(best, best, _CMP_ORD_Q)));
                        best = _mm256_blendv_ps(best, val, take);
                        __m256i pos = _mm256_add_epi32(col0, _mm256_set1_epi32(k * dw * s2));
                        at = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(at), _mm256_castsi256_ps(pos), take));
                    }
                    _mm256_storeu_ps(bestS + x0, best);
                    _mm256_storeu_si256((__m256i *)(atS + x0), at);
                }
            }
        }
        for (int x = 0; x < ow; x++) {
            const int *tw = taps + bw + 3 * x;
            const int empty = tw[0] >= tw[1];
            v[x] = empty ? 0 : bestS[x];
            ix[x] = base + atS[x];
        }
    }
}
#endif

int sp_maxpool_indices_rows(const float *src, long planeSize, int h, int w, int od, int oh, int ow, int kw,
                            const int *taps, int bd, int bh, int bw, int dd, int dh, int dw, int sw, int pl,
                            int s0, int s1, int s2, float *vals, long long *idx, float *scratch, long r0, long r1) {
#if SPI_X86
    if (sp_pool_level() < 1) return -1;
    mpi_rows_avx2(src, planeSize, h, w, od, oh, ow, kw, taps, bd, bh, bw, dd, dh, dw, sw, pl, s0, s1, s2,
                  vals, idx, scratch, r0, r1);
    return 0;
#else
    return -1;
#endif
}
