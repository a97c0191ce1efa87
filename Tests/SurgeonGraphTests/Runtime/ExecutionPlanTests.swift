import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Compiled plans: constant folding, fusions, slot release, reuse between runs.
@Suite struct ExecutionPlanTests {
    static func rnd(_ shape: [Int], seed: UInt32) throws -> Tensor {
        var s = seed
        let n = shape.reduce(1, *)
        let v = (0..<n).map { _ -> Float in
            s = s &* 1664525 &+ 1013904223
            return Float(s >> 8) / Float(1 << 24) - 0.5
        }
        return try Tensor(shape: shape, scalars: v)
    }

    /// x → Conv → BatchNormalization → Add(skip) → Relu → MatMul → Add(bias) → Clip → y.
    static func convNet() throws -> Model {
        let c = 4
        let inits: [(String, Tensor)] = [
            ("W", try rnd([c, c, 3, 3], seed: 1)), ("B", try rnd([c], seed: 2)),
            ("gamma", try rnd([c], seed: 3)), ("beta", try rnd([c], seed: 4)),
            ("mean", try rnd([c], seed: 5)), ("var", try Tensor(shape: [c], scalars: [Float](repeating: 0.7, count: c))),
            ("M", try rnd([5, 3], seed: 6)), ("bias", try rnd([3], seed: 7)),
            ("lo", Tensor(scalar: Float(-0.2))), ("hi", Tensor(scalar: Float(0.3))),
        ]
        let nodes = [
            Node(name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"],
                 attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
            Node(name: "bn", opType: "BatchNormalization", inputs: ["c", "gamma", "beta", "mean", "var"], outputs: ["n"]),
            Node(name: "add", opType: "Add", inputs: ["n", "x"], outputs: ["a"]),
            Node(name: "relu", opType: "Relu", inputs: ["a"], outputs: ["r"]),
            Node(name: "mm", opType: "MatMul", inputs: ["r", "M"], outputs: ["m"]),
            Node(name: "addb", opType: "Add", inputs: ["bias", "m"], outputs: ["mb"]),
            Node(name: "clip", opType: "Clip", inputs: ["mb", "lo", "hi"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: inits)
        return Model(graph: g, opsetImports: ["": 17])
    }

    static let intermediates = ["c", "n", "a", "r", "m", "mb"]

    @Test func fusedPlanMatchesUnfused() throws {
        let model = try Self.convNet()
        let x = try Self.rnd([2, 4, 5, 5], seed: 9)
        let fused = Interpreter(model: model)
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        // The batch norm is folded into the weights: equal within rounding.
        #expect(isClose(yf, yp, atol: 1e-5, rtol: 1e-5))
        let plan = try fused.plan(keep: ["y"], observing: false)
        // Conv(+bn, add, relu), MatMul(+add, clip).
        #expect(plan.steps.count == 2)
        #expect(plan.steps.map(\.epilogues.count) == [2, 2])
        #expect(try plain.plan(keep: ["y"], observing: false).steps.count == 7)
        // The feed is not written into (the Add reads it; it is never an epilogue's target).
        #expect(try x.scalars(of: Float.self) == Self.rnd([2, 4, 5, 5], seed: 9).scalars(of: Float.self))
    }

    @Test func observedIntermediatesAreExact() throws {
        let model = try Self.convNet()
        let x = try Self.rnd([1, 4, 5, 5], seed: 11)
        let wanted = ["y"] + Self.intermediates
        let fused = Interpreter(model: model)
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let rf = try fused.run(feeds: ["x": .tensor(x)], outputs: wanted)
        let rp = try plain.run(feeds: ["x": .tensor(x)], outputs: wanted)
        for name in wanted {
            let a = try #require(rf[name]).asTensor(), b = try #require(rp[name]).asTensor()
            #expect(try a.scalars(of: Float.self) == b.scalars(of: Float.self), "\(name)")
        }
        // Everything kept: Conv, BN with [Add, Relu] and MatMul with [Add, Clip] out of place,
        // every intermediate stored (ObservedRunTests).
        let all = try fused.plan(keep: wanted, observing: false)
        #expect(all.steps.count == 3)
        #expect(all.steps.map(\.keepsIntermediates) == [false, true, true])
        // Keeping only `r` fuses around it: Conv+BN+Add+Relu stops at r, then MatMul+Add+Clip.
        let partial = try fused.plan(keep: ["y", "r"], observing: false)
        #expect(partial.steps.count == 2)
        let r1 = try #require(fused.run(feeds: ["x": .tensor(x)], outputs: ["y", "r"])["r"]).asTensor()
        #expect(isClose(r1, try #require(rp["r"]).asTensor(), atol: 1e-5, rtol: 1e-5))
    }

    /// x → MatMul(W, a 512x600 constant) → Add(bias) → y: with few rows the plans multiply by
    /// Wᵀ (made once, shared by plans), with many rows by W as is; a kept or observed product
    /// is the value plain runs compute (the choice is the kernel's, in every plan).
    @Test func largeConstantWeightIsUsedTransposedForFewRows() throws {
        let k = 512, n = 600
        let g = Graph(name: "g", nodes: [
            Node(name: "mm", opType: "MatMul", inputs: ["x", "W"], outputs: ["m"]),
            Node(name: "add", opType: "Add", inputs: ["m", "bias"], outputs: ["y"]),
        ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("W", try Self.rnd([k, n], seed: 21)), ("bias", try Self.rnd([n], seed: 22))])
        let model = Model(graph: g, opsetImports: ["": 17])
        for rows in [16, 100] {
            let x = try Self.rnd([1, rows, k], seed: 23)
            let fused = Interpreter(model: model), plain = Interpreter(model: model)
            plain.fusionEnabled = false
            let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            #expect(yf.shape == [1, rows, n])
            #expect(isClose(yf, yp, atol: 1e-5, rtol: 1e-5))
            #expect(fused.transposedWeights["W"]?.isMade == (rows <= TransposedWeight.maximumRows), "\(rows) rows")
            #expect(plain.transposedWeights.isEmpty)
            // Kept and observed products are the same values; close to the untransposed ones.
            let mf = try #require(fused.run(feeds: ["x": .tensor(x)], outputs: ["m"])["m"]).asTensor()
            var observed: Tensor?
            _ = try fused.run(feeds: ["x": .tensor(x)]) { e in
                if let v = e.outputs.first(where: { $0.0 == "m" })?.1 { observed = try? v.asTensor() }
            }
            let mo = try #require(observed)
            #expect(try mf.scalars(of: Float.self) == mo.scalars(of: Float.self))
            let mp = try #require(plain.run(feeds: ["x": .tensor(x)], outputs: ["m"])["m"]).asTensor()
            #expect(isClose(mf, mp, atol: 1e-5, rtol: 1e-5))
        }
        // The transposed product itself against the plain one, rank-1 and batched A.
        let w = try Self.rnd([k, n], seed: 24), wt = try transposed(w, perm: [1, 0])
        for shape in [[k], [2, 3, k]] {
            let a = try Self.rnd(shape, seed: 25)
            let t = try MatMul.matmul(a, transposedWeight: wt), p = try MatMul.matmul(a, w)
            #expect(t.shape == p.shape)
            #expect(isClose(t, p, atol: 1e-5, rtol: 1e-5))
        }
        #expect(throws: (any Error).self) { try MatMul.matmul(try Self.rnd([2, 7], seed: 1), transposedWeight: wt) }
        // A box serves one constant only.
        let box = TransposedWeight()
        #expect(box.matrix(for: w) != nil)
        #expect(box.matrix(for: try Self.rnd([k, n], seed: 26)) == nil)
    }

    @Test func observerSeesEveryNodeUnfused() throws {
        let model = try Self.convNet()
        let x = try Self.rnd([1, 4, 5, 5], seed: 12)
        let interp = Interpreter(model: model)
        var seen: [String] = []
        _ = try interp.run(feeds: ["x": .tensor(x)]) { e in seen.append(contentsOf: e.outputs.map(\.0)) }
        #expect(seen == ["c", "n", "a", "r", "m", "mb", "y"])
    }

    @Test func constantNodesAreComputedOnceAndStillReported() throws {
        // Constant → Transpose(weight) → MatMul(x, ·): only the MatMul runs.
        let w = try Self.rnd([3, 2], seed: 3)
        let nodes = [
            Node(name: "k", opType: "Constant", inputs: [], outputs: ["k"],
                 attributes: [Attribute(name: "value", value: .tensor(Tensor(scalar: Float(2))))]),
            Node(name: "t", opType: "Transpose", inputs: ["w"], outputs: ["wt"]),
            Node(name: "s", opType: "Mul", inputs: ["wt", "k"], outputs: ["ws"]),
            Node(name: "mm", opType: "MatMul", inputs: ["x", "ws"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("w", w)])
        let interp = Interpreter(model: Model(graph: g, opsetImports: ["": 17]))
        let x = try Self.rnd([4, 2], seed: 4)
        let r = try interp.run(feeds: ["x": .tensor(x)], outputs: ["y", "ws"])
        #expect(try interp.plan(keep: ["y", "ws"], observing: false).steps.count == 1)
        let ws = try #require(r["ws"]).asTensor()
        #expect(ws.shape == [2, 3])
        let wv = try w.scalars(of: Float.self)
        #expect(try ws.scalars(of: Float.self) == [0, 2, 4, 1, 3, 5].map { wv[$0] * 2 })
        var events: [Int] = []
        _ = try interp.run(feeds: ["x": .tensor(x)]) { events.append($0.index) }
        #expect(events == [0, 1, 2, 3])
    }

    /// A constant expansion past `foldedExpansionLimit` (an Expand of 3 values to a 2.4 MB
    /// index tensor, as in ssdlite320's image scatter) runs in every run instead of being held
    /// by the plan; one within it (the same Expand to 64 KB) is folded. Same values either way.
    @Test func largeConstantExpansionsRunInsteadOfBeingHeld() throws {
        for (side, folded) in [(320, false), (64, true)] {
            let nodes = [
                Node(name: "e", opType: "Expand", inputs: ["c", "shape"], outputs: ["idx"]),
                Node(name: "a", opType: "Add", inputs: ["idx", "x"], outputs: ["y"]),
            ]
            let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                          initializers: [("c", try Tensor(ints: [0, 1, 2], shape: [3, 1, 1])),
                                         ("shape", try Tensor(ints: [3, side, side], shape: [3]))])
            let interp = Interpreter(model: Model(graph: g, opsetImports: ["": 17]))
            let plan = try interp.plan(keep: ["y"], observing: false)
            #expect(plan.steps.contains { $0.node.opType == "Expand" } == !folded, "side \(side)")
            #expect(plan.constants.contains { $0.slot == plan.slotOfName["idx"] } == folded, "side \(side)")
            let r = try interp.run(feeds: ["x": .tensor(try Tensor(ints: [10], shape: [1]))])
            let y = try #require(r["y"]).asTensor().int64Array()
            #expect(y.count == 3 * side * side && y[0] == 10 && y[side * side] == 11 && y[3 * side * side - 1] == 12)
        }
    }

    @Test func randomOpsAndFedInitializersAreNotFolded() throws {
        // RandomUniform draws anew on every run; `w` is an initializer a feed may replace.
        let nodes = [
            Node(name: "r", opType: "RandomUniform", inputs: [], outputs: ["r"],
                 attributes: [Attribute(name: "shape", value: .ints([64]))]),
            Node(name: "m", opType: "Mul", inputs: ["w", "w"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "w")],
                      outputs: [ValueInfo(name: "r"), ValueInfo(name: "y")],
                      initializers: [("w", Tensor(scalar: Float(3)))])
        let interp = Interpreter(model: Model(graph: g, opsetImports: ["": 17]))
        let a = try interp.run(feeds: [:]), b = try interp.run(feeds: [:])
        #expect(try a["r"]!.asTensor().scalars(of: Float.self) != b["r"]!.asTensor().scalars(of: Float.self))
        #expect(try a["y"]!.asTensor().scalars(of: Float.self) == [9])
        let c = try interp.run(feeds: ["w": .tensor(Tensor(scalar: Float(5)))])
        #expect(try c["y"]!.asTensor().scalars(of: Float.self) == [25])
    }

    @Test func inPlaceEpilogueNeverWritesAValueSomeoneHolds() throws {
        // Reshape returns a view of the feed; the Relu after it must not write into it.
        let nodes = [
            Node(name: "rs", opType: "Reshape", inputs: ["x", "shape"], outputs: ["v"]),
            Node(name: "relu", opType: "Relu", inputs: ["v"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("shape", try Tensor(shape: [1], scalars: [Int64(-1)]))])
        let interp = Interpreter(model: Model(graph: g, opsetImports: ["": 17]))
        let x = try f32([2, 2], [-1, 2, -3, 4])
        let y = try #require(interp.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        #expect(try y.scalars(of: Float.self) == [0, 2, 0, 4])
        #expect(try x.scalars(of: Float.self) == [-1, 2, -3, 4])
        #expect(try interp.plan(keep: ["y"], observing: false).steps.first?.epilogues.count == 1)
    }

    @Test func wholeTensorClipEpilogueSplitAmongThreads() throws {
        // Mul → Clip: the Clip runs in place on the Mul's result, in chunks on two threads.
        let nodes = [
            Node(name: "mul", opType: "Mul", inputs: ["x", "s"], outputs: ["v"]),
            Node(name: "clip", opType: "Clip", inputs: ["v", "lo", "hi"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("s", Tensor(scalar: Float(3))), ("lo", Tensor(scalar: Float(0))), ("hi", Tensor(scalar: Float(6)))])
        let model = Model(graph: g, opsetImports: ["": 17])
        let saved = kernelThreads
        defer { kernelThreads = saved }
        kernelThreads = 2
        let n = 100_001
        let x = try f32([n], (0..<n).map { Float(($0 * 7919) % 2001 - 1000) / 250 })
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        #expect(try fused.plan(keep: ["y"], observing: false).steps.first?.epilogues.count == 1)
        #expect(try yf.scalars(of: Float.self) == yp.scalars(of: Float.self))
        #expect(try yf.scalars(of: Float.self) == x.scalars(of: Float.self).map { min(6, max(0, $0 * 3)) })
    }

    @Test func inPlaceEpilogueNeverWritesIntoATransposedView() throws {
        // A Transpose moving only a unit axis returns the feed's bytes; the Relu after it must
        // not write into them.
        let nodes = [
            Node(name: "t", opType: "Transpose", inputs: ["x"], outputs: ["v"], attributes: [Attribute(name: "perm", value: .ints([1, 0, 2]))]),
            Node(name: "relu", opType: "Relu", inputs: ["v"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")])
        let interp = Interpreter(model: Model(graph: g, opsetImports: ["": 17]))
        let x = try f32([1, 2, 2], [-1, 2, -3, 4])
        let y = try #require(interp.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        #expect(y.shape == [2, 1, 2])
        #expect(try y.scalars(of: Float.self) == [0, 2, 0, 4])
        #expect(try x.scalars(of: Float.self) == [-1, 2, -3, 4])
    }

    @Test func subgraphsReadPlanValues() throws {
        // An If whose branches read a top-level intermediate by name.
        let thenG = Graph(name: "then", nodes: [Node(opType: "Neg", inputs: ["d"], outputs: ["o"])], outputs: [ValueInfo(name: "o")])
        let elseG = Graph(name: "else", nodes: [Node(opType: "Identity", inputs: ["d"], outputs: ["o"])], outputs: [ValueInfo(name: "o")])
        let nodes = [
            Node(name: "dbl", opType: "Add", inputs: ["x", "x"], outputs: ["d"]),
            Node(name: "if", opType: "If", inputs: ["cond"], outputs: ["y"],
                 attributes: [Attribute(name: "then_branch", value: .graph(thenG)), Attribute(name: "else_branch", value: .graph(elseG))]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x"), ValueInfo(name: "cond")], outputs: [ValueInfo(name: "y")])
        let interp = Interpreter(model: Model(graph: g, opsetImports: ["": 17]))
        let x = try f32([2], [1, 2])
        let yes = try interp.run(feeds: ["x": .tensor(x), "cond": .tensor(Tensor(scalar: true))])
        let no = try interp.run(feeds: ["x": .tensor(x), "cond": .tensor(Tensor(scalar: false))])
        #expect(try yes["y"]!.asTensor().scalars(of: Float.self) == [-2, -4])
        #expect(try no["y"]!.asTensor().scalars(of: Float.self) == [2, 4])
    }

    @Test func checkBetweenNodesStopsTheRun() throws {
        let model = try Self.convNet()
        let interp = Interpreter(model: model)
        struct Stop: Error {}
        var calls = 0
        interp.checkBetweenNodes = {
            calls += 1
            if calls == 2 { throw Stop() }
        }
        #expect(throws: Stop.self) { try interp.run(feeds: ["x": .tensor(Self.rnd([1, 4, 5, 5], seed: 1))]) }
        #expect(calls == 2)
    }

    @Test func unreadValuesAreReleased() throws {
        // Dropout's mask is never read: it is freed right after the node, not kept to the end.
        let nodes = [
            Node(name: "d", opType: "Dropout", inputs: ["x"], outputs: ["dx", "mask"]),
            Node(name: "n", opType: "Neg", inputs: ["dx"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")])
        let interp = Interpreter(model: Model(graph: g, opsetImports: ["": 17]))
        let plan = try interp.plan(keep: ["y"], observing: false)
        let maskSlot = try #require(plan.slotOfName["mask"])
        #expect(plan.steps[0].release.contains(maskSlot))
        let y = try #require(interp.run(feeds: ["x": .tensor(f32([2], [1, -1]))])["y"]).asTensor()
        #expect(try y.scalars(of: Float.self) == [-1, 1])
    }
}
