// A float32 matrix product against a pre-packed B (a constant weight), for linear layers:
// OpenBLAS has no public packing API and re-packs B on every call (for ViT-B/16, ~340 MB of
// copying per run, 14% of the run); this packs it once. Like CQGemm, a narrow accelerator
// under the Swift core: SurgeonTensor wraps it (PackedGemm.swift), the kernels carry their own
// target attributes and run only when `sp_gemm_level()` says the CPU has the instructions (the
// rest is compiled for the baseline target), and a plain C kernel over the same packed layout
// runs everywhere else (tests check every kernel against the plain triple loop).
#ifndef CPACKEDGEMM_H
#define CPACKEDGEMM_H

#include <stddef.h>
#include <stdint.h>

/// Columns of B per packed panel.
#define SP_GEMM_NR 32

/// The kernel set this CPU runs: 2 = AVX-512F, 1 = AVX2 + FMA, 0 = the plain C kernel.
int sp_gemm_level(void);

/// Floats of B (k × n) packed: n rounded up to NR, times k.
size_t sp_gemm_packed_size(int k, int n);

/// Packs B into `packed` (sp_gemm_packed_size floats). B is k × n row-major with row stride
/// ldb, or, when transB is 1, n × k row-major (Bᵀ stored). Layout: blocks of 256 rows of B
/// (the last one shorter), each in panels of NR columns (kc × NR floats row by row, columns
/// past n zero).
void sp_gemm_pack_b(const float *b, int ldb, int transB, int k, int n, float *packed);

/// The part of sp_gemm_pack_b's work for rows k_lo ..< k_hi of B (k_lo a multiple of 256,
/// k_hi one or k) and columns j_lo ..< j_hi (j_lo a multiple of NR, j_hi one or n), written
/// where sp_gemm_pack_b writes it: packing B in pieces, the caller can drop each piece of a
/// memory-mapped B once packed. Pieces covering B give sp_gemm_pack_b's result.
void sp_gemm_pack_b_part(const float *b, int ldb, int transB, int k, int n, int k_lo, int k_hi, int j_lo, int j_hi,
                         float *packed);

/// Called on a block of C once it is final: `rows` rows (stride ldc) of `cols` values starting
/// at column j0 (p = &C[i][j0]); at most one register tile of rows, at most 1024 columns.
typedef void (*sp_gemm_epilogue)(void *context, float *p, int rows, int j0, int cols);

/// C[i][j] (+)= sum over p < k of A[i][p] * B[p][j] for i < m, j0 <= j < j1, with B packed
/// by sp_gemm_pack_b (k × n). A row-major with row stride lda, C with row stride ldc; j0 a
/// multiple of NR. accumulate = 0 overwrites C, 1 adds to it. `level` at most
/// sp_gemm_level() (lower levels run too; tests use them). `epilogue` (may be NULL) sees
/// every element of C[0..<m][j0..<j1] exactly once, right after it is final. Returns 0.
int sp_gemm_packed(int level, int m, int n, int k, const float *a, int lda, const float *packed,
                   float *c, int ldc, int j0, int j1, int accumulate, sp_gemm_epilogue epilogue, void *context);

/// sp_gemm_packed with a value per row of C (`bias`, m values, may be NULL) that the products
/// add to when not accumulating: C[i][j] = bias[i] + sum(...), as if C held the bias and
/// accumulate were 1 (a convolution's bias, C's rows being its output channels). Ignored when
/// accumulate is 1.
int sp_gemm_packed_bias(int level, int m, int n, int k, const float *a, int lda, const float *packed,
                        float *c, int ldc, int j0, int j1, int accumulate, const float *bias,
                        sp_gemm_epilogue epilogue, void *context);

/// sp_gemm_packed_bias in a given loop order, for tests: 0 chooses (as sp_gemm_packed_bias),
/// 1 runs tile-outer (each register tile of A over every panel), 2 runs panel-outer where
/// m ≤ 240 (each panel of B over every register tile). Every order gives the same bits.
int sp_gemm_packed_order(int level, int m, int n, int k, const float *a, int lda, const float *packed,
                         float *c, int ldc, int j0, int j1, int accumulate, const float *bias,
                         sp_gemm_epilogue epilogue, void *context, int order);

