import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// QuantizeLinear → DequantizeLinear pairs run as one fake-quantize step (or epilogue):
/// bit-identical to the two kernels.
@Suite struct FakeQuantizeTests {
    static func values(_ n: Int, seed: UInt32, scale: Float) -> [Float] {
        var s = seed
        var v = (0..<n).map { _ -> Float in
            s = s &* 1664525 &+ 1013904223
            return (Float(s >> 8) / Float(1 << 24) - 0.5) * scale
        }
        // Ties, NaN, infinities and huge values.
        let specials: [Float] = [.nan, .infinity, -.infinity, 1e30, -1e30, 0.5, 1.5, 2.5, -0.5, -2.5, 127.5, -128.5, 0, -0.0]
        for (i, x) in specials.enumerated() where i * 7 < n { v[i * 7] = x }
        return v
    }

    /// x → Q → DQ → Conv → Q → DQ → Add(x') → Q → DQ → Relu → y, with the quantization types
    /// and zero points given (the second pair's DequantizeLinear uses its own parameters).
    static func qdqNet(type: DType, zeroPoints: Bool) throws -> Model {
        let signed = type == .int8
        func zp(_ v: Int64) throws -> Tensor { try Tensor(int64s: [signed ? v - 20 : v + 100], shape: [], dtype: type) }
        var inits: [(String, Tensor)] = [
            ("W", try Tensor(shape: [3, 3, 3, 3], scalars: values(81, seed: 5, scale: 1).map { $0.isFinite && abs($0) < 2 ? $0 : 0.1 })),
            ("s1", Tensor(scalar: Float(0.05))), ("s2", Tensor(scalar: Float(0.07))), ("s2b", Tensor(scalar: Float(0.0703))),
            ("s3", Tensor(scalar: Float(0.11))),
        ]
        if zeroPoints { inits += [("z1", try zp(3)), ("z2", try zp(-7)), ("z2b", try zp(5)), ("z3", try zp(0))] }
        func q(_ n: String, _ x: String, _ s: String, _ z: String, _ y: String) -> Node {
            Node(name: n, opType: "QuantizeLinear", inputs: zeroPoints ? [x, s, z] : [x, s], outputs: [y])
        }
        func dq(_ n: String, _ x: String, _ s: String, _ z: String, _ y: String) -> Node {
            Node(name: n, opType: "DequantizeLinear", inputs: zeroPoints ? [x, s, z] : [x, s], outputs: [y])
        }
        let nodes = [
            q("q1", "x", "s1", "z1", "xq"), dq("dq1", "xq", "s1", "z1", "xd"),
            Node(name: "conv", opType: "Conv", inputs: ["xd", "W"], outputs: ["c"],
                 attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
            q("q2", "c", "s2", "z2", "cq"), dq("dq2", "cq", "s2b", "z2b", "cd"),
            Node(name: "add", opType: "Add", inputs: ["cd", "x"], outputs: ["a"]),
            q("q3", "a", "s3", "z3", "aq"), dq("dq3", "aq", "s3", "z3", "ad"),
            Node(name: "relu", opType: "Relu", inputs: ["ad"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: inits)
        return Model(graph: g, opsetImports: ["": 19])
    }

    @Test func fusedPairsAreBitIdenticalToTheKernels() throws {
        for type in [DType.uint8, .int8] {
            for zeroPoints in [false, true] {
                let model = try Self.qdqNet(type: type, zeroPoints: zeroPoints)
                let x = try f32([2, 3, 9, 11], Self.values(2 * 3 * 99, seed: 9, scale: 40))
                let fused = Interpreter(model: model)
                let plain = Interpreter(model: model)
                plain.fusionEnabled = false
                let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
                let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
                let bf = try yf.scalars(of: Float.self).map(\.bitPattern), bp = try yp.scalars(of: Float.self).map(\.bitPattern)
                #expect(bf == bp, "\(type) zero points \(zeroPoints)")
                #expect(Set(bp).count > 20, "the test must see many distinct levels")
                // Q1+DQ1 as a step; Conv with Q2+DQ2, Add, Q3+DQ3 and Relu as epilogues.
                let plan = try fused.plan(keep: ["y"], observing: false)
                #expect(plan.steps.count == 2)
                #expect(plan.steps.map(\.epilogues.count) == [0, 4])
                #expect(plan.steps.first?.fakeQuantize != nil)
            }
        }
    }

    @Test func keptIntegerValuesStopTheFusion() throws {
        let model = try Self.qdqNet(type: .uint8, zeroPoints: true)
        let x = try f32([1, 3, 4, 4], Self.values(48, seed: 3, scale: 10))
        let fused = Interpreter(model: model)
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let wanted = ["y", "cq", "xq"]
        let rf = try fused.run(feeds: ["x": .tensor(x)], outputs: wanted)
        let rp = try plain.run(feeds: ["x": .tensor(x)], outputs: wanted)
        for name in wanted {
            let a = try #require(rf[name]).asTensor(), b = try #require(rp[name]).asTensor()
            #expect(a.dtype == b.dtype && a.int64Array() == b.int64Array() || name == "y", "\(name)")
        }
        #expect(try rf["y"].map { try $0.asTensor().scalars(of: Float.self).map(\.bitPattern) }
                == rp["y"].map { try $0.asTensor().scalars(of: Float.self).map(\.bitPattern) })
        let plan = try fused.plan(keep: wanted, observing: false)
        // Only the third pair is fused.
        #expect(plan.steps.filter { $0.fakeQuantize != nil }.count + plan.steps.flatMap(\.epilogues).filter {
            if case .fakeQuantize = $0.inPlace { return true } else { return false }
        }.count == 1)
    }

