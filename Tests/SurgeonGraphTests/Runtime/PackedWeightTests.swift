import Foundation
@testable import SurgeonGraph
@testable import SurgeonTensor
import Testing
import TestSupport

/// MatMul / Gemm by a constant weight through the packed weight (PlanPackedWeights.swift): close
/// to the plain (OpenBLAS) run, the weight packed once per interpreter, and the leading
/// per-value epilogues (bias Add, Gelu, Mul by a layer scale, Relu) applied by the kernel give
/// the bits of the same product with the epilogues run by the plan.
@Suite struct PackedWeightTests {
    static func rnd(_ shape: [Int], seed: UInt32, scale: Float = 1) throws -> Tensor {
        let t = try ExecutionPlanTests.rnd(shape, seed: seed)
        return try f32(shape, t.scalars(of: Float.self).map { $0 * scale })
    }

    /// x → MatMul(W) → Add(bias) → Gelu → Mul(gamma) → y.
    static func mlp(k: Int, n: Int) throws -> Model {
        let g = Graph(name: "g", nodes: [
            Node(name: "mm", opType: "MatMul", inputs: ["x", "W"], outputs: ["m"]),
            Node(name: "add", opType: "Add", inputs: ["m", "bias"], outputs: ["a"]),
            Node(name: "gelu", opType: "Gelu", inputs: ["a"], outputs: ["g"]),
            Node(name: "mul", opType: "Mul", inputs: ["gamma", "g"], outputs: ["y"]),
        ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("W", try rnd([k, n], seed: 41)), ("bias", try rnd([n], seed: 42, scale: 4)),
                                     ("gamma", try rnd([n], seed: 43))])
        return Model(graph: g, opsetImports: ["": 20])
    }

    @Test func matMulWithEpiloguesMatchesPlainAndKeptRuns() throws {
        guard PackedMatrix.isFast else { return }
        for (shape, k, n) in [([1, 197, 70], 70, 300), ([2, 3, 33], 33, 65), ([130, 8], 8, 1)] {
            let model = try Self.mlp(k: k, n: n)
            let x = try Self.rnd(shape, seed: 44, scale: 3)
            let fused = Interpreter(model: model), plain = Interpreter(model: model)
            plain.fusionEnabled = false
            let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            #expect(yf.shape == Array(shape.dropLast()) + [n])
            #expect(isClose(yf, yp, atol: 1e-5, rtol: 1e-4), "\(shape) x \(n)")
            let plan = try fused.plan(keep: ["y"], observing: false)
            #expect(plan.steps.count == 1)
            #expect(plan.steps.first?.tileEpilogue?.count == 3, "bias, gelu and the gamma row go to the kernel")
            #expect(fused.packedWeights["N:W"]?.isMade == true)
            #expect(plain.packedWeights.isEmpty)
            // Keeping the product: the same packed product, the epilogues run by the plan: same bits.
            let r = try fused.run(feeds: ["x": .tensor(x)], outputs: ["y", "m"])
            let yk = try #require(r["y"]).asTensor()
            #expect(try yk.scalars(of: Float.self).map(\.bitPattern) == yf.scalars(of: Float.self).map(\.bitPattern))
            let mp = try #require(plain.run(feeds: ["x": .tensor(x)], outputs: ["m"])["m"]).asTensor()
            #expect(isClose(try #require(r["m"]).asTensor(), mp, atol: 1e-5, rtol: 1e-5))
        }
    }

    /// A bias whose length is not the product's width (broadcast the other way) is not taken
    /// by the kernel, and the result is still the plain one.
    @Test func biasOfAnotherLengthStaysWithThePlan() throws {
        guard PackedMatrix.isFast else { return }
        let g = Graph(name: "g", nodes: [
            Node(name: "mm", opType: "MatMul", inputs: ["x", "W"], outputs: ["m"]),
            Node(name: "add", opType: "Add", inputs: ["m", "bias"], outputs: ["a"]),
            Node(name: "relu", opType: "Relu", inputs: ["a"], outputs: ["y"]),
        ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("W", try Self.rnd([20, 1], seed: 45)), ("bias", try Self.rnd([7], seed: 46))])
        let model = Model(graph: g, opsetImports: ["": 20])
        let x = try Self.rnd([7, 20], seed: 47)
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        #expect(yf.shape == [7, 7])
        #expect(isClose(yf, yp, atol: 1e-5, rtol: 1e-4))
    }

