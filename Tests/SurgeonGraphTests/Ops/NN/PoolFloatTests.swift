@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct PoolFloatTests {
    /// The float32 fast path against the plain Double `poolND` it replaces.
    @Test func fastPathMatchesPlainPool() throws {
        struct Case { var x: [Int]; var k: [Int]; var s: [Int]; var d: [Int]; var pb: [Int]; var pe: [Int] }
        let cases = [
            Case(x: [1, 2, 7, 6], k: [3, 3], s: [2, 2], d: [1, 1], pb: [1, 1], pe: [1, 1]),
            Case(x: [2, 3, 5, 8], k: [2, 3], s: [1, 2], d: [2, 1], pb: [0, 1], pe: [1, 2]),
            Case(x: [1, 2, 9], k: [3], s: [2], d: [2], pb: [2], pe: [1]),
            Case(x: [1, 1, 4, 3, 5], k: [2, 2, 3], s: [1, 2, 1], d: [1, 1, 2], pb: [0, 1, 1], pe: [1, 0, 0]),
            Case(x: [1, 1, 3, 3], k: [3, 3], s: [3, 3], d: [1, 1], pb: [2, 2], pe: [2, 2]),  // windows past the input
            Case(x: [1, 1, 3, 3], k: [2, 2], s: [1, 1], d: [1, 1], pb: [2, 2], pe: [2, 2]),  // empty windows
            Case(x: [1, 2, 3, 4, 5], k: [2, 3, 3], s: [2, 1, 2], d: [1, 1, 1], pb: [2, 0, 1], pe: [1, 1, 1]),
            // Big enough for the output rows to be split over the kernel threads.
            Case(x: [2, 5, 57, 203], k: [3, 3], s: [2, 2], d: [1, 1], pb: [0, 0], pe: [1, 1]),
        ]
        var seed: UInt32 = 11
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        for c in cases {
            let r = c.k.count
            var out: [Int] = []
            for i in 0..<r {
                let span: Int = c.x[i + 2] + c.pb[i] + c.pe[i] - ((c.k[i] - 1) * c.d[i] + 1)
                out.append(span / c.s[i] + 1)
            }
            let geom = SpatialGeometry(kernel: c.k, strides: c.s, dilations: c.d, padBegin: c.pb, padEnd: c.pe, output: out)
            var xv = (0..<c.x.reduce(1, *)).map { _ in rnd() }
            xv[3] = .nan
            let x = try f32(c.x, xv)
            for kind in [PoolKind.max, .average(countIncludePad: false), .average(countIncludePad: true)] {
                let fast = try #require(try PoolFloat.pool(x, geom: geom, kind: kind))
                let (plain, _) = try poolND(x.doubleArray(), shape: c.x, geom: geom, kind: kind)
                let ref = try f32(Array(c.x[0..<2]) + out, plain.map { Float($0) })
                #expect(isClose(fast, ref), "case \(c.x) \(c.k) \(kind)")
            }
        }
    }

    /// Random geometries (kernels 1-7, strides 1-3, dilations, pads, ceil_mode windows past
    /// the padded input, odd widths, batch > 1) with -inf, +inf and NaN sprinkled in: max must
    /// equal the plain kernel exactly (NaN where it gives NaN), averages within rounding.
    @Test func randomGeometriesMatchPlainPool() throws {
        var rng = TestLCG(seed: 0x9e3779b97f4a7c15)
        func next(_ n: Int) -> Int { rng.next(n) }
        for trial in 0..<300 {
            let (xs, geom) = randomPoolGeometry(trial: trial, maxKernel: 7, lastExtent: 40, otherExtent: 14,
                                                maxPad: { kk, _ in min(kk, 4) }, next: next)
            let (k, s, d, pb, pe, out) = (geom.kernel, geom.strides, geom.dilations, geom.padBegin, geom.padEnd, geom.output)
            let n = xs.reduce(1, *)
            var xv = (0..<n).map { _ in Float(next(2001)) / 100 - 10 }
            if trial % 4 == 1 {
                for _ in 0..<(1 + next(4)) { xv[next(n)] = [Float.nan, -.infinity, .infinity][next(3)] }
            }
            if trial % 9 == 2 { for i in 0..<n where next(3) == 0 { xv[i] = -.infinity } }
            let x = try f32(xs, xv)
            for kind in [PoolKind.max, .average(countIncludePad: false), .average(countIncludePad: true)] {
                let fast = try #require(try PoolFloat.pool(x, geom: geom, kind: kind))
                let (plain, _) = try poolND(x.doubleArray(), shape: xs, geom: geom, kind: kind)
                let got = try fast.scalars(of: Float.self)
                #expect(got.count == plain.count)
                var same = got.count == plain.count
                for i in 0..<min(got.count, plain.count) {
                    let want = Float(plain[i])
                    if want.isNaN || got[i].isNaN { same = same && want.isNaN && got[i].isNaN; continue }
                    if case .max = kind { same = same && got[i] == want; continue }
                    same = same && (got[i] == want || abs(got[i] - want) <= 1e-4 + 1e-4 * abs(want))
                }
                #expect(same, "trial \(trial) x \(xs) k \(k) s \(s) d \(d) pads \(pb) \(pe) out \(out) \(kind)")
            }
        }
    }

    @Test func float16PoolsThroughFloat32() throws {
        let geom = SpatialGeometry(kernel: [3, 3], strides: [2, 2], dilations: [1, 1], padBegin: [1, 1], padEnd: [1, 1], output: [3, 4])
        var xv: [Float] = []
        for i in 0..<210 { xv.append(Float((i * 37) % 101) * 0.13 - 6) }
        let x: Tensor = try f32([2, 3, 5, 7], xv).cast(to: DType.float16)
        for kind in [PoolKind.max, .average(countIncludePad: false)] {
            let fast = try #require(try PoolFloat.pool(x, geom: geom, kind: kind))
            #expect(fast.dtype == .float16)
            let (plain, _) = try poolND(x.doubleArray(), shape: x.shape, geom: geom, kind: kind)
            let ref = try Tensor(doubles: plain, shape: [2, 3, 3, 4], dtype: .float16)
            #expect(isClose(fast, ref, atol: 0, rtol: 1e-3), "\(kind)")
        }
    }

    @Test func maxPoolNodeUsesFastPathAndKeepsIndices() throws {
        let x = try f32([1, 1, 2, 3], [1, 9, 2, 7, 3, 8])
        let attrs = [Attribute(name: "kernel_shape", value: .ints([2, 2]))]
        #expect(try runNode("MaxPool", [x], attributes: attrs)[0].scalars(of: Float.self) == [9, 9])
        #expect(try runNode("MaxPool", [x], attributes: attrs, outputs: 2)[1].scalars(of: Int64.self) == [1, 1])
    }
}

