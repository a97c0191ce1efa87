import SurgeonTensor

/// How a block of values becomes one pixel when a slice is larger than the pane.
public enum Reduction: String, Sendable {
    case mean, max
}

/// A 2-D slice of a tensor, reduced to at most `rows` × `cols` pixels, with the slice's range.
public struct HeatmapSample: Sendable {
    /// Pixels, row-major, `rows * cols` (NaN where a block has no finite value).
    public var values: [Double]
    public var rows: Int
    public var cols: Int
    /// Extent of the slice.
    public var sliceRows: Int
    public var sliceCols: Int
    /// Finite minimum and maximum over the whole slice (0 when it has none).
    public var min: Double
    public var max: Double
    public var reduction: Reduction

    /// Data rows [r0, r1) and columns [c0, c1) behind pixel (r, c).
    /// Data row i falls in pixel row i * rows / sliceRows (rounded down), so pixel row r holds
    /// rows ceil(r * sliceRows / rows) ..< ceil((r + 1) * sliceRows / rows); columns alike.
    public func block(_ r: Int, _ c: Int) -> (r0: Int, r1: Int, c0: Int, c1: Int) {
        func up(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
        return (up(r * sliceRows, rows), up((r + 1) * sliceRows, rows), up(c * sliceCols, cols), up((c + 1) * sliceCols, cols))
    }

    public var isDownsampled: Bool { rows < sliceRows || cols < sliceCols }

    public func value(_ r: Int, _ c: Int) -> Double { values[r * cols + c] }
}

public enum HeatmapSampler {
    /// Reduces the slice of `tensor` on axes (`rowAxis`, `colAxis`) at `fixed` positions of the
    /// other axes (in axis order) to at most `maxRows` × `maxCols` pixels, in one pass.
    /// - Complexity: O(slice elements); float32 is read in place, other dtypes are converted once
    ///   per call (pass `doubles` to reuse a conversion).
    public static func sample(
        _ tensor: Tensor, rowAxis: Int, colAxis: Int, fixed: [Int], maxRows: Int, maxCols: Int,
        reduction: Reduction, doubles: [Double]? = nil
    ) throws -> HeatmapSample {
        let shape = tensor.shape
        let r = shape.count
        guard rowAxis >= 0, rowAxis < r, colAxis >= 0, colAxis < r, rowAxis != colAxis else {
            throw TensorError("heatmap axes \(rowAxis), \(colAxis) do not fit a rank-\(r) tensor")
        }
        let others = (0..<r).filter { $0 != rowAxis && $0 != colAxis }
        guard fixed.count == others.count else { throw TensorError("need \(others.count) index value(s) for axes \(others)") }
        let strides = contiguousStrides(shape)
        var base = 0
        for (k, a) in others.enumerated() {
            guard fixed[k] >= 0, fixed[k] < shape[a] else {
                throw TensorError("index \(fixed[k]) is out of range for axis \(a) of size \(shape[a])")
            }
            base += fixed[k] * strides[a]
        }
        let rows = shape[rowAxis], cols = shape[colAxis]
        let rs = strides[rowAxis], cs = strides[colAxis]
        let outRows = Swift.max(1, Swift.min(rows, maxRows)), outCols = Swift.max(1, Swift.min(cols, maxCols))
        var sum = [Double](repeating: 0, count: outRows * outCols)
        var best = [Double](repeating: -.infinity, count: outRows * outCols)
        var n = [Int](repeating: 0, count: outRows * outCols)
        var lo = Double.infinity, hi = -Double.infinity
        guard rows > 0, cols > 0 else {
            return HeatmapSample(values: [.nan], rows: 1, cols: 1, sliceRows: rows, sliceCols: cols, min: 0, max: 0, reduction: reduction)
        }
        let colBin = (0..<cols).map { $0 * outCols / cols }

        func accumulate(_ read: (Int) -> Double) {
            for i in 0..<rows {
                let rowBase = (i * outRows / rows) * outCols
                let off = base + i * rs
                for j in 0..<cols {
                    let x = read(off + j * cs)
                    guard x.isFinite else { continue }
                    let k = rowBase + colBin[j]
                    sum[k] += x
                    n[k] += 1
                    if x > best[k] { best[k] = x }
                    if x < lo { lo = x }
                    if x > hi { hi = x }
                }
            }
        }
        /// Float32 fast path: each data row is a run of column blocks; a block's sum, count,
        /// max and min are kept in Float registers (branch-free, so the loop vectorises) and
        /// added to the pixel's Double totals once per row.
        func accumulateFloat32(_ p: UnsafePointer<Float>, count: Int) {
            // Column block k holds columns colStart[k] ..< colStart[k + 1].
            var colStart = [Int](repeating: cols, count: outCols + 1)
            for j in stride(from: cols - 1, through: 0, by: -1) { colStart[colBin[j]] = j }
            guard base + (rows - 1) * rs + (cols - 1) * cs < count else { return }
            var flo = Float.infinity, fhi = -Float.infinity
            for i in 0..<rows {
                let rowBase = (i * outRows / rows) * outCols
                let row = p + (base + i * rs)
                for k in 0..<outCols {
                    let c0 = colStart[k], c1 = colStart[k + 1]
                    var s: Float = 0, c: Float = 0, mx = -Float.infinity, mn = Float.infinity
                    if cs == 1 {
                        for j in c0..<c1 {
                            let x = row[j]
                            let ok = x.magnitude < .infinity
                            s += ok ? x : 0
                            c += ok ? 1 : 0
                            mx = ok && x > mx ? x : mx
                            mn = ok && x < mn ? x : mn
                        }
                    } else {
                        for j in c0..<c1 {
                            let x = row[j * cs]
                            let ok = x.magnitude < .infinity
                            s += ok ? x : 0
                            c += ok ? 1 : 0
                            mx = ok && x > mx ? x : mx
                            mn = ok && x < mn ? x : mn
                        }
                    }
                    guard c > 0 else { continue }
                    let q = rowBase + k
                    if s.isFinite { sum[q] += Double(s) } else {
                        // The Float sum overflowed (values near Float.greatestFiniteMagnitude).
                        for j in c0..<c1 { let x = row[j * cs]; if x.isFinite { sum[q] += Double(x) } }
                    }
                    n[q] += Int(c)
                    if Double(mx) > best[q] { best[q] = Double(mx) }
                    if mn < flo { flo = mn }
                    if mx > fhi { fhi = mx }
                }
            }
            if flo <= fhi { lo = Double(flo); hi = Double(fhi) }
        }
        if tensor.dtype == .float32 && doubles == nil {
            try tensor.withUnsafeBuffer(of: Float.self) { buf in
                guard let p = buf.baseAddress else { return }
                accumulateFloat32(p, count: buf.count)
            }
        } else {
            guard tensor.dtype != .string else { throw TensorError("cannot draw a string tensor") }
            let d = doubles ?? tensor.doubleArray()
            guard d.count == tensor.count else { throw TensorError("heatmap: value count does not match the shape") }
            accumulate { d[$0] }
        }
        var values = [Double](repeating: .nan, count: outRows * outCols)
        for k in 0..<values.count where n[k] > 0 {
            values[k] = reduction == .mean ? sum[k] / Double(n[k]) : best[k]
        }
        if !lo.isFinite { lo = 0; hi = 0 }
        return HeatmapSample(values: values, rows: outRows, cols: outCols, sliceRows: rows, sliceCols: cols,
                             min: lo, max: hi, reduction: reduction)
    }
}
