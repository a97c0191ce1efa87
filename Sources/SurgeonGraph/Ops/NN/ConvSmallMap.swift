import Foundation
import SurgeonTensor

/// A convolution's product as its transpose (see PlanSmallMapConv.swift): per batch item,
/// the input patches Pᵀ (pixels × K, K = Cin · kernel taps: Xᵀ itself for a pointwise one, else
/// the im2col columns transposed), times Wᵀ packed (`PackedMatrix`, K × Cout) into C (pixels ×
/// Cout, holding the bias first), transposed into Y.
enum ConvSmallMap {
    /// Output maps of at most this many pixels (14 × 14) whose products have at least
    /// `channelsFrom` input rows (K) and output channels take this path: their weights are large
    /// for the map, so streaming them once through the packed kernel beats the direct kernels'
    /// tiles by more than the transposes and the bias fill cost. Measured on this project's
    /// machine (one thread, a Conv and its Relu, best of 5 processes each, new / old), 1×1:
    /// 1152 → 192 on 7 × 7 0.89, 512 → 1000 on 13 × 13 0.88, 192 → 1152 on 7 × 7 0.72,
    /// 1152 → 320 and 512 → 2048 on 7 × 7 0.91-0.92, 256 ↔ 1024 on 14 × 14 0.96-0.98,
    /// 320 → 1280 and 2048 → 512 on 7 × 7 1.00-1.03. Smaller products lost: 40 → 240 on
    /// 14 × 14 1.7, 480 → 80 1.5, 64 → 256 on 13 × 13 1.3, 576 → 96 1.1 (the transposes and
    /// the bias fill against a 30-200 µs product).
    static let pixelsUpTo = 196
    static let channelsFrom = 192

    /// Pointwise convolutions on maps of at most this many pixels take this path from
    /// `tinyChannelsFrom` channels on: a squeeze-and-excitation block's convolutions on its
    /// pooled 1 × 1 map (mobilenet_v3, efficientnet, regnet). `ConvPointwise` computes a
    /// 32-column tile for that one pixel: mobilenet_v3_small's 576 → 144 took 80 µs, its 18 such
    /// convolutions 0.55 ms of a 3.5-4.8 ms run. Here the pixel is a row of the packed product.
    static let tinyPixelsUpTo = 4
    static let tinyChannelsFrom = 8

    /// `SURGEON_PW_T=off` in the environment keeps every convolution on its other kernels (a
    /// switch for A/B runs).
    static let enabled = environmentSwitchOn("SURGEON_PW_T")

    /// Whether a convolution by a weight of `weight`'s shape (`[Cout, Cin / group, kh, kw]`)
    /// with these attributes may take this path, whatever its input: one group, at least
    /// `channelsFrom` rows (K = Cin · taps) and output channels, and pointwise or strided.
    /// Stride-1 convolutions with more than one tap stay with `ConvDirect`, which reads their
    /// taps in place as fast (256 → 256 3×3 on 14 × 14: 1.77 ms there, 2.4 here with the
    /// im2col columns and their transpose).
    /// Also any pointwise one of `tinyChannelsFrom` channels or more, for tiny maps (`takesLarge`
    /// false: its kernel checks the map before anything else).
    static func takes(weight: [Int], group: Int, strides: [Int]) -> Bool {
        guard weight.count == 4, weight[0] > 0, group == 1 else { return false }
        let taps = weight[2] * weight[3]
        return takesLarge(weight: weight, strides: strides)
            || (taps == 1 && weight[0] >= tinyChannelsFrom && weight[1] >= tinyChannelsFrom)
    }

    /// The rule for large products on maps up to `pixelsUpTo` (one group assumed).
    static func takesLarge(weight: [Int], strides: [Int]) -> Bool {
        guard largeChannels(weight: weight) else { return false }
        return weight[2] * weight[3] == 1 || strides.contains(where: { $0 > 1 })
    }

    /// At least `channelsFrom` output channels and rows (K = Cin · taps) in a 4-D weight.
    static func largeChannels(weight: [Int]) -> Bool {
        weight.count == 4 && weight[0] >= channelsFrom && weight[1] * weight[2] * weight[3] >= channelsFrom
    }

    /// Whether a product of `rows` = K (input channels times taps) by `outputs` channels over
    /// `pixels` output positions takes this path (`pointwise`: a 1 × 1 kernel).
    static func takes(pixels: Int, rows: Int, outputs: Int, pointwise: Bool) -> Bool {
        guard pixels > 0 else { return false }
        if pointwise && pixels <= tinyPixelsUpTo && outputs >= tinyChannelsFrom && rows >= tinyChannelsFrom { return true }
        return pixels <= pixelsUpTo && outputs >= channelsFrom && rows >= channelsFrom
    }

    /// y (`[n, Cout, pixels]`) = bias + W · patches(x) per batch item, `packed` = Wᵀ (k = K,
    /// n = Cout). `patches`: nil for a pointwise convolution (stride 1, no padding: the patches
    /// are x), else the 2-D geometry and the input's channels and extents (`[n, c, h, w]`).
    /// False when the product cannot run (sizes past the kernel's indices): nothing is promised
    /// about y then, and the caller computes it another way.
    static func run(x: UnsafePointer<Float>, packed: PackedMatrix, bias: UnsafePointer<Float>?, n: Int, pixels: Int,
                    y: UnsafeMutablePointer<Float>, patches: (geom: SpatialGeometry, c: Int, h: Int, w: Int)? = nil) -> Bool {
        let k = packed.k, m = packed.n
        let inputSize = patches.map { $0.c * $0.h * $0.w } ?? k * pixels
        let a = ScratchMemory.allocate(Float.self, count: pixels * k)
        defer { ScratchMemory.release(a, count: pixels * k) }
        let product = ScratchMemory.allocate(Float.self, count: pixels * m)
        defer { ScratchMemory.release(product, count: pixels * m) }
        let columns = patches == nil ? nil : ScratchMemory.allocate(Float.self, count: pixels * k)
        defer { if let columns { ScratchMemory.release(columns, count: pixels * k) } }
        for b in 0..<n {
            if let p = patches, let columns {
                // The im2col columns (K × pixels), then their transpose.
                Conv.im2col2D(src: x + b * inputSize, channels: p.c, h: p.h, w: p.w, geom: p.geom, row0: 0,
                              rowCount: p.geom.output[0], dst: columns)
                transposeTiles(src: UnsafeRawPointer(columns), dst: UnsafeMutableRawPointer(a), size: 4, offset: 0,
                               dims: [pixels, k], strides: [1, pixels])
            } else {
                transposeTiles(src: UnsafeRawPointer(x), dst: UnsafeMutableRawPointer(a), size: 4, offset: b * inputSize,
                               dims: [pixels, k], strides: [1, pixels])
            }
            if let bias {
                for i in 0..<pixels { (product + i * m).update(from: bias, count: m) }
            }
            guard sgemmPacked(m: pixels, a: a, lda: k, b: packed, c: product, ldc: m, accumulate: bias != nil) else {
                return false
            }
            transposeTiles(src: UnsafeRawPointer(product), dst: UnsafeMutableRawPointer(y + b * m * pixels), size: 4,
                           offset: 0, dims: [m, pixels], strides: [1, m])
        }
        return true
    }
}
