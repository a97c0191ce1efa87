import Foundation
import SurgeonTensor

/// A pointwise convolution's product as its transpose (see PlanPointwiseWeights.swift): per
/// batch item, Xᵀ (pixels × Cin, transposed into scratch), times Wᵀ packed (`PackedMatrix`,
/// Cin × Cout) into C (pixels × Cout, holding the bias first), transposed into Y.
enum ConvPointwiseTransposed {
    /// Maps of at most this many pixels (14 × 14) with at least `channelsFrom` input and output
    /// channels take this path: their weights are large for the map, so streaming them once
    /// through the packed kernel beats `ConvPointwise`'s tiles by more than the two transposes
    /// and the bias fill cost. Measured on this project's machine (one thread, a Conv and its
    /// Relu, best of 5 processes each, new / old): 1152 → 192 on 7 × 7 0.89, 512 → 1000 on
    /// 13 × 13 0.88, 192 → 1152 on 7 × 7 0.72, 1152 → 320 and 512 → 2048 on 7 × 7 0.91-0.92,
    /// 256 ↔ 1024 on 14 × 14 0.96-0.98, 320 → 1280 and 2048 → 512 on 7 × 7 1.00-1.03. Smaller
    /// products lost: 40 → 240 on 14 × 14 1.7, 480 → 80 1.5, 64 → 256 on 13 × 13 1.3,
    /// 576 → 96 1.1 (the transposes and the bias fill against a 30-200 µs product).
    static let pixelsUpTo = 196
    static let channelsFrom = 192

    /// `SURGEON_PW_T=off` in the environment keeps every pointwise convolution on
    /// `ConvPointwise` (a switch for A/B runs).
    static let enabled: Bool = {
        guard let v = getenv("SURGEON_PW_T").map({ String(cString: $0) }) else { return true }
        return v != "off" && v != "0"
    }()

    static func takes(pixels: Int, inputs: Int, outputs: Int) -> Bool {
        pixels > 0 && pixels <= pixelsUpTo && outputs >= channelsFrom && inputs >= channelsFrom
    }

    /// y (`[n, Cout, pixels]`) = bias + W · x per batch item, `packed` = Wᵀ (k = Cin, n = Cout).
    /// False when the product cannot run (sizes past the kernel's indices): nothing is promised
    /// about y then, and the caller computes it another way.
    static func run(x: UnsafePointer<Float>, packed: PackedMatrix, bias: UnsafePointer<Float>?, n: Int, pixels: Int,
                    y: UnsafeMutablePointer<Float>) -> Bool {
        let c = packed.k, m = packed.n
        let a = ScratchMemory.allocate(Float.self, count: pixels * c)
        defer { ScratchMemory.release(a, count: pixels * c) }
        let product = ScratchMemory.allocate(Float.self, count: pixels * m)
        defer { ScratchMemory.release(product, count: pixels * m) }
        for b in 0..<n {
            transposeTiles(src: UnsafeRawPointer(x), dst: UnsafeMutableRawPointer(a), size: 4, offset: b * c * pixels,
                           dims: [pixels, c], strides: [1, pixels])
            if let bias {
                for i in 0..<pixels { (product + i * m).update(from: bias, count: m) }
            }
            guard sgemmPacked(m: pixels, a: a, lda: c, b: packed, c: product, ldc: m, accumulate: bias != nil) else {
                return false
            }
            transposeTiles(src: UnsafeRawPointer(product), dst: UnsafeMutableRawPointer(y + b * m * pixels), size: 4,
                           offset: 0, dims: [m, pixels], strides: [1, m])
        }
        return true
    }
}
