import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// MatMulInteger by a constant int8 weight, as dynamic quantization exports every MatMul
/// (DynamicQuantizeLinear → MatMulInteger → Cast → Mul by the scales → Add the bias): the
/// packed VNNI kernel (PlanIntegerMatMul.swift), fused with the Cast (PlanConvIntegerCast.swift)
/// when the int32 value is not kept. The same bits as the nodes' own kernels either way.
@Suite struct IntegerMatMulTests {
    static func net(k: Int, n: Int, perColumn: Bool) throws -> Model {
        var s: UInt32 = 17
        func next() -> Int64 { s = s &* 1664525 &+ 1013904223; return Int64(s >> 24) - 128 }
        let w = try Tensor(int64s: (0..<(k * n)).map { _ in next() }, shape: [k, n], dtype: .int8)
        let wz = perColumn ? try Tensor(int64s: (0..<n).map { _ in next() / 8 }, shape: [n], dtype: .int8)
                           : try Tensor(int64s: [0], shape: [], dtype: .int8)
        let nodes = [
            Node(name: "dq", opType: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["xq", "xs", "xz"]),
            Node(name: "scale", opType: "Mul", inputs: ["xs", "ws"], outputs: ["sc"]),
            Node(name: "mm", opType: "MatMulInteger", inputs: ["xq", "w", "xz", "wz"], outputs: ["yi"]),
            Node(name: "cast", opType: "Cast", inputs: ["yi"], outputs: ["yf"], attributes: [Attribute(name: "to", value: .int(1))]),
            Node(name: "mul", opType: "Mul", inputs: ["yf", "sc"], outputs: ["ym"]),
            Node(name: "add", opType: "Add", inputs: ["ym", "b"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("w", w), ("wz", wz), ("ws", Tensor(scalar: Float(0.0071))),
                                     ("b", try f32([n], (0..<n).map { Float($0) * 0.125 - 2 }))])
        return Model(graph: g, opsetImports: ["": 13])
    }

    static func input(_ shape: [Int]) throws -> Tensor {
        var s: UInt32 = 5
        return try f32(shape, (0..<shape.reduce(1, *)).map { _ in
            s = s &* 1664525 &+ 1013904223
            return Float(s >> 8) / Float(1 << 24) * 6 - 2.5
        })
    }

    @Test func fusedPackedStepMatchesTheKernels() throws {
        // K a multiple of 4 and not; a batch axis; rows split over the kernel threads.
        for (xShape, n, perColumn) in [([1, 7, 128], 64, false), ([2, 5, 30], 9, true), ([70, 256], 100, true)] {
            let model = try Self.net(k: xShape.last ?? 1, n: n, perColumn: perColumn)
            let feeds: [String: Value] = ["x": .tensor(try Self.input(xShape))]
            let fused = try ObservedRunTests.expectSameAsUnfused(model, feeds: feeds, wanted: ["y"])
            let plan = try fused.plan(keep: ["y"], observing: false)
            let mm = try #require(plan.steps.first { $0.node.opType == "MatMulInteger" })
            // The Cast runs in the MatMulInteger step; the Mul and Add are its epilogues.
            #expect(mm.castsToFloat32 && mm.epilogues.count == 2, "\(xShape)")
            #expect(!plan.steps.contains { $0.node.opType == "Cast" })
            if QGemm.available {
                #expect(fused.integerMatMulWeights["w"]?.isMade == true, "the packed kernel did not run")
            }
            // The float result before the scales, and the int32 one, kept (inspected): exact too.
            _ = try ObservedRunTests.expectSameAsUnfused(model, feeds: feeds, wanted: ["y", "yf"])
            _ = try ObservedRunTests.expectSameAsUnfused(model, feeds: feeds, wanted: ["y", "yi"])
        }
    }

    @Test func observedRunsMatchPlainOnes() throws {
        // `inspect all`: every value, the packed kernel's int32 result included, as a plain run.
        let model = try Self.net(k: 96, n: 40, perColumn: true)
        let feeds: [String: Value] = ["x": .tensor(try Self.input([3, 96]))]
        let fused = Interpreter(model: model)
        var seen: [String: Tensor] = [:]
        _ = try fused.run(feeds: feeds) { event in
            for (name, v) in event.outputs { if let t = try? v.asTensor() { seen[name] = t } }
        }
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let all = ["xq", "yi", "yf", "ym", "y"]
        let r = try plain.run(feeds: feeds, outputs: all)
        for name in all {
            let a = try #require(seen[name]), b = try #require(r[name]).asTensor()
            #expect(a.dtype == b.dtype && a.int64Array() == b.int64Array(), "\(name)")
            if a.dtype == .float32 {
                #expect(try a.scalars(of: Float.self).map(\.bitPattern) == b.scalars(of: Float.self).map(\.bitPattern), "\(name)")
            }
        }
    }
}