    @Test func float16InputsRunTheTwoKernels() throws {
        // A float16 activation: the fused step falls back to QuantizeLinear + DequantizeLinear.
        let nodes = [
            Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["xq"]),
            Node(name: "dq", opType: "DequantizeLinear", inputs: ["xq", "s32", "z"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("s", try Tensor(scalar: Float(0.5)).cast(to: .float16)),
                                     ("s32", Tensor(scalar: Float(0.5))), ("z", Tensor(scalar: UInt8(10)))])
        let interp = Interpreter(model: Model(graph: g, opsetImports: ["": 21]))
        let x = try f32([4], [1.2, -3, 200, 0.25]).cast(to: .float16)
        let y = try #require(interp.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        // A float16 scale is not fused at all; the result is the kernels' either way.
        #expect(try y.scalars(of: Float.self) == [1, -3, 122.5, 0])
    }

    @Test func fakeQuantizeOnFloat16ActivationWithFloat32Scale() throws {
        let nodes = [
            Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["xq"]),
            Node(name: "dq", opType: "DequantizeLinear", inputs: ["xq", "s", "z"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("s", Tensor(scalar: Float(0.5))), ("z", Tensor(scalar: Int8(-3)))])
        let model = Model(graph: g, opsetImports: ["": 21])
        let fused = Interpreter(model: model)
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        #expect(try fused.plan(keep: ["y"], observing: false).steps.first?.fakeQuantize != nil)
        let x = try f32([5], [1.2, -3, 200, 0.25, -90]).cast(to: .float16)
        let run = { (i: Interpreter) -> Result<[Float], Error> in
            Result { try #require(i.run(feeds: ["x": .tensor(x)])["y"]).asTensor().scalars(of: Float.self) }
        }
        // Whatever the kernels do with a float16 x (compute or refuse), the fused step does too.
        switch (run(fused), run(plain)) {
        case (.success(let a), .success(let b)): #expect(a == b)
        case (.failure, .failure): break
        default: Issue.record("fused and unfused runs disagree on a float16 input")
        }
    }
}
