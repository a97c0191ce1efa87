import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Dilated Convs by a constant weight whose taps leave the map (PlanConvTapWeights.swift): the
/// live-tap slice or the tap-regrouped weights are made once per interpreter and the results
/// are those of the per-call copies (`Conv.convCore`) in a plan without them.
@Suite struct ConvTapWeightsTests {
    /// x → Conv(dilation d, pad d, 3x3) → Relu → a; x → Conv(1x1) → b.
    static func model(c: Int, m: Int, dilation: Int) throws -> Model {
        let g = Graph(name: "g", nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"],
                 attributes: [Attribute(name: "dilations", value: .ints([dilation, dilation])),
                              Attribute(name: "pads", value: .ints([dilation, dilation, dilation, dilation])),
                              Attribute(name: "kernel_shape", value: .ints([3, 3]))]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["a"]),
            Node(name: "pw", opType: "Conv", inputs: ["x", "W1"], outputs: ["b"]),
        ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "a"), ValueInfo(name: "b")],
                      initializers: [("W", try ExecutionPlanTests.rnd([m, c, 3, 3], seed: 61)),
                                     ("B", try ExecutionPlanTests.rnd([m], seed: 62)),
                                     ("W1", try ExecutionPlanTests.rnd([m, c, 1, 1], seed: 63))])
        return Model(graph: g, opsetImports: ["": 17])
    }

    static func bits(_ v: Value?) throws -> [UInt32] {
        try #require(v).asTensor().scalars(of: Float.self).map(\.bitPattern)
    }

    /// Dilation 24 on 14x14: only the centre tap reads the input, a 1x1 over its slice: the
    /// same bits as the per-call slice, on the first run and on the next (the kept slice).
    @Test func singleLiveTapIsKeptAndGivesTheSameBits() throws {
        let model = try Self.model(c: 48, m: 40, dilation: 24)
        let x = try ExecutionPlanTests.rnd([1, 48, 14, 14], seed: 64)
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let ref = try plain.run(feeds: ["x": .tensor(x)])
        for _ in 0..<2 {
            let r = try fused.run(feeds: ["x": .tensor(x)])
            #expect(try Self.bits(r["a"]) == Self.bits(ref["a"]))
            #expect(try Self.bits(r["b"]) == Self.bits(ref["b"]))
        }
        #expect(fused.convTapWeights["W"]?.isMade == true)
        #expect(fused.convTapWeights["W1"] == nil, "undilated convs keep their kernel")
        #expect(plain.convTapWeights.isEmpty)
        // Keeping the conv's own output (a kept-tile chain): the step's kernel, the same values.
        let kept = try fused.run(feeds: ["x": .tensor(x)], outputs: ["c", "a"])
        let cRef = try plain.run(feeds: ["x": .tensor(x)], outputs: ["c"])
        #expect(try Self.bits(kept["c"]) == Self.bits(cRef["c"]))
        #expect(try Self.bits(kept["a"]) == Self.bits(ref["a"]))
    }

    /// Dilation 12 on 14x14 with enough channels for `ConvRegions`: the regrouped weights are
    /// kept and the result matches the plain run and the Double reference.
    @Test func regionsReadTheKeptRegroupedWeights() throws {
        let c = 64, m = 72
        let model = try Self.model(c: c, m: m, dilation: 12)
        let geom = SpatialGeometry(kernel: [3, 3], strides: [1, 1], dilations: [12, 12], padBegin: [12, 12],
                                   padEnd: [12, 12], output: [14, 14])
        #expect(ConvRegions.plan(inSp: [14, 14], geom: geom, channelsPerGroup: c, outputsPerGroup: m) != nil)
        let x = try ExecutionPlanTests.rnd([1, c, 14, 14], seed: 65)
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let ref = try #require(plain.run(feeds: ["x": .tensor(x)])["a"]).asTensor()
        let w = try ExecutionPlanTests.rnd([m, c, 3, 3], seed: 61), b = try ExecutionPlanTests.rnd([m], seed: 62)
        let exact = ConvReference.conv(x: try x.scalars(of: Float.self).map(Double.init), xShape: x.shape,
                                       w: try w.scalars(of: Float.self).map(Double.init), wShape: w.shape,
                                       bias: try b.scalars(of: Float.self).map(Double.init), geom: geom, group: 1).map { max(0, $0) }
        for _ in 0..<2 {
            let a = try #require(fused.run(feeds: ["x": .tensor(x)])["a"]).asTensor()
            #expect(isClose(a, ref, atol: 1e-5, rtol: 1e-5))
            let worst = zip(try a.scalars(of: Float.self), exact).map { abs(Double($0) - $1) }.max() ?? 1
            #expect(worst < 1e-4)
        }
        #expect(fused.convTapWeights["W"]?.isMade == true)
    }

    /// Another input size after the first (other live taps, or none dead): still the plain
    /// run's values (the box holds the first geometry's copy and the others fall back).
    @Test func otherInputSizesStillMatch() throws {
        let model = try Self.model(c: 16, m: 24, dilation: 24)
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        for side in [14, 30, 14, 9, 60] {
            let x = try ExecutionPlanTests.rnd([1, 16, side, side], seed: UInt32(70 + side))
            let r = try fused.run(feeds: ["x": .tensor(x)])
            let p = try plain.run(feeds: ["x": .tensor(x)])
            #expect(isClose(try #require(r["a"]).asTensor(), try #require(p["a"]).asTensor(), atol: 1e-5, rtol: 1e-5),
                    "side \(side)")
        }
    }

    /// `ConvRegions.regroup` puts tap t of output o, channel i at [t][o][i].
    @Test func regroupLayout() {
        let m = 3, cg = 2, kh = 2, kw = 3, kSize = kh * kw
        let w = (0..<(m * cg * kSize)).map(Float.init)
        var d = [Float](repeating: -1, count: w.count)
        w.withUnsafeBufferPointer { pw in
            d.withUnsafeMutableBufferPointer { pd in
                guard let wb = pw.baseAddress, let db = pd.baseAddress else { return }
                ConvRegions.regroup(w: wb, wShape: [m, cg, kh, kw], into: db)
            }
        }
        for t in 0..<kSize { for o in 0..<m { for i in 0..<cg {
            #expect(d[(t * m + o) * cg + i] == w[(o * cg + i) * kSize + t])
        } } }
    }
}