extension PoolFloatTests {
    /// float16 / bfloat16 pooled a block of planes at a time gives the bits of pooling the
    /// whole input through float32 at once (blocks of one plane, a few planes, a partial last
    /// block; max with a NaN, both averages).
    @Test func halfInputPooledInBlocksMatchesWholeInput() throws {
        var seed: UInt32 = 5
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let shape = [2, 5, 9, 11]
        let geom = SpatialGeometry(kernel: [3, 3], strides: [2, 2], dilations: [1, 1], padBegin: [1, 1], padEnd: [1, 1],
                                   output: [5, 6])
        var xv = (0..<shape.reduce(1, *)).map { _ in rnd() }
        xv[40] = .nan
        for half in [DType.float16, .bfloat16] {
            let x = try f32(shape, xv).cast(to: half)
            for kind in [PoolKind.max, .average(countIncludePad: false), .average(countIncludePad: true)] {
                let whole = try #require(try PoolFloat.pool(x.cast(to: .float32), geom: geom, kind: kind)).cast(to: half)
                for block in [1, 99, 3 * 99, 1 << 18] {
                    let y = try #require(try PoolFloat.poolHalf(x, geom: geom, kind: kind, halfPlaneBlock: block))
                    #expect(y.dtype == half && y.shape == [2, 5, 5, 6])
                    let a = try y.cast(to: .float32).scalars(of: Float.self).map(\.bitPattern)
                    let b = try whole.cast(to: .float32).scalars(of: Float.self).map(\.bitPattern)
                    #expect(a == b, "\(half) \(kind) block \(block)")
                    #expect(Set(b).count > 50)
                }
            }
        }
    }
}

