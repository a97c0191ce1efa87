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
