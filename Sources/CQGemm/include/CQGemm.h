// An 8-bit integer matrix product for quantized convolutions: C (int32) = A (int8) × B (uint8),
// on AVX-512 VNNI (`vpdpbusd`, 64 multiply-adds per instruction) when the CPU has it.
// Like OpenBLAS for float32 GEMM, a narrow accelerator under the Swift core: SurgeonTensor
// wraps it (QGemm.swift), keeps a plain Swift kernel as the yardstick, and uses this one only
// when `sq_qgemm_available()` says the CPU and OS run it (runtime dispatch; the rest of the
// file is compiled for the baseline target).
#ifndef CQGEMM_H
#define CQGEMM_H

#include <stddef.h>
#include <stdint.h>

/// Rows of A per kernel block and columns of B per panel.
#define SQ_QGEMM_MR 8
#define SQ_QGEMM_NR 32

/// 1 when the AVX-512 VNNI kernel can run here, else 0.
int sq_qgemm_available(void);

/// Bytes of A (m × k) packed for the kernel: m and k rounded up to MR and 4.
size_t sq_qgemm_packed_a_size(int m, int k);

/// Packs row-major int8 A (m × k, row stride lda) into `packed`
/// (sq_qgemm_packed_a_size bytes): blocks of MR rows, 4 consecutive k per row, zero padded.
void sq_qgemm_pack_a(const int8_t *a, int lda, int m, int k, int8_t *packed);

/// Bytes of scratch one call of sq_qgemm_u8s8 needs for a given k (one packed panel of B).
size_t sq_qgemm_scratch_size(int k);

/// C[i][j] = sum over p < k of A[i][p] * B[p][j], for i < m and n0 <= j < n1; wrapping int32.
/// A packed by sq_qgemm_pack_a; B row-major uint8 (k × ldb); C row-major int32 (row stride
/// ldc). `scratch` holds sq_qgemm_scratch_size(k) bytes. Only call when sq_qgemm_available().
void sq_qgemm_u8s8(int m, int n0, int n1, int k, const int8_t *packedA, const uint8_t *b, int ldb,
                   int32_t *c, int ldc, uint8_t *scratch);

#endif