extension PoolFloatTests {
    /// Stride-1 2-D pools a plane at a time (`poolPlanes`) against the row kernel
    /// (`planeKernel: false`) and the plain Double pool: random sizes (1×1 planes up to wider
    /// than a 16-lane register, odd widths), kernels 1-5, every pad below the kernel, batches,
    /// NaN / ±inf sprinkled in. Max bit for bit (NaN where the row kernel gives NaN), averages
    /// within rounding; geometries it does not take (a pad as large as the kernel) give nil.
    @Test func planeKernelMatchesRowKernel() throws {
        var rng = TestLCG(seed: 0x2545f4914f6cdd1d)
        func next(_ n: Int) -> Int { rng.next(n) }
        var taken = 0
        for trial in 0..<200 {
            let kh = 1 + next(5), kw = 1 + next(5)
            let pads = [next(kh), next(kw), next(kh), next(kw)]
            let h = max(1, kh - pads[0] - pads[2] + next(20)), w = max(1, kw - pads[1] - pads[3] + next(40))
            let oh = h + pads[0] + pads[2] - kh + 1, ow = w + pads[1] + pads[3] - kw + 1
            if oh <= 0 || ow <= 0 { continue }
            let xs = [1 + next(2), 1 + next(4), h, w]
            let geom = SpatialGeometry(kernel: [kh, kw], strides: [1, 1], dilations: [1, 1], padBegin: [pads[0], pads[1]],
                                       padEnd: [pads[2], pads[3]], output: [oh, ow])
            let n = xs.reduce(1, *)
            var xv = (0..<n).map { _ in Float(next(2001)) / 100 - 10 }
            if trial % 3 == 1 {
                for _ in 0..<(1 + next(3)) { xv[next(n)] = [Float.nan, -.infinity, .infinity][next(3)] }
            }
            let x = try f32(xs, xv)
            for kind in [PoolKind.max, .average(countIncludePad: false), .average(countIncludePad: true)] {
                let plane = try #require(try PoolFloat.poolPlanes(x, geom: geom, kind: kind))
                let rows = try #require(try PoolFloat.pool(x, geom: geom, kind: kind, planeKernel: false))
                let a = try plane.scalars(of: Float.self), b = try rows.scalars(of: Float.self)
                let (plain, _) = try poolND(x.doubleArray(), shape: xs, geom: geom, kind: kind)
                var same = a.count == b.count && a.count == plain.count
                for i in 0..<min(a.count, b.count) {
                    if a[i].isNaN || b[i].isNaN { same = same && a[i].isNaN && b[i].isNaN && Float(plain[i]).isNaN; continue }
                    if case .max = kind { same = same && a[i] == b[i] && a[i] == Float(plain[i]); continue }
                    same = same && (a[i] == b[i] || abs(a[i] - b[i]) <= 1e-5 + 1e-5 * abs(b[i]))
                }
                #expect(same, "trial \(trial) x \(xs) k \(kh)x\(kw) pads \(pads) \(kind)")
                taken += 1
            }
        }
        #expect(taken > 300)
        let big = SpatialGeometry(kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padBegin: [3, 0], padEnd: [0, 0], output: [6, 2])
        #expect(try PoolFloat.poolPlanes(try f32([1, 1, 4, 4], Array(repeating: 1, count: 16)), geom: big, kind: .max) == nil)
    }
}

extension PoolFloatTests {
    /// The AVX2 max pool rows (`sp_maxpool2d_rows`, through `PoolFloat.pool`) against the Swift
    /// row kernel bit for bit (NaN where it gives NaN) and the plain Double pool: random 1-D
    /// and 2-D geometries (kernels 1-7, strides 1-4, dilations, pads, ceil_mode windows past
    /// the padded input, widths from 1 to past two 16-lane blocks, so the 16- and 8-wide loops,
    /// the scalar ends, the stride-2 shuffles and the gathers all run), values with ties, ±0,
    /// and NaN / ±inf sprinkled in or -inf everywhere; big inputs split over the threads. On a
    /// CPU without AVX2 both sides are the Swift kernel.
    @Test func vectorMaxPoolMatchesRowKernel() throws {
        var rng = TestLCG(seed: 0x853c49e6748fea9b)
        func next(_ n: Int) -> Int { rng.next(n) }
        var checked = 0, nanSeen = 0
        for trial in 0..<400 {
            var (xs, geom) = randomPoolGeometry(trial: trial, maxKernel: 7, lastExtent: 70, otherExtent: 20,
                                                maxPad: { kk, ext in trial % 13 == 4 ? ext : min(kk, 4) }, next: next)
            if geom.rank == 3 { continue }
            if trial % 17 == 3 { geom = lastStrideFour(geom, xs) }  // the gathers
            if trial % 50 == 7 { xs[1] = 40 + next(30) }  // enough rows for the threads
            let xv = maxPoolTestValues(trial: trial, count: xs.reduce(1, *), levels: 7, next: next)
            let x = try f32(xs, xv)
            let fast = try #require(try PoolFloat.pool(x, geom: geom, kind: .max, planeKernel: false))
            let rows = try #require(try PoolFloat.pool(x, geom: geom, kind: .max, planeKernel: false, vectorKernel: false))
            let (plain, _) = try poolND(x.doubleArray(), shape: xs, geom: geom, kind: .max)
            let a = try fast.scalars(of: Float.self), b = try rows.scalars(of: Float.self)
            var same = fast.shape == rows.shape && a.count == b.count && a.count == plain.count
            for i in 0..<min(a.count, b.count, plain.count) {
                let want = Float(plain[i])
                if a[i].isNaN || b[i].isNaN || want.isNaN {
                    same = same && a[i].isNaN && b[i].isNaN && want.isNaN
                    nanSeen += 1
                    continue
                }
                same = same && a[i].bitPattern == b[i].bitPattern && a[i] == want
            }
            #expect(same, "trial \(trial) x \(xs) k \(geom.kernel) s \(geom.strides) d \(geom.dilations) pads \(geom.padBegin) \(geom.padEnd) out \(geom.output)")
            checked += 1
        }
        #expect(checked > 300)
        #expect(nanSeen > 0)
        // 3-D windows with one output along D stay off the 2-D C kernel: D = 5 read at
        // stride 5, and D = 1 behind a pad (every window empty: zeros).
        let xv = (0..<160).map { Float(($0 * 37) % 23) - 11 }
        for (d, geom) in [(5, SpatialGeometry(kernel: [1, 2, 2], strides: [5, 2, 2], dilations: [1, 1, 1], padBegin: [0, 0, 0],
                                              padEnd: [0, 0, 0], output: [1, 2, 2])),
                          (1, SpatialGeometry(kernel: [1, 2, 2], strides: [2, 2, 2], dilations: [1, 1, 1], padBegin: [1, 0, 0],
                                              padEnd: [0, 0, 0], output: [1, 2, 2]))] {
            let shape = [1, 2, d, 4, 4]
            let x = try f32(shape, Array(xv[0..<shape.reduce(1, *)]))
            let fast = try #require(try PoolFloat.pool(x, geom: geom, kind: .max))
            let (plain, _) = try poolND(x.doubleArray(), shape: shape, geom: geom, kind: .max)
            #expect(try fast.scalars(of: Float.self) == plain.map { Float($0) }, "D \(d)")
        }
    }
}

