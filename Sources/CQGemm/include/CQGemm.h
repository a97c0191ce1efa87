// An 8-bit integer matrix product for quantized convolutions: C (int32) = A (uint8) × Wᵀ
// (int8), on AVX-512 VNNI (`vpdpbusd`, 64 multiply-adds per instruction) when the CPU has it.
// Like OpenBLAS for float32 GEMM, a narrow accelerator under the Swift core: SurgeonTensor
// wraps it (QGemm.swift), keeps a plain Swift kernel as the yardstick, and uses this one only
// when `sq_qgemm_available()` says the CPU and OS run it (runtime dispatch; the rest of the
// file is compiled for the baseline target).
#ifndef CQGEMM_H
#define CQGEMM_H

#include <stddef.h>
#include <stdint.h>

/// Rows of A (positions) per kernel block and rows of W (output channels) per packed panel.
#define SQ_QGEMM_MR 8
#define SQ_QGEMM_NR 32

/// 1 when the AVX-512 VNNI kernel can run here, else 0.
int sq_qgemm_available(void);

/// Bytes of W (n × k int8) packed for the kernel: n rounded up to NR, k up to 4.
size_t sq_qgemm_packed_w_size(int n, int k);

/// Packs row-major int8 W (n × k, row stride ldw) into `packed` (sq_qgemm_packed_w_size
/// bytes): panels of NR rows of W; in each, for every 4 consecutive k, NR × 4 bytes; zero padded.
void sq_qgemm_pack_w(const int8_t *w, int ldw, int n, int k, int8_t *packed);

/// Where the products may put their sums instead of an int32 C: dequantized, as float planes.
/// For output channel j and row (position) i: out[j * positions + i] = (float)(sum - corr[j]) *
/// scale[j] + bias[j], the subtraction wrapping, then a rounded conversion, a product and a sum,
/// each rounded on its own (no fused multiply-add): a quantized convolution's float32 output in
/// [M, positions], written by the kernel from its registers.
typedef struct {
    const int32_t *corr;
    const float *scale;
    const float *bias;
    float *out;
    long positions;
} sq_dq;

/// C[i][j] = sum over p < k of A[i][p] * W[j][p], for m0 <= i < m1 and j < n; wrapping int32.
/// A row-major uint8 with row stride lda, a multiple of 4 holding at least k rounded up to 4
/// bytes per row (the bytes past k are read and multiplied by the zero padding of W);
/// `rows` is A's total row count (rows past it are never read). W packed by sq_qgemm_pack_w;
/// C row-major int32 (row stride ldc), or, when dq is not NULL, the sums dequantized into dq's
/// planes (C not used). Only call when sq_qgemm_available().
void sq_qgemm_u8s8(int m0, int m1, int rows, int n, int k, const uint8_t *a, int lda,
                   const int8_t *packedW, int32_t *c, int ldc, const sq_dq *dq);

/// C[i][j] = sum over taps t < T and p < cin of ind[i * T + t][p] * W[j][t * cin + p], for
/// m0 <= i < m1 and j < n (an indirect product: each row of A is T runs of cin bytes, wherever
/// they are, a convolution's taps read in place from an NHWC image); cin a multiple of 4, W
/// packed by sq_qgemm_pack_w with k = T * cin. The sums go to C or, when dq is not NULL,
/// dequantized into dq's planes. Only call when sq_qgemm_available().
void sq_qgemm_u8s8_indirect(int m0, int m1, int n, int taps, int cin, const uint8_t *const *ind,
                            const int8_t *packedW, int32_t *c, int ldc, const sq_dq *dq);

/// dst[j * ds + i] = src[i * ss + j] ^ flip for i < rows, j < cols: a byte matrix transposed
/// (a quantized convolution's uint8 input from [C, pixels] to [pixels, C]), 16 × 16 blocks
/// through SSE2 unpacks, the rest byte by byte.
void sq_transpose_u8(const uint8_t *src, long rows, long cols, long ss, uint8_t *dst, long ds, uint8_t flip);

#endif