/// A convolution's product without its im2col columns (conv_direct.c): for i < m and
/// j0 <= j < j1, C[i][j] = bias[i] (0 when bias is NULL) + sum over p < k of
/// A[i][p] * src[offs[p] + j]. Row p of the second operand is the input read in place at
/// offset offs[p] (one input channel and kernel tap in a padded plane). The vector kernels read
/// whole tiles of 32 (or 48) columns: src must be readable at offs[p] + j for every p and every
/// j < j0 + round_up(j1 - j0, 32) (the values read past j1 only reach columns not written).
/// A row-major with row stride lda, C with row stride ldc. `level` as for sp_gemm_packed.
/// The sums run over p in the same order whatever the range of rows or columns asked for, so a
/// caller may split the work among threads without changing a bit. Returns 0.
int sp_conv_direct(int level, int m, int k, const float *a, int lda, const float *src, const int *offs,
                   float *c, int ldc, int j0, int j1, const float *bias);

/// The register tile sp_conv_direct runs at `level` (capped as there) over n columns: its rows
/// of A (*rows) and its columns (*cols; the last tile of a range may be narrower). For callers
/// splitting a product among threads on tile boundaries; either pointer may be NULL.
void sp_conv_direct_tile(int level, int n, int *rows, int *cols);
/// sp_conv_direct, reading A in place (not copied into an L1 tile) in every block of at most
/// `aInPlaceUpTo` columns (0: never, as sp_conv_direct). The same sums in the same order, so the
/// same bits; pointwise convolutions on small maps (49 columns) pass 64.
int sp_conv_direct_a(int level, int m, int k, const float *a, int lda, const float *src, const int *offs,
                     float *c, int ldc, int j0, int j1, const float *bias, int aInPlaceUpTo);
/// sp_conv_direct with a 16-bit A: float16 values, or bfloat16 when `bfloat` is nonzero. Each
/// register tile of A is widened (exactly) into the L1 copy the float32 product makes anyway, so
/// the result is bit for bit sp_conv_direct's on the widened weights, and no float32 copy of the
/// weights is ever written (a float16 model's convolutions read half the weight bytes).
int sp_conv_direct_h(int level, int m, int k, const uint16_t *a, int lda, int bfloat, const float *src,
                     const int *offs, float *c, int ldc, int j0, int j1, const float *bias);

/// Whether sp_conv_direct_rows runs a product of depth k over columns [j0, j1) at `level`:
/// the AVX-512 kernels (level 2 on a CPU that has them), one block of depth (k <= 256), and not
/// the one-tile product of 49-64 columns.
int sp_conv_direct_rows_ok(int level, int k, int j0, int j1);
/// sp_conv_direct (A float32, or 16-bit as sp_conv_direct_h when `ah` is not NULL) storing
/// each column straight into the output planes: product row i, flat column j goes to
/// y[i * ystride + (j / wq) * wo + j % wq] when j % wq < wo; the columns j % wq >= wo are
/// computed and dropped. Nothing else of y is written. The same sums in the same order as
/// sp_conv_direct, so the same bits. Returns -1 (nothing written) unless
/// sp_conv_direct_rows_ok(level, k, j0, j1) and 0 < wo <= wq, else 0.
int sp_conv_direct_rows(int level, int m, int k, const float *a, const uint16_t *ah, int bfloat, int lda,
                        const float *src, const int *offs, float *y, long ystride, int wq, int wo, int j0, int j1,
                        const float *bias);

/// exp over float32 rows (vec_exp.c) for Softmax: the Cephes expf of the Swift `simdExp`
/// (about 1 ulp; below -87.33654 and -inf give 0, NaN stays NaN, above 88 is clamped to 88),
/// 16 lanes (AVX-512F) or 8 (AVX2 + FMA) at a time with fused multiply-adds, or a plain C loop
/// at level 0. `level` as for sp_gemm_packed. n may be any length (the last partial vector is
/// masked); n <= 0 does nothing.

