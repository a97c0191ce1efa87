import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// ConvInteger → Cast(to: FLOAT) fused into one step writing float32 (PlanConvIntegerCast.swift):
/// the same bits as the two kernels, only when the int32 value is not kept.
@Suite struct ConvIntegerCastTests {
    /// x (uint8) → ConvInteger(w, zero points) → Cast(FLOAT) → Mul(scale) → Add(bias [1, M, 1, 1]).
    static func net(wShape: [Int], group: Int, pads: [Int], seed: UInt32, castTo: AttributeValue = .int(1)) throws -> Model {
        let m = wShape[0], count = wShape.reduce(1, *), per = count / m
        var s = seed
        func next() -> Int64 { s = s &* 1664525 &+ 1013904223; return Int64(s >> 24) - 128 }
        // Output channel 0's weights all equal its zero point: every product is ±0.
        let zps: [Int64] = (0..<m).map { $0 == 0 ? 7 : next() / 4 }
        let wv: [Int64] = (0..<count).map { $0 < per ? 7 : next() }
        let nodes = [
            Node(name: "conv", opType: "ConvInteger", inputs: ["x", "w", "xz", "wz"], outputs: ["yi"],
                 attributes: [Attribute(name: "group", value: .int(group)), Attribute(name: "pads", value: .ints(pads))]),
            Node(name: "cast", opType: "Cast", inputs: ["yi"], outputs: ["yf"], attributes: [Attribute(name: "to", value: castTo)]),
            Node(name: "mul", opType: "Mul", inputs: ["yf", "s"], outputs: ["ym"]),
            Node(name: "add", opType: "Add", inputs: ["ym", "b"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("w", try Tensor(int64s: wv, shape: wShape, dtype: .int8)),
                                     ("xz", try Tensor(int64s: [200], shape: [], dtype: .uint8)),
                                     ("wz", try Tensor(int64s: zps, shape: [m], dtype: .int8)),
                                     ("s", Tensor(scalar: Float(0.0123))),
                                     ("b", try f32([1, m, 1, 1], (0..<m).map { Float($0) * 0.25 - 1 }))])
        return Model(graph: g, opsetImports: ["": 13])
    }

    static func input(_ shape: [Int], seed: UInt32) throws -> Tensor {
        var s = seed
        // Mostly the zero point (200), so windows of channel 0 sum to -0 products only.
        let v: [Int64] = (0..<shape.reduce(1, *)).map { i in
            s = s &* 1664525 &+ 1013904223
            return i % 3 == 0 ? 200 : Int64(s >> 24)
        }
        return try Tensor(int64s: v, shape: shape, dtype: .uint8)
    }

    @Test func fusedStepMatchesTheKernels() throws {
        // (x shape, w shape, group, pads): one slice, grouped (depthwise), 300 input channels
        // of a 1×1 kernel (slices summed in int32).
        let cases: [([Int], [Int], Int, [Int])] = [
            ([1, 3, 9, 8], [4, 3, 3, 3], 1, [1, 1, 1, 1]),
            ([2, 6, 11, 7], [6, 1, 3, 3], 6, [1, 0, 1, 2]),
            ([1, 300, 5, 3], [5, 300, 1, 1], 1, [0, 0, 0, 0]),
        ]
        for (k, (xShape, wShape, group, pads)) in cases.enumerated() {
            for castTo in [AttributeValue.int(1), .string("FLOAT")] {
                let model = try Self.net(wShape: wShape, group: group, pads: pads, seed: UInt32(k + 3), castTo: castTo)
                let feeds: [String: Value] = ["x": .tensor(try Self.input(xShape, seed: UInt32(k + 11)))]
                let fused = try ObservedRunTests.expectSameAsUnfused(model, feeds: feeds, wanted: ["y"])
                let plan = try fused.plan(keep: ["y"], observing: false)
                // One step: ConvInteger writing floats, Mul and Add its epilogues.
                #expect(plan.steps.count == 1, "\(xShape)")
                #expect(plan.steps.first?.node.opType == "ConvInteger" && plan.steps.first?.epilogues.count == 2)
                // The fused step's float result itself (before the Mul), as the Cast gives it.
                _ = try ObservedRunTests.expectSameAsUnfused(model, feeds: feeds, wanted: ["y", "yf"])
            }
        }
    }

    @Test func keptIntegersAreNotFused() throws {
        let model = try Self.net(wShape: [4, 3, 3, 3], group: 1, pads: [1, 1, 1, 1], seed: 5)
        let feeds: [String: Value] = ["x": .tensor(try Self.input([1, 3, 6, 5], seed: 2))]
        let fused = try ObservedRunTests.expectSameAsUnfused(model, feeds: feeds, wanted: ["y", "yi"])
        let plan = try fused.plan(keep: ["y", "yi"], observing: false)
        // The int32 result is kept: no fused step; the Cast leads the ConvInteger's kept chain
        // (`Epilogue.InPlace.castInt32`), converting while it reads the integers.
        let ci = try #require(plan.steps.first { $0.node.opType == "ConvInteger" })
        #expect(ci.keepsIntermediates && ci.epilogues.first?.node.opType == "Cast")
        if case .castInt32? = ci.epilogues.first?.inPlace {} else { Issue.record("the Cast is not the chain's .castInt32") }
        #expect(try #require(fused.run(feeds: feeds, outputs: ["yi"])["yi"]).asTensor().dtype == .int32)
        // Cast to another type than FLOAT stays a Cast.
        let toDouble = try Self.net(wShape: [4, 3, 3, 3], group: 1, pads: [1, 1, 1, 1], seed: 5, castTo: .int(11))
        let other = Interpreter(model: toDouble)
        #expect(try other.plan(keep: ["yf"], observing: false).steps.contains { $0.node.opType == "Cast" })
    }

    @Test func int16InputsRunTheKernels() throws {
        // The fast kernel takes 8-bit operands only: the fused step runs ConvInteger's general
        // path, then the Cast's kernel.
        let w = try Tensor(int64s: (0..<24).map { Int64($0 % 7) - 3 }, shape: [2, 3, 2, 2], dtype: .int16)
        let nodes = [
            Node(name: "conv", opType: "ConvInteger", inputs: ["x", "w"], outputs: ["yi"]),
            Node(name: "cast", opType: "Cast", inputs: ["yi"], outputs: ["y"], attributes: [Attribute(name: "to", value: .int(1))]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("w", w)])
        let model = Model(graph: g, opsetImports: ["": 13])
        let x = try Tensor(int64s: (0..<48).map { Int64($0 * 37 % 1000) - 500 }, shape: [1, 3, 4, 4], dtype: .int16)
        let fused = try ObservedRunTests.expectSameAsUnfused(model, feeds: ["x": .tensor(x)], wanted: ["y"])
        #expect(try fused.plan(keep: ["y"], observing: false).steps.count == 1)
    }
}