extension PoolFloatTests {
    /// Stride-1 pools that keep the plane's size through the AVX-512 kernel
    /// (`sp_pool_planes_same`) against the Swift plane loop (`vectorKernel: false`), bit for
    /// bit, NaN payloads included: random kernels 1-5 with every split of the padding, planes
    /// from 1×1 to 40×40 (flat lengths below, at and past 16-lane blocks), up to 90 planes
    /// (split over the threads), values with ties, ±0, ±inf and NaNs of different payloads
    /// (which one wins is the order of the combines; a third of the trials are a third NaN). On
    /// a CPU without AVX-512F both sides are the Swift loop.
    @Test func sameSizePlanesMatchTheSwiftPlanes() throws {
        var rng = TestLCG(seed: 0x9e3779b97f4a7c15)
        func next(_ n: Int) -> Int { rng.next(n) }
        let nans: [UInt32] = [0x7fc0_0001, 0xffc0_0002, 0x7fc0_0003]
        var compared = 0
        for trial in 0..<300 {
            let kh = 1 + next(5), kw = 1 + next(5)
            let pt = next(kh), pl = next(kw)
            let h = kh + next(trial % 5 == 0 ? 36 : 12), w = kw + next(trial % 7 == 0 ? 36 : 12)
            let geom = SpatialGeometry(kernel: [kh, kw], strides: [1, 1], dilations: [1, 1], padBegin: [pt, pl],
                                       padEnd: [kh - 1 - pt, kw - 1 - pl], output: [h, w])
            let xs = [1 + next(2), trial % 10 == 3 ? 60 + next(30) : 1 + next(5), h, w]
            let n = xs.reduce(1, *)
            var xv = (0..<n).map { _ in Float(next(41)) / 4 - 5 }  // ties
            if trial % 3 == 1 {
                for _ in 0..<(1 + next(4)) {
                    let special = [Float(bitPattern: nans[next(3)]), -.infinity, .infinity, -0.0, 0.0]
                    xv[next(n)] = special[next(special.count)]
                }
            }
            if trial % 3 == 2 {
                // A third NaNs: windows with two and more, where the order decides which wins.
                for i in 0..<n where next(3) == 0 { xv[i] = Float(bitPattern: nans[next(3)]) }
            }
            let x = try f32(xs, xv)
            for kind in [PoolKind.max, .average(countIncludePad: false), .average(countIncludePad: true)] {
                let fast = try #require(try PoolFloat.poolPlanes(x, geom: geom, kind: kind))
                let loop = try #require(try PoolFloat.poolPlanes(x, geom: geom, kind: kind, vectorKernel: false))
                let a = try fast.scalars(of: Float.self).map(\.bitPattern), b = try loop.scalars(of: Float.self).map(\.bitPattern)
                #expect(fast.shape == loop.shape && a == b, "trial \(trial) x \(xs) k \(kh)x\(kw) pads \(pt),\(pl) \(kind)")
                compared += 1
            }
        }
        #expect(compared == 900)
    }
}