/// The largest of p[0..<n] (-inf when n <= 0). With a NaN in the row the result may be NaN
/// or a number; either way a softmax of the row is all NaN.
float sp_exp_row_max(int level, const float *p, int n);

/// dst[i] = exp(src[i] - shift) for i < n; returns their sum (float lanes, summed at the end).
float sp_exp_shift_sum(int level, const float *src, float *dst, int n, float shift);

/// dst[i] = exp(src[i] - sub[i]) for i < n.
void sp_exp_sub(int level, const float *src, const float *sub, float *dst, int n);

/// The softmax of one row: m = max, dst[i] = exp(src[i] - m), then dst[i] *= 1 / sum.
/// dst may be src.
void sp_softmax_row(int level, const float *src, float *dst, int n);

/// The passes of DynamicQuantizeLinear (quantize_u8.c), 16 lanes (AVX-512F) or 8 (AVX2).
/// sp_range_finite: the min and max of n > 0 floats into *lo, *hi; returns 1, or 0 when one of
/// them is NaN or infinite (*lo, *hi not written), or -1 at level 0 (nothing done).
int sp_range_finite(int level, const float *src, long n, float *lo, float *hi);
/// sp_quantize_u8: dst[i] = min(255, max(0, round_half_even(src[i] / scale) + zp)), NaN giving
/// 0, with src[i] / scale the float32 quotient: the bits of QuantizeLinear's Swift loop for a
/// zero point zp holding a whole number in 0...255. Returns 0, or -1 at level 0 (nothing written).
int sp_quantize_u8(int level, const float *src, long n, float scale, float zp, unsigned char *dst);
/// sp_fake_quantize_u8: dst[i] = (float)(q[i] - dq_zero) * dq_scale with q[i] the byte
/// sp_quantize_u8 gives src[i] (QuantizeLinear to uint8, then DequantizeLinear, as their Swift
/// loops compute them); dst may be src. Returns 0, or -1 at level 0 (nothing written).
int sp_fake_quantize_u8(int level, const float *src, float *dst, long n, float scale, float zp, float dq_scale, int dq_zero);
/// sp_fake_quantize_both_u8: sp_fake_quantize_u8 that also stores each byte q[i] (q may be
/// NULL: none stored; dst may be src, q overlaps neither): QuantizeLinear's and
/// DequantizeLinear's results of a kept pair in one pass. Returns 0, or -1 at level 0.
int sp_fake_quantize_both_u8(int level, const float *src, unsigned char *q, float *dst, long n, float scale, float zp,
                             float dq_scale, int dq_zero);

/// Float32 activations (vec_math.c), the functions of SurgeonGraph's Swift kernels with their
/// products and sums fused (fused multiply-adds: within a few ulp of the Swift loops, not the
/// same bits): 16 lanes (AVX-512F) or 8 (AVX2 + FMA) at a time, the last partial vector masked.
/// `kind` one of SP_VM_*. dst[i] = f(src[i]), or with `gated` src[i] * f(src[i]); dst may be
/// src. Returns 1 when done, 0 (nothing written) at level 0 or for an unknown kind: the caller
/// then runs its own loop. `level` as for sp_gemm_packed.
#define SP_VM_SIGMOID 0   /* sigmoidF: rational on [-17, 17] */
#define SP_VM_TANH 1      /* tanhF: odd series below 0.5, else 1 - 2 / (exp(2|x|) + 1) */
#define SP_VM_ERF 2       /* erfF: erfRationalF with NaN kept */
#define SP_VM_GELU_ERF 3  /* 0.5 x (1 + erf(x / sqrt 2)) */
#define SP_VM_GELU_TANH 4 /* 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) */
#define SP_VM_HARDSWISH 5 /* x max(0, min(1, x (1/6) + 0.5)), nothing fused: the Swift kernel's bits */
int sp_vec_unary(int level, int kind, const float *src, float *dst, int n, int gated);

