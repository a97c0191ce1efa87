import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// The fast float32 LSTM / GRU / RNN kernels against the plain ones they replace, on random
/// inputs covering every attribute (directions, layout, sequence_lens, initial states, clip,
/// activations with alpha/beta, peepholes, input_forget, linear_before_reset), and the SIMD
/// sigmoid / tanh against libm.
@Suite struct RecurrentFastTests {
    var seed: UInt32 = 11
    mutating func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
    mutating func tensor(_ shape: [Int], scale: Float = 1) throws -> Tensor {
        try f32(shape, (0..<shape.reduce(1, *)).map { _ in rnd() * 2 * scale })
    }

    struct Case {
        var seq = 4, batch = 3, input = 7, hidden = 13
        var direction = "forward"
        var layout = 0
        var seqLens: [Int]? = nil
        var initial = false
        var clip: Float? = nil
        var activations: [String]? = nil
        var alphas: [Float]? = nil, betas: [Float]? = nil
        var peepholes = false, inputForget = false, linearBeforeReset = false
    }

    /// Runs `op` through the fast kernel in its forms (OpenBLAS on W and R as given; W and R
    /// packed as the plan packs them; for LSTM, also the activations' Swift loops instead of
    /// the C vector kernels) and the plain one; returns (each fast form's outputs, plain outputs).
    mutating func runBoth(_ op: String, _ c: Case) throws -> ([[Tensor]], [Tensor]) {
        let gates = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1
        let dirs = c.direction == "bidirectional" ? 2 : 1
        let H = c.hidden
        let x = try tensor(c.layout == 0 ? [c.seq, c.batch, c.input] : [c.batch, c.seq, c.input])
        let w = try tensor([dirs, gates * H, c.input], scale: 0.6)
        // Recurrent weights of a stable net: larger ones amplify rounding differences step by step.
        let r = try tensor([dirs, gates * H, H], scale: min(0.6, 1.2 / Float(H).squareRoot()))
        let b = try tensor([dirs, 2 * gates * H], scale: 0.5)
        let lens: Tensor? = try c.seqLens.map { try Tensor(shape: [c.batch], scalars: $0.map { Int32($0) }) }
        let stateShape = c.layout == 0 ? [dirs, c.batch, H] : [c.batch, dirs, H]
        let h0: Tensor? = c.initial ? try tensor(stateShape) : nil
        var inputs: [Tensor?] = [x, w, r, b, lens, h0]
        if op == "LSTM" {
            inputs.append(c.initial ? try tensor(stateShape, scale: 2) : nil)
            inputs.append(c.peepholes ? try tensor([dirs, 3 * H]) : nil)
        }
        var attrs = [Attribute(name: "hidden_size", value: .int(H)), Attribute(name: "direction", value: .string(c.direction)),
                     Attribute(name: "layout", value: .int(c.layout))]
        if let clip = c.clip { attrs.append(Attribute(name: "clip", value: .float(clip))) }
        if let a = c.activations { attrs.append(Attribute(name: "activations", value: .strings(a))) }
        if let a = c.alphas { attrs.append(Attribute(name: "activation_alpha", value: .floats(a))) }
        if let a = c.betas { attrs.append(Attribute(name: "activation_beta", value: .floats(a))) }
        if c.inputForget { attrs.append(Attribute(name: "input_forget", value: .int(1))) }
        if c.linearBeforeReset { attrs.append(Attribute(name: "linear_before_reset", value: .int(1))) }
        let names = inputs.enumerated().map { $0.element == nil ? "" : "in\($0.offset)" }
        let node = Node(name: "n", opType: op, domain: "", inputs: names, outputs: ["y", "yh", "yc"], attributes: attrs)
        let ctx = OpContext(node: node, inputs: inputs.map { $0.map { Value.tensor($0) } }, opset: 22,
                            subgraphRunner: { _, _ in [] })
        let packed = try RecurrentPacked(ctx, w: RecurrentWeight(), r: RecurrentWeight())
        #expect(packed.w != nil && packed.r != nil, "\(op) \(c)")
        let kernels: [(OpContext) throws -> [Value]?], plain: (OpContext) throws -> [Value]
        switch op {
        case "LSTM":
            kernels = [{ try LSTM.fast($0) }, { try LSTM.fast($0, packed: packed) }, { try LSTM.fast($0, packed: packed, actLevel: 0) }]
            plain = LSTM.plain
        case "GRU": kernels = [{ try GRU.fast($0) }, { try GRU.fast($0, packed: packed) }]; plain = GRU.plain
        default: kernels = [{ try RNN.fast($0) }, { try RNN.fast($0, packed: packed) }]; plain = RNN.plain
        }
        let fast = try kernels.map { try #require(try $0(ctx)).map { try $0.asTensor() } }
        return (fast, try plain(ctx).map { try $0.asTensor() })
    }

    /// Largest |fast - plain| over the largest |plain| (1 at least), per output.
    func check(_ op: String, _ c: Case, _ fasts: [[Tensor]], _ plain: [Tensor]) {
        for (form, fast) in fasts.enumerated() {
            check(op + " form \(form)", c, fast, plain)
        }
    }

    func check(_ op: String, _ c: Case, _ fast: [Tensor], _ plain: [Tensor]) {
        #expect(fast.count == plain.count, "\(op) \(c)")
        for (i, (f, p)) in zip(fast, plain).enumerated() {
            #expect(f.shape == p.shape && f.dtype == p.dtype, "\(op) output \(i) \(c)")
            let fv = f.floatArray(), pv = p.floatArray()
            let scale = max(1, pv.map { abs($0) }.max() ?? 0)
            let err = zip(fv, pv).map { abs($0 - $1) }.max() ?? 0
            #expect(err <= 1e-6 * scale, "\(op) output \(i): \(err) off (scale \(scale)) for \(c)")
        }
    }

    var cases: [Case] {
        var list: [Case] = []
        for direction in ["forward", "reverse", "bidirectional"] {
            for layout in [0, 1] {
                list.append(Case(direction: direction, layout: layout))
                list.append(Case(direction: direction, layout: layout, seqLens: [4, 0, 2], initial: true))
            }
        }
        list.append(Case(seq: 1, batch: 1, input: 3, hidden: 8, direction: "bidirectional"))
        list.append(Case(seq: 5, batch: 2, input: 16, hidden: 32, direction: "bidirectional", initial: true))
        list.append(Case(seq: 7, batch: 3, input: 32, hidden: 64, direction: "bidirectional"))
        list.append(Case(seq: 3, batch: 2, input: 5, hidden: 40, layout: 1, seqLens: [3, 2], initial: true))
        list.append(Case(hidden: 1, direction: "reverse", seqLens: [1, 3, 4], clip: 0.4))
        list.append(Case(direction: "bidirectional", seqLens: [2, 4, 3], initial: true, clip: 0.7))
        return list
    }

    @Test mutating func lstmMatchesPlain() throws {
        var all = cases
        all.append(Case(direction: "bidirectional", seqLens: [3, 1, 4], initial: true, peepholes: true))
        all.append(Case(layout: 1, initial: true, peepholes: true, inputForget: true))
        all.append(Case(direction: "bidirectional", layout: 1, clip: 0.9,
                        activations: ["HardSigmoid", "ScaledTanh", "LeakyRelu", "Sigmoid", "Relu", "Softsign"],
                        alphas: [0.3, 1.5, 0.05], betas: [0.4, 0.8]))
        all.append(Case(direction: "reverse", activations: ["Relu", "Tanh", "Elu"], alphas: [0.7]))
        for c in all {
            let (fast, plain) = try runBoth("LSTM", c)
            check("LSTM", c, fast, plain)
        }
    }

    @Test mutating func gruMatchesPlain() throws {
        for lbr in [false, true] {
            var all = cases
            all.append(Case(direction: "bidirectional", layout: 1, clip: 0.9,
                            activations: ["HardSigmoid", "Affine", "Sigmoid", "ThresholdedRelu"],
                            alphas: [0.3, 1.5, 0.1], betas: [0.4, -0.2]))
            for var c in all {
                c.linearBeforeReset = lbr
                let (fast, plain) = try runBoth("GRU", c)
                check("GRU", c, fast, plain)
            }
        }
    }

    @Test mutating func rnnMatchesPlain() throws {
        var all = cases
        all.append(Case(direction: "bidirectional", activations: ["Relu", "Softplus"]))
        all.append(Case(layout: 1, clip: 0.3, activations: ["ScaledTanh"], alphas: [0.8], betas: [1.3]))
        for c in all {
            let (fast, plain) = try runBoth("RNN", c)
            check("RNN", c, fast, plain)
        }
    }

    /// Other float types take the plain kernel.
    @Test func float64IsLeftToThePlainKernel() throws {
        let x = try Tensor(shape: [1, 1, 1], scalars: [1.0]), w = try Tensor(shape: [1, 1, 1], scalars: [0.5])
        let node = Node(name: "n", opType: "RNN", domain: "", inputs: ["x", "w", "r"], outputs: ["y"], attributes: [])
        let ctx = OpContext(node: node, inputs: [.tensor(x), .tensor(w), .tensor(w)], opset: 22, subgraphRunner: { _, _ in [] })
        #expect(try RNN.fast(ctx) == nil)
        let y = try runNode("RNN", [x, w, w], outputs: 2)
        #expect(try abs(y[1].scalars(of: Double.self)[0] - tanh(0.5)) < 1e-6)
    }

    @Test func simdSigmoidAndTanhMatchLibm() {
        var xs: [Float] = [0, -0, 1e-8, -1e-8, 1e-3, 0.3, 0.6249, 0.625, 0.6251, 1, 2.5, 8.9, 9.1, 15, 40, 88, 89, 200,
                           .infinity, -.infinity, .greatestFiniteMagnitude]
        var v: Float = -30
        while v <= 30 { xs.append(v); v += 0.0371 }
        xs += xs.map { -$0 }
        for i in stride(from: 0, to: xs.count, by: 8) {
            var chunk = SIMD8<Float>(repeating: 0)
            let n = min(8, xs.count - i)
            for j in 0..<n { chunk[j] = xs[i + j] }
            let t = simdTanh(chunk), s = simdSigmoid(chunk)
            for j in 0..<n {
                let x = xs[i + j]
                let refT = tanhf(x), refS = Float(1 / (1 + Foundation.exp(-Double(x))))
                #expect(abs(t[j] - refT) <= 3 * refT.ulp.magnitude + Float.leastNormalMagnitude, "tanh(\(x)) = \(t[j]), libm \(refT)")
                #expect(t[j].sign == refT.sign || t[j] == 0, "tanh(\(x)) sign")
                #expect(abs(s[j] - refS) <= 3 * refS.ulp.magnitude + 1e-37, "sigmoid(\(x)) = \(s[j]), exact \(refS)")
            }
        }
        let nan = SIMD8<Float>(repeating: .nan)
        #expect(simdTanh(nan)[0].isNaN && simdSigmoid(nan)[0].isNaN)
    }
}
