import Foundation
import SurgeonTensor

/// GridSample (opset 16, 20, 22): samples X `[N, C, spatial...]` at the normalized grid
/// `[N, out..., r]` positions (last component = innermost axis), with nearest / (bi)linear /
/// (bi)cubic interpolation, zeros / border / reflection padding and align_corners. Any rank.
enum GridSample {
    static func register(_ r: inout OpRegistry) {
        r.register("GridSample", since: 16) { ctx in [.tensor(try run(ctx))] }
    }

    static func reflect(_ x: Double, _ lo: Double, _ hi: Double) -> Double {
        let rng = hi - lo
        if rng <= 0 { return lo }
        if x < lo {
            let dx = lo - x, n = Int(dx / rng), r = dx - Double(n) * rng
            return n % 2 == 0 ? lo + r : hi - r
        }
        if x > hi {
            let dx = x - hi, n = Int(dx / rng), r = dx - Double(n) * rng
            return n % 2 == 0 ? hi - r : lo + r
        }
        return x
    }

    /// The cubic convolution weights (a = -0.75) of the 4 taps around a position `t` past its floor.
    static func cubic(_ t: Double) -> SIMD4<Double> {
        let a = -0.75, x = abs(t)
        return SIMD4(((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a,
                     ((a + 2) * x - (a + 3)) * x * x + 1,
                     ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1,
                     ((a * (2 - x) - 5 * a) * (2 - x) + 8 * a) * (2 - x) - 4 * a)
    }

    static func run(_ ctx: OpContext) throws -> Tensor {
        let x = try ctx.tensor(0), grid = try ctx.tensor(1)
        try requireFloat(x, "GridSample", "X")
        let r = x.rank - 2
        guard r >= 1, grid.rank == x.rank, grid.shape[0] == x.shape[0], grid.shape.last == r else {
            throw ctx.error("X \(x.typeDescription) and grid \(grid.typeDescription) do not match")
        }
        var mode = try ctx.string("mode", ctx.opset >= 20 ? "linear" : "bilinear")
        if mode == "bilinear" { mode = "linear" }
        if mode == "bicubic" { mode = "cubic" }
        switch mode {
        case "nearest", "linear", "cubic": break
        default: throw ctx.error("unknown mode '\(mode)'")
        }
        let padding = try ctx.string("padding_mode", "zeros")
        switch padding {
        case "zeros", "border", "reflection": break
        default: throw ctx.error("unknown padding_mode '\(padding)'")
        }
        let align = try ctx.int("align_corners", 0) != 0
        if let y = try GridSampleFloat.sample(x, grid, mode: mode, padding: padding, align: align) { return y }
        return try plainRun(x, grid, mode: mode, padding: padding, align: align, ctx: ctx)
    }

    /// The plain kernel, any rank, in Double (GridSampleFloat is its float32 2-D fast path).
    static func plainRun(_ x: Tensor, _ grid: Tensor, mode: String, padding: String, align: Bool, ctx: OpContext?) throws -> Tensor {
        let r = x.rank - 2
        let n = x.shape[0], c = x.shape[1]
        let dims = Array(x.shape[2...])
        let outSp = Array(grid.shape[1..<(grid.rank - 1)])
        let outSize = outSp.reduce(1, *), inSize = dims.reduce(1, *)
        let xv = x.doubleArray(), gv = grid.doubleArray()
        let inStrides = contiguousStrides(dims)
        var y = [Double](repeating: 0, count: try Tensor.checkedCount([n, c] + outSp, dtype: .float64))
        let lo = dims.map { _ in align ? 0.0 : -0.5 }, hi = dims.map { align ? Double($0 - 1) : Double($0) - 0.5 }
        for b in 0..<n {
            for o in 0..<outSize {
                // Per axis: taps (index, weight).
                var taps: [[(Int, Double)]] = []
                for a in 0..<r {
                    let g = gv[(b * outSize + o) * r + (r - 1 - a)]
                    let len = Double(dims[a])
                    var p = align ? (g + 1) / 2 * (len - 1) : ((g + 1) * len - 1) / 2
                    if mode == "nearest" { p = p.rounded(.toNearestOrEven) }
                    if p < lo[a] || p > hi[a] {
                        if padding == "border" { p = min(max(p, 0), len - 1) }
                        else if padding == "reflection" { p = reflect(p, lo[a], hi[a]) }
                    }
                    guard p.isFinite, abs(p) < 1e12 else { throw ctx?.error("grid value out of range") ?? GraphError("GridSample: grid value out of range") }
                    switch mode {
                    case "nearest": taps.append([(Int(p), 1)])
                    case "linear":
                        let f = p.rounded(.down), t = p - f
                        taps.append([(Int(f), 1 - t), (Int(f) + 1, t)])
                    default:
                        let f = p.rounded(.down), w = cubic(p - f)
                        taps.append((0..<4).map { (Int(f) - 1 + $0, w[$0]) })
                    }
                }
                // Resolve indices per padding mode (nil = zero pixel).
                let resolved: [[(Int?, Double)]] = (0..<r).map { a in
                    taps[a].map { tap -> (Int?, Double) in
                        let (i, w) = tap
                        let d = dims[a]
                        switch padding {
                        case "zeros": return (i >= 0 && i < d) ? (i, w) : (nil, w)
                        case "border": return (min(max(i, 0), d - 1), w)
                        default:
                            let ri = Int(reflect(Double(i), lo[a], hi[a]))
                            return (min(max(ri, 0), d - 1), w)
                        }
                    }
                }
                let counts = resolved.map(\.count)
                let total = counts.reduce(1, *)
                for ch in 0..<c {
                    let base = (b * c + ch) * inSize
                    var s = 0.0
                    for t in 0..<total {
                        var rem = t, off = 0, w = 1.0, zero = false
                        for a in stride(from: r - 1, through: 0, by: -1) {
                            let (i, wt) = resolved[a][rem % counts[a]]
                            rem /= counts[a]
                            w *= wt
                            if let i { off += i * inStrides[a] } else { zero = true }
                        }
                        if !zero { s += w * xv[base + off] }
                    }
                    y[(b * c + ch) * outSize + o] = s
                }
            }
        }
        return try Tensor(doubles: y, shape: [n, c] + outSp, dtype: x.dtype)
    }
}
