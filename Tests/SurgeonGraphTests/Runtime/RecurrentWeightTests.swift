import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// LSTM / GRU / RNN with constant W and R through the weights packed once per interpreter
/// (PlanRecurrentWeights.swift): close to the plain run (no fusion: OpenBLAS on W and R as
/// given), W and R packed once, and a W that is not constant left to the step's own kernel.
@Suite struct RecurrentWeightTests {
    /// x → op(W, R, B) → y, yh; W and R initializers unless `wIsInput`.
    static func model(_ op: String, hidden h: Int, input: Int, attrs: [Attribute], wIsInput: Bool = false) throws -> Model {
        let gates = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1
        let w = try PackedWeightTests.rnd([2, gates * h, input], seed: 51, scale: 0.6)
        let r = try PackedWeightTests.rnd([2, gates * h, h], seed: 52, scale: 0.15)
        let b = try PackedWeightTests.rnd([2, 2 * gates * h], seed: 53, scale: 0.5)
        let node = Node(name: "n", opType: op, inputs: ["x", "W", "R", "B"], outputs: ["y", "yh"],
                        attributes: [Attribute(name: "hidden_size", value: .int(h)),
                                     Attribute(name: "direction", value: .string("bidirectional"))] + attrs)
        let g = Graph(name: "g", nodes: [node], inputs: [ValueInfo(name: "x")] + (wIsInput ? [ValueInfo(name: "W")] : []),
                      outputs: [ValueInfo(name: "y"), ValueInfo(name: "yh")],
                      initializers: (wIsInput ? [] : [("W", w)]) + [("R", r), ("B", b)])
        return Model(graph: g, opsetImports: ["": 22])
    }

    @Test func packedRunsMatchThePlainRun() throws {
        guard PackedMatrix.isFast else { return }
        let cases: [(String, [Attribute])] = [
            ("LSTM", []), ("GRU", []), ("GRU", [Attribute(name: "linear_before_reset", value: .int(1))]), ("RNN", []),
            ("LSTM", [Attribute(name: "clip", value: .float(0.8))]),
        ]
        for (op, attrs) in cases {
            let model = try Self.model(op, hidden: 24, input: 10, attrs: attrs)
            let x = try PackedWeightTests.rnd([5, 3, 10], seed: 54, scale: 2)
            let fused = Interpreter(model: model), plain = Interpreter(model: model)
            plain.fusionEnabled = false
            for _ in 0..<2 {
                let rf = try fused.run(feeds: ["x": .tensor(x)]), rp = try plain.run(feeds: ["x": .tensor(x)])
                for name in ["y", "yh"] {
                    let f = try #require(rf[name]).asTensor(), p = try #require(rp[name]).asTensor()
                    #expect(f.shape == p.shape)
                    #expect(isClose(f, p, atol: 1e-5, rtol: 1e-5), "\(op) \(attrs) \(name)")
                }
            }
            #expect(fused.recurrentWeights["W:W"]?.isMade == true, "\(op)")
            #expect(fused.recurrentWeights["R:R"]?.isMade == true, "\(op)")
            #expect(plain.recurrentWeights.isEmpty)
        }
    }

    /// W fed at run time: no packed copies, the step keeps its own kernel.
    @Test func nonConstantWeightIsLeftAlone() throws {
        let model = try Self.model("LSTM", hidden: 8, input: 4, attrs: [], wIsInput: true)
        let x = try PackedWeightTests.rnd([2, 3, 4], seed: 55)
        let w = try PackedWeightTests.rnd([2, 32, 4], seed: 56)
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let yf = try #require(fused.run(feeds: ["x": .tensor(x), "W": .tensor(w)])["y"]).asTensor()
        let yp = try #require(plain.run(feeds: ["x": .tensor(x), "W": .tensor(w)])["y"]).asTensor()
        #expect(isClose(yf, yp, atol: 1e-5, rtol: 1e-5))
        #expect(fused.recurrentWeights.isEmpty)
    }
}
