import SurgeonTensor

/// The plain convolution loop (any rank, groups, strides, dilations, pads) in Double.
/// Used for float64 and integer convolutions, and as the yardstick the fast float32 kernel
/// (`Conv.convFloat`) is tested against.
enum ConvReference {
    /// - Parameters: `x` is `[N, C, spatial...]`, `w` is `[M, C/group, kernel...]`, `bias` has M values.
    /// - Returns: `[N, M, geom.output...]` values, row-major.
    static func conv(x: [Double], xShape: [Int], w: [Double], wShape: [Int], bias: [Double]?,
                     geom: SpatialGeometry, group: Int) -> [Double] {
        let n = xShape[0], c = xShape[1], m = wShape[0]
        let cg = c / group, mg = m / group
        let inSp = Array(xShape[2...]), outSp = geom.output, kSp = geom.kernel
        let inSize = inSp.reduce(1, *), outSize = outSp.reduce(1, *), kSize = kSp.reduce(1, *)
        let inStrides = contiguousStrides(inSp)
        var out = [Double](repeating: 0, count: n * m * outSize)
        let r = inSp.count
        for b in 0..<n {
            for oc in 0..<m {
                let g = oc / mg
                forEachIndex(outSp) { oflat, oidx in
                    var s = bias?[oc] ?? 0
                    for icg in 0..<cg {
                        let ic = g * cg + icg
                        forEachIndex(kSp) { kflat, kidx in
                            var off = 0
                            for a in 0..<r {
                                let p = oidx[a] * geom.strides[a] - geom.padBegin[a] + kidx[a] * geom.dilations[a]
                                if p < 0 || p >= inSp[a] { return }
                                off += p * inStrides[a]
                            }
                            s += x[(b * c + ic) * inSize + off] * w[(oc * cg + icg) * kSize + kflat]
                        }
                    }
                    out[(b * m + oc) * outSize + oflat] = s
                }
            }
        }
        return out
    }
}
