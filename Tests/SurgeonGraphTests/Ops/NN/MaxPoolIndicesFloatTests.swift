@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// MaxPool with Indices for float32 (`MaxPoolIndicesFloat`) against the plain Double `poolND`
/// it replaces: values and indices exactly, both storage orders.
@Suite struct MaxPoolIndicesFloatTests {
    /// Random 1-D / 2-D / 3-D geometries (kernels, strides, dilations, pads, ceil_mode windows
    /// past the input, windows wholly in the padding), values drawn from few levels (ties), with
    /// NaN, -inf and +inf sprinkled in.
    @Test func randomGeometriesMatchPlainPool() throws {
        var rng = TestLCG(seed: 0x2545f4914f6cdd1d)
        func next(_ n: Int) -> Int { rng.next(n) }
        var checked = 0
        for trial in 0..<240 {
            // Pads up to the whole window now and then (windows with no input at all).
            let (xs, geom) = randomPoolGeometry(trial: trial, maxKernel: 5, lastExtent: 30, otherExtent: 12,
                                                maxPad: { kk, ext in trial % 13 == 4 ? ext : min(kk, 4) }, next: next)
            let (k, s, d, pb, pe, out) = (geom.kernel, geom.strides, geom.dilations, geom.padBegin, geom.padEnd, geom.output)
            let n = xs.reduce(1, *)
            var xv = (0..<n).map { _ in Float(next(trial % 2 == 0 ? 5 : 2001)) / 4 - 2 }
            if trial % 4 == 1 {
                for _ in 0..<(1 + next(4)) { xv[next(n)] = [Float.nan, -.infinity, .infinity][next(3)] }
            }
            let x = try f32(xs, xv)
            for columnMajor in [false, true] {
                let (v, i) = try #require(try MaxPoolIndicesFloat.pool(x, geom: geom, columnMajor: columnMajor))
                let (plainV, plainI) = try poolND(x.doubleArray(), shape: xs, geom: geom, kind: .max, columnMajor: columnMajor)
                let got = try v.scalars(of: Float.self), gotI = try i.scalars(of: Int64.self)
                #expect(v.shape == Array(xs[0..<2]) + out && i.shape == v.shape && i.dtype == .int64)
                var same = got.count == plainV.count && gotI == plainI
                for j in 0..<min(got.count, plainV.count) {
                    let want = Float(plainV[j])
                    same = same && (want.isNaN ? got[j].isNaN : got[j] == want)
                }
                #expect(same, "trial \(trial) x \(xs) k \(k) s \(s) d \(d) pads \(pb) \(pe) out \(out) colMajor \(columnMajor)")
                checked += 1
            }
        }
        #expect(checked == 480)
    }

    /// The AVX2 rows (`sp_maxpool_indices_rows`) against the Swift plane loop: random 1-D /
    /// 2-D / 3-D geometries (strides 1-4: the stride-2 shuffles and the gathers; windows wholly
    /// in the padding; widths past two 8-column blocks), ties, ±0, NaN / ±inf sprinkled in or
    /// -inf nearly everywhere, both storage orders, some inputs big enough for the threads:
    /// values bit for bit (NaN where it gives NaN) and indices exactly. Without AVX2 both sides
    /// are the Swift loop.
    @Test func vectorRowsMatchPlaneLoop() throws {
        var rng = TestLCG(seed: 0xda942042e4dd58b5)
        func next(_ n: Int) -> Int { rng.next(n) }
        var checked = 0
        for trial in 0..<300 {
            var (xs, geom) = randomPoolGeometry(trial: trial, maxKernel: 6, lastExtent: 50, otherExtent: 12,
                                                maxPad: { kk, ext in trial % 13 == 4 ? ext : min(kk, 4) }, next: next)
            if trial % 17 == 3 { geom = lastStrideFour(geom, xs) }
            if trial % 50 == 7 { xs[1] = 40 + next(30) }
            let xv = maxPoolTestValues(trial: trial, count: xs.reduce(1, *), levels: 5, next: next)
            let x = try f32(xs, xv)
            let columnMajor = trial % 2 == 1
            let (v, i) = try #require(try MaxPoolIndicesFloat.pool(x, geom: geom, columnMajor: columnMajor))
            let (sv, si) = try #require(try MaxPoolIndicesFloat.pool(x, geom: geom, columnMajor: columnMajor, vectorKernel: false))
            let a = try v.scalars(of: Float.self), b = try sv.scalars(of: Float.self)
            let ia = try i.scalars(of: Int64.self), ib = try si.scalars(of: Int64.self)
            var same = v.shape == sv.shape && i.shape == si.shape && a.count == b.count && ia == ib
            for j in 0..<min(a.count, b.count) {
                same = same && (b[j].isNaN ? a[j].isNaN : a[j].bitPattern == b[j].bitPattern)
            }
            #expect(same, "trial \(trial) x \(xs) k \(geom.kernel) s \(geom.strides) d \(geom.dilations) pads \(geom.padBegin) \(geom.padEnd) out \(geom.output) colMajor \(columnMajor)")
            checked += 1
        }
        #expect(checked == 300)
    }

    /// Through the op: MaxPool with both outputs, storage_order 1, against the plain kernel.
    @Test func maxPoolOpTakesTheFastKernel() throws {
        let xv: [Float] = (0..<252).map { (i: Int) -> Float in Float((i * 29) % 17) - 8 }
        let x = try f32([2, 3, 7, 6], xv)
        let node = Node(name: "mp", opType: "MaxPool", inputs: ["x"], outputs: ["y", "i"],
                        attributes: [Attribute(name: "kernel_shape", value: .ints([3, 2])),
                                     Attribute(name: "strides", value: .ints([2, 1])),
                                     Attribute(name: "pads", value: .ints([1, 0, 1, 1])),
                                     Attribute(name: "storage_order", value: .int(1))])
        let g = Graph(name: "g", nodes: [node], inputs: [ValueInfo(name: "x")],
                      outputs: [ValueInfo(name: "y"), ValueInfo(name: "i")])
        let r = try Interpreter(model: Model(graph: g, opsetImports: ["": 12])).run(feeds: ["x": .tensor(x)])
        let geom = SpatialGeometry(kernel: [3, 2], strides: [2, 1], dilations: [1, 1], padBegin: [1, 0], padEnd: [1, 1],
                                   output: [4, 6])
        let (pv, pi) = try poolND(x.doubleArray(), shape: x.shape, geom: geom, kind: .max, columnMajor: true)
        #expect(try #require(r["y"]).asTensor().scalars(of: Float.self) == pv.map { Float($0) })
        #expect(try #require(r["i"]).asTensor().scalars(of: Int64.self) == pi)
    }
}