/// The products of one band of SurgeonGraph's `DepthwiseInterleaved` (depthwise_band.c), each
/// tap a fused multiply-add: `scratch` holds padded input rows of eight interleaved planes
/// (rowWidth positions of 8 floats per row), `taps` kh × kw vectors of 8 (one weight per
/// plane), `bias` 8 floats. For output rows i < rows (rows even) and columns j < owr (owr a
/// multiple of 4), results[(i * owr + j) * 8 + l] = bias[l] + Σ over taps (a, b) in row-major
/// order of taps[(a * kw + b) * 8 + l] · scratch[((i*sh + a*dh) * rowWidth + j*sw + b*dw) * 8 + l].
/// Level 2 with AVX-512VL runs 8 columns × 2 rows per block (its 32 registers), otherwise
/// AVX2 + FMA 4 × 2; the bits are the same. Returns 0, or -1 (nothing written) at level 0,
/// without the instructions or for an odd size.
int sp_dw_band8(int level, const float *scratch, int rowWidth, const float *taps, const float *bias, float *results,
                int owr, int rows, int kh, int kw, int sh, int sw, int dh, int dw);

/// The products of sp_dw_band8 (the same operations in the same order, so the same bits),
/// written straight to the planes instead of an interleaved result buffer: output row i < rows
/// (any count; pairs are computed, a second row past `rows` is not stored), column j < ow of
/// plane l < lanes (1-8) goes to dst[l * stride + i * ow + j]. owr is ow rounded up to a
/// multiple of 4. Each block of 4 or 8 positions × 8 planes is transposed in registers.
/// `act` 1 stores v < lo ? lo : v (Relu with lo 0), 2 that then c > hi ? hi : c (Clip), 0 the
/// sums as they are. Returns 0, or -1 (nothing written) at level 0, without the instructions
/// or for bad sizes.
int sp_dw_band8_planes(int level, const float *scratch, int rowWidth, const float *taps, const float *bias, float *dst,
                       long stride, int lanes, int ow, int owr, int rows, int kh, int kw, int sh, int sw, int dh, int dw,
                       int act, float lo, float hi);

/// The fill of `DepthwiseInterleaved`: input rows firstRow ..< firstRow + rows of planes
/// 0 ..< lanes (1-8; plane l's row y at src[l * stride + y * w]) into scratch rows 0 ..< rows
/// (rowWidth positions of 8 floats): rows outside 0 ..< h all zeros; inside, input columns
/// 0 ..< min(w, rowWidth - pw) to positions pw ..., lane l from plane l (lanes past `lanes`
/// get the last plane's values); the pad positions are not written. 8 columns × 8 planes per
/// register transpose. Returns 0, or -1 (nothing written) at level 0 or for bad sizes.
int sp_dw_fill8(int level, const float *src, long stride, int lanes, int h, int w, int pw, int firstRow, int rows,
                int rowWidth, float *scratch);

/// The sum of src[0..<n] (float32) accumulated in double (vec_sum.c): four accumulators of 8
/// (AVX-512F) or 4 (AVX2) double lanes, combined at the end, then the last n mod 8 (or 4)
/// values in order. Each value converts exactly, so the sum is within double rounding of the
/// Swift `doubleSum` (same values, another grouping). Returns 1 with *sum written (0 for
/// n <= 0), or 0 (nothing written) at level 0: the caller runs its own loop. `level` as for
/// sp_gemm_packed.
int sp_vec_sum_f64(int level, const float *src, long n, double *sum);

/// Copies `bytes` bytes from src to dst (not overlapping), the destination's whole 64-byte
/// lines with non-temporal (streaming) stores (vec_stream.c): for results no one reads again
/// soon, which then neither cost a read of the line before it is written nor evict cached
/// data. Returns 1, or 0 (nothing copied) at level 0: the caller copies. Streaming stores are
/// weakly ordered: the writing thread calls sp_stream_fence() before others may read them.
/// `level` as for sp_gemm_packed.
int sp_stream_copy(int level, void *dst, const void *src, long bytes);

/// A store fence: every streaming store before it is visible before any store after it.
void sp_stream_fence(void);

#endif
