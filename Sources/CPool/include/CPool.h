// Float32 max pooling rows with AVX2, values only (the Swift row kernel in PoolFloat.swift is
// the reference: same combine order, same bits) and with indices (MaxPoolIndicesFloat.swift's
// plane loop is the reference). A narrow accelerator like CPackedGemm: the
// kernel carries its own target attribute and runs only when `sp_pool_level()` says the CPU
// has AVX2 (the default x86-64 build lacks it); elsewhere the Swift kernel runs.
#ifndef CPOOL_H
#define CPOOL_H

/// 2 when the AVX-512F kernels can run here too, 1 when the AVX2 ones can, else 0 (checked once).
int sp_pool_level(void);

/// 2-D max pooling, output rows r0 ..< r1 of the flattened (plane, output row) range: row r is
/// output row y = r % oh of plane r / oh. Input planes are ih × iw floats at src + plane·ih·iw,
/// output rows ow floats at dst + r·ow.
/// Output row y combines the input rows y·sh - pt + k·dh for rowLo[y] <= k < rowHi[y] (all
/// inside the input; none: the row is zeros), first elementwise into `line` (row by row, in k
/// order), then output column x combines line positions x·sw + k·dw for k < kw (in k order),
/// where position q holds input column q - pl and positions outside the input hold -inf.
/// Columns with colEmpty[x] != 0 (no tap inside the input) are 0. A combine is
/// `v > acc ? v : acc`; when a row's taps hold a NaN, that row is redone with
/// `(v > acc || v != v) ? v : acc` (a NaN wins), as the Swift kernel does.
/// `line`: lineLen floats, lineLen >= max((ow - 1)·sw + (kw - 1)·dw + 1, pl + iw) + 16;
/// the kernel fills it with -inf first. `rows`: scratch for rowHi - rowLo pointers (the
/// largest count). Returns 0, or -1 when level 0 (nothing written).
int sp_maxpool2d_rows(const float *src, int ih, int iw, float *dst, int oh, int ow,
                      int sh, int dh, int pt, const int *rowLo, const int *rowHi,
                      int kw, int sw, int dw, int pl, const unsigned char *colEmpty,
                      float *line, long lineLen, const float **rows, long r0, long r1);

/// Floats of the line `sp_maxpool_indices_rows` needs (its scratch is this plus 2·(ow + 8)).
long sp_maxpool_indices_line(int w, int ow, int kw, int sw, int dw, int pl);

/// MaxPool with indices (MaxPoolIndicesFloat.swift's `Plane.run` is the reference: the first
/// largest tap in row-major tap order, the first NaN wins, an empty window gives 0 and its
/// plane's first index), output rows r0 ..< r1 of the flattened (plane, z, y) range, each ow
/// values at vals / idx + r·ow. Planes are planeSize (< 2^31) floats of d × h × w; `taps` holds
/// per axis (offsets bd, bh, bw) and output position (first tap, one past the last valid tap,
/// first input position); the kernel's W extent is kw taps. Index = plane·planeSize +
/// pd·s0 + ph·s1 + pw·s2. Columns go 8 at a time through a -inf padded line (position q holds
/// input column q - pl), which taps outside the input read and never take. `scratch`:
/// sp_maxpool_indices_line(...) + 2·(ow + 8) floats. Returns 0, or -1 when level 0.
int sp_maxpool_indices_rows(const float *src, long planeSize, int h, int w, int od, int oh, int ow, int kw,
                            const int *taps, int bd, int bh, int bw, int dd, int dh, int dw, int sw, int pl,
                            int s0, int s1, int s2, float *vals, long long *idx, float *scratch, long r0, long r1);

/// Stride-1 2-D max (isMax) or average pooling that keeps the plane's size (AVX-512F; the Swift
/// `PoolFloat.poolPlanes` is the reference: same combines in the same order, same bits), planes
/// p0 ..< p1 of h × w floats at src + p·h·w into dst + p·h·w. The window of output (y, x) is
/// rows y - pt + k (k < kh) and columns x - pl + k (k < kw); taps outside the plane read the
/// identity (-inf for max, 0 for a sum). Rows are combined first (in k order, from the window's
/// first row), then columns (in k order); a combine is `(v > a || v != v) ? v : a` (max) or
/// `a + v`; an average then divides by div[y·w + x]. Each plane goes through one flat pass per
/// direction over its h·w values, 16 at a time: no per-row work, the plane's edges by masks
/// made once per call. `div` (average only): h·w + 16 floats, past h·w anything non-zero;
/// `line`: sp_pool_planes_line(h, w, kh, kw) floats of scratch.
/// Needs 1 <= kh <= h, 1 <= kw <= w, 0 <= pt < kh, 0 <= pl < kw, h·w < 2^30.
/// Returns 0, or -1 (nothing written) without AVX-512F or for sizes it does not take (asked
/// with p0 == p1, it reads and writes nothing and says whether it would take them).
int sp_pool_planes_same(int isMax, const float *src, float *dst, long p0, long p1, int h, int w, int kh, int kw,
                        int pt, int pl, const float *div, float *line);

/// Floats of the scratch `sp_pool_planes_same` needs.
long sp_pool_planes_line(int h, int w, int kh, int kw);

#endif
