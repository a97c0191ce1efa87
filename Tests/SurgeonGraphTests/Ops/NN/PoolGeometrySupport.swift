@testable import SurgeonGraph

/// A random pooling geometry for the pool kernel tests (PoolFloatTests, MaxPoolIndicesFloatTests):
/// 1-D (every 7th trial), 3-D (every 11th) or 2-D windows over [1-2, 1-3, spatial...] inputs;
/// kernels up to `maxKernel` (3 in 3-D), strides 1-3, dilations 1-3 every 5th trial, pads up
/// to `maxPad(kernel, extent)`, ceil_mode every 3rd trial (without windows that start past the
/// padded input), the last axis up to `lastExtent` long and the others up to `otherExtent`; a
/// window longer than its padded axis gets an axis of its own extent and no pads.
func randomPoolGeometry(trial: Int, maxKernel: Int, lastExtent: Int, otherExtent: Int,
                        maxPad: (_ kernel: Int, _ extent: Int) -> Int, next: (Int) -> Int) -> (shape: [Int], geom: SpatialGeometry) {
    let r = trial % 7 == 0 ? 1 : (trial % 11 == 0 ? 3 : 2)
    var xs = [1 + next(2), 1 + next(3)]
    var k: [Int] = [], s: [Int] = [], d: [Int] = [], pb: [Int] = [], pe: [Int] = [], out: [Int] = []
    for a in 0..<r {
        let kk = 1 + next(r == 3 ? 3 : maxKernel), ss = 1 + next(3), dd = trial % 5 == 0 ? 1 + next(3) : 1
        let ext = (kk - 1) * dd + 1
        let size = max(1, ext - 2 + next(a == r - 1 ? lastExtent : otherExtent))
        let mp = maxPad(kk, ext)
        let p0 = next(mp), p1 = next(mp)
        let span = size + p0 + p1 - ext
        if span < 0 { xs.append(ext); k.append(kk); s.append(ss); d.append(dd); pb.append(0); pe.append(0); out.append(1); continue }
        var o = span / ss + 1
        if trial % 3 == 0 {  // ceil_mode
            o = (span + ss - 1) / ss + 1
            if (o - 1) * ss >= size + p0 { o -= 1 }
        }
        xs.append(size); k.append(kk); s.append(ss); d.append(dd); pb.append(p0); pe.append(p1); out.append(o)
    }
    return (xs, SpatialGeometry(kernel: k, strides: s, dilations: d, padBegin: pb, padEnd: pe, output: out))
}

/// `geom` with a stride of 4 on its last axis (the output extent recomputed), when a window
/// still fits the padded input `xs`; else `geom` as it is.
func lastStrideFour(_ geom: SpatialGeometry, _ xs: [Int]) -> SpatialGeometry {
    let r = geom.rank - 1, ext = (geom.kernel[r] - 1) * geom.dilations[r] + 1
    let span = xs[r + 2] + geom.padBegin[r] + geom.padEnd[r] - ext
    guard span >= 0 else { return geom }
    var s = geom.strides, o = geom.output
    s[r] = 4; o[r] = span / 4 + 1
    return SpatialGeometry(kernel: geom.kernel, strides: s, dilations: geom.dilations, padBegin: geom.padBegin,
                           padEnd: geom.padEnd, output: o)
}

/// `count` inputs for the max pool vector tests: few levels (`levels` integers around 0, ties)
/// on even trials, hundredths in [-10, 10] on odd ones; then by trial ±0 scattered (ties of
/// zeros of both signs), a few NaN / ±inf, or -inf nearly everywhere. `next(n)` draws in 0 ..< n.
func maxPoolTestValues(trial: Int, count n: Int, levels: Int, next: (Int) -> Int) -> [Float] {
    var xv = (0..<n).map { _ in trial % 2 == 0 ? Float(next(levels) - levels / 2) : Float(next(2001)) / 100 - 10 }
    if trial % 3 == 0 { for i in 0..<n where next(4) == 0 { xv[i] = next(2) == 0 ? -0.0 : 0.0 } }
    if trial % 4 == 1 {
        for _ in 0..<(1 + next(4)) { xv[next(n)] = [Float.nan, -.infinity, .infinity][next(3)] }
    }
    if trial % 9 == 2 { for i in 0..<n where next(3) > 0 { xv[i] = -.infinity } }
    return xv
}
