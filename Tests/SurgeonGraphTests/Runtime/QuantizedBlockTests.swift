import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// A QDQ residual block as resnet18_qdq has them: stem Conv → Q → DQ → MaxPool → Q → DQ,
/// then Conv → Q → DQ → Conv → Q → DQ → Add(the pooled values) → Q → DQ: the Convs rewritten to
/// run on the integers (`fuseQuantizedConvs`) with any one value inspected.
@Suite(.enabled(if: QGemm.available, "needs AVX-512 VNNI"))
struct QuantizedBlockTests {
    static func block(channels c: Int = 8) throws -> Model {
        var inits: [(String, Tensor)] = [("sx", Tensor(scalar: Float(0.05))),
                                         ("zx", try Tensor(int64s: [128], shape: [], dtype: .uint8))]
        var nodes = [Node(name: "q0", opType: "QuantizeLinear", inputs: ["x", "sx", "zx"], outputs: ["xq"]),
                     Node(name: "dq0", opType: "DequantizeLinear", inputs: ["xq", "sx", "zx"], outputs: ["xd"])]
        // One quantized activation: value → Q → DQ with its own scale (zero point 0: ReLU-like).
        func qdq(_ v: String, scale: Float, zero: Int64 = 0) throws {
            inits.append(("\(v)_s", Tensor(scalar: scale)))
            inits.append(("\(v)_z", try Tensor(int64s: [zero], shape: [], dtype: .uint8)))
            nodes.append(Node(name: "\(v)_qn", opType: "QuantizeLinear", inputs: [v, "\(v)_s", "\(v)_z"], outputs: ["\(v)_q"]))
            nodes.append(Node(name: "\(v)_dqn", opType: "DequantizeLinear", inputs: ["\(v)_q", "\(v)_s", "\(v)_z"], outputs: ["\(v)_d"]))
        }
        func conv(_ name: String, input: String, cin: Int, seed: UInt32) throws {
            let wq = QuantizedConvTests.values(c * cin * 9, seed: seed, scale: 254).map { Int64($0.rounded()) }
            let ws = QuantizedConvTests.values(c, seed: seed + 1, scale: 0.01).map { abs($0) + 0.002 }
            inits.append(("\(name)_wq", try Tensor(int64s: wq, shape: [c, cin, 3, 3], dtype: .int8)))
            inits.append(("\(name)_ws", try Tensor(shape: [c], scalars: ws)))
            inits.append(("\(name)_wz", try Tensor(int64s: Array(repeating: 0, count: c), shape: [c], dtype: .int8)))
            inits.append(("\(name)_b", try Tensor(shape: [c], scalars: QuantizedConvTests.values(c, seed: seed + 2, scale: 0.5))))
            nodes.append(Node(name: "\(name)_dqw", opType: "DequantizeLinear", inputs: ["\(name)_wq", "\(name)_ws", "\(name)_wz"],
                              outputs: ["\(name)_w"], attributes: [Attribute(name: "axis", value: .int(0))]))
            nodes.append(Node(name: name, opType: "Conv", inputs: [input, "\(name)_w", "\(name)_b"], outputs: [name],
                              attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]))
        }
        try conv("stem", input: "xd", cin: 3, seed: 20)
        try qdq("stem", scale: 0.04)
        nodes.append(Node(name: "poolnode", opType: "MaxPool", inputs: ["stem_d"], outputs: ["pool"],
                          attributes: [Attribute(name: "kernel_shape", value: .ints([3, 3])), Attribute(name: "strides", value: .ints([2, 2])),
                                       Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]))
        try qdq("pool", scale: 0.04)
        try conv("c1", input: "pool_d", cin: c, seed: 30)
        try qdq("c1", scale: 0.03)
        try conv("c2", input: "c1_d", cin: c, seed: 40)
        try qdq("c2", scale: 0.05, zero: 120)
        nodes.append(Node(name: "addnode", opType: "Add", inputs: ["c2_d", "pool_d"], outputs: ["sum"]))
        try qdq("sum", scale: 0.06, zero: 100)
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "sum_d")], initializers: inits)
        return Model(graph: g, opsetImports: ["": 21])
    }

    static func input() throws -> Tensor {
        try f32([1, 3, 12, 12], QuantizedConvTests.values(432, seed: 3, scale: 12))
    }

    /// Every value of the block inspected in turn (kept with the output): the run succeeds, the
    /// output has the plain run's bits, and the kept value is within a quantization step of
    /// the unfused interpreter's (the integer Convs round differently from float32 ones).
    /// An inspected Conv output failed ("Conv needs input 2"): the kept-tile Conv kernel
    /// (`useKeptTiles`) replaced the integer step's kernel and read float32 weights it no
    /// longer has.
    @Test func anyInspectedValueRunsAndKeepsTheOutputBits() throws {
        let model = try Self.block()
        let x = try Self.input()
        let fused = Interpreter(model: model)
        let reference = try #require(fused.run(feeds: ["x": .tensor(x)])["sum_d"]).asTensor().scalars(of: Float.self)
        #expect(Set(reference).count > 10)
        let unfused = Interpreter(model: model)
        unfused.fusionEnabled = false
        var names = model.graph.nodes.flatMap(\.outputs).filter { !$0.hasSuffix("_w") }
        names.removeAll { $0 == "sum_d" }
        let all = try unfused.run(feeds: ["x": .tensor(x)], outputs: names)
        for name in names {
            let r = try fused.run(feeds: ["x": .tensor(x)], outputs: ["sum_d", name])
            let y = try #require(r["sum_d"]).asTensor().scalars(of: Float.self)
            #expect(y.map(\.bitPattern) == reference.map(\.bitPattern), "output with \(name) inspected")
            let v = try #require(r[name]).asTensor(), u = try #require(all[name]).asTensor()
            #expect(v.dtype == u.dtype && v.shape == u.shape, "\(name)")
            let a = try v.cast(to: .float32).scalars(of: Float.self), b = try u.cast(to: .float32).scalars(of: Float.self)
            let scale = max(b.map { abs($0) }.max() ?? 0, 1)
            let far = zip(a, b).filter { abs($0 - $1) > 0.07 * scale }.count
            #expect(far == 0, "\(name): \(far) values off")
        }
    }
}