    /// Gemm(A, W or Wᵀ, C): C a bias row or a full matrix, added as is; alpha ≠ 1 or transA
    /// falls back to the plain kernel. All close to the plain run.
    @Test func gemmFormsMatchThePlainRun() throws {
        guard PackedMatrix.isFast else { return }
        let m = 50, k = 40, n = 70
        let cases: [(transB: Bool, c: [Int]?, alpha: Float, beta: Float, transA: Bool, packed: Bool)] = [
            (true, nil, 1, 1, false, true), (false, [n], 1, 1, false, true), (true, [m, n], 1, 1, false, true),
            (true, [n], 1, 0, false, true), (false, [n], 2, 1, false, false), (true, [1], 1, 0.5, false, false),
            (false, nil, 1, 1, true, false),
        ]
        for cs in cases {
            var inputs = ["x", "W"]
            var inits: [(String, Tensor)] = [("W", try Self.rnd(cs.transB ? [n, k] : [k, n], seed: 51))]
            if let c = cs.c {
                inputs.append("C")
                inits.append(("C", try Self.rnd(c, seed: 52)))
            }
            let node = Node(name: "gemm", opType: "Gemm", inputs: inputs, outputs: ["g"], attributes: [
                Attribute(name: "transB", value: .int(cs.transB ? 1 : 0)), Attribute(name: "transA", value: .int(cs.transA ? 1 : 0)),
                Attribute(name: "alpha", value: .float(cs.alpha)), Attribute(name: "beta", value: .float(cs.beta)),
            ])
            let relu = Node(name: "relu", opType: "Relu", inputs: ["g"], outputs: ["y"])
            let g = Graph(name: "g", nodes: [node, relu], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                          initializers: inits)
            let model = Model(graph: g, opsetImports: ["": 13])
            let x = try Self.rnd(cs.transA ? [k, m] : [m, k], seed: 53)
            let fused = Interpreter(model: model), plain = Interpreter(model: model)
            plain.fusionEnabled = false
            let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            #expect(yf.shape == [m, n])
            #expect(isClose(yf, yp, atol: 1e-5, rtol: 1e-4), "\(cs)")
            let key = (cs.transB ? "T:" : "N:") + "W"
            #expect((fused.packedWeights[key]?.isMade ?? false) == cs.packed, "\(cs)")
        }
    }

    /// Few rows against a weight of 1 MiB or more keep the transposed-weight path; many rows
    /// take the packed one. A box serves one constant only.
    @Test func fewRowsKeepTheTransposedWeight() throws {
        guard PackedMatrix.isFast else { return }
        let k = 512, n = 600
        let g = Graph(name: "g", nodes: [Node(name: "mm", opType: "MatMul", inputs: ["x", "W"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")], initializers: [("W", try Self.rnd([k, n], seed: 54))])
        for rows in [8, 16, 100] {
            let fused = Interpreter(model: Model(graph: g, opsetImports: ["": 17]))
            _ = try fused.run(feeds: ["x": .tensor(try Self.rnd([rows, k], seed: 55))])
            #expect(fused.transposedWeights["W"]?.isMade == (rows <= TransposedWeight.maximumRows))
            #expect((fused.packedWeights["N:W"]?.isMade ?? false) == (rows > TransposedWeight.maximumRows))
            // clearPlans drops the weight copies with the plans.
            fused.clearPlans()
            #expect(fused.transposedWeights.isEmpty && fused.packedWeights.isEmpty)
        }
        // The same for Gemm (transB, as a classifier): few rows run the plain kernel, unpacked.
        let gg = Graph(name: "g", nodes: [Node(name: "fc", opType: "Gemm", inputs: ["x", "W", "B"], outputs: ["y"],
                                               attributes: [Attribute(name: "transB", value: .int(1))])],
                       inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                       initializers: [("W", try Self.rnd([n, k], seed: 58)), ("B", try Self.rnd([n], seed: 59))])
        for rows in [1, 100] {
            let fused = Interpreter(model: Model(graph: gg, opsetImports: ["": 17]))
            let plain = Interpreter(model: Model(graph: gg, opsetImports: ["": 17]))
            plain.fusionEnabled = false
            let x = try Self.rnd([rows, k], seed: 60)
            let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            #expect(isClose(yf, yp, atol: 1e-5, rtol: 1e-4))
            #expect((fused.packedWeights["T:W"]?.isMade ?? false) == (rows > TransposedWeight.maximumRows), "\(rows) rows")
        }
        let box = PackedWeight(), w = try Self.rnd([8, 5], seed: 56)
        #expect(box.matrix(for: w, transposed: false) != nil)
        #expect(box.matrix(for: w, transposed: true) == nil)
        #expect(box.matrix(for: try Self.rnd([8, 5], seed: 57), transposed: false) == nil)
        // A weight's derived copy lives with the interpreter: made in the long-lived arena,
        // not among the activations, even when first made inside a run.
        let big = PackedWeight(), wb = try Self.rnd([256, 256], seed: 58)
        let m = try #require(big.matrix(for: wb, transposed: true))
        #expect(BlockArena.longLived.owns(m.storage.buffer.pointer))
        #expect(!BlockArena.shared.owns(m.storage.buffer.pointer))
    }
}
