import Foundation
import ONNXProto
import SwiftProtobuf
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor

/// Builders for hostile ONNX files: start from a valid small model and break one thing.
enum Hostile {
    static func f32(_ name: String, _ dims: [Int] = [1, 4]) -> ValueInfo {
        ValueInfo(name: name, type: .tensor(.float32, dims.map { .known($0) }))
    }

    /// y = x + w, x and w float32[1,4].
    static func tinyModel(opset: Int = 17) throws -> Model {
        let w = try Tensor(shape: [1, 4], scalars: [Float](arrayLiteral: 1, 2, 3, 4))
        let g = Graph(name: "tiny", nodes: [Node(name: "add", opType: "Add", inputs: ["x", "w"], outputs: ["y"])],
                      inputs: [f32("x")], outputs: [f32("y")], initializers: [("w", w)])
        return Model(graph: g, opsetImports: ["": opset])
    }

    /// A model from hand-written nodes; every named value is float32[1,4].
    static func model(_ nodes: [Node], inputs: [String] = ["x"], outputs: [String] = ["y"], opsets: [String: Int] = ["": 17]) -> Model {
        Model(graph: Graph(name: "g", nodes: nodes, inputs: inputs.map { f32($0) }, outputs: outputs.map { f32($0) }), opsetImports: opsets)
    }

    static func proto(_ m: Model) throws -> Onnx_ModelProto { try ONNXExport.proto(m) }

    @discardableResult
    static func write(_ data: Data, _ dir: String, _ name: String = "m.onnx") throws -> String {
        let path = dir + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    static func write(_ p: Onnx_ModelProto, _ dir: String, _ name: String = "m.onnx") throws -> String {
        try write(try p.serializedData(), dir, name)
    }

    @discardableResult
    static func write(_ m: Model, _ dir: String, _ name: String = "m.onnx") throws -> String {
        try write(try proto(m), dir, name)
    }

    /// Bytes from a fixed-seed generator.
    static func randomBytes(_ n: Int, seed: UInt64) -> Data {
        var x = seed
        return Data((0..<n).map { _ in
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: x >> 33)
        })
    }

    // MARK: raw protobuf, for nesting deeper than any recursive encoder should go

    static func varint(_ v: Int) -> [UInt8] {
        var v = UInt64(v), out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        out.append(UInt8(v))
        return out
    }

    static func lengthField(_ number: Int, _ length: Int) -> [UInt8] { varint(number << 3 | 2) + varint(length) }
    static func bytesField(_ number: Int, _ bytes: [UInt8]) -> [UInt8] { lengthField(number, bytes.count) + bytes }
    static func intField(_ number: Int, _ v: Int) -> [UInt8] { varint(number << 3) + varint(v) }

    /// A model whose graph holds an If node whose then_branch holds an If node ... `depth` deep.
    /// Built inside out as prefixes, so it costs O(depth) and no recursion.
    static func deeplyNested(_ depth: Int) -> Data {
        let innermost = bytesField(2, Array("leaf".utf8)) // GraphProto.name
        var prefixes: [[UInt8]] = []
        var length = innermost.count // length of the current GraphProto
        for _ in 0..<depth {
            // AttributeProto { name=1: "then_branch", type=20: GRAPH(5), g=6: graph }
            let attrHead = bytesField(1, Array("then_branch".utf8)) + intField(20, 5) + lengthField(6, length)
            let attrLen = attrHead.count + length
            // NodeProto { op_type=4: "If", attribute=5: attr }
            let nodeHead = bytesField(4, Array("If".utf8)) + lengthField(5, attrLen)
            let nodeLen = nodeHead.count + attrLen
            // GraphProto { node=1: node }
            let graphHead = lengthField(1, nodeLen)
            prefixes.append(graphHead + nodeHead + attrHead)
            length = graphHead.count + nodeLen
        }
        // ModelProto { ir_version=1: 8, opset_import=8: {version=2: 17}, graph=7: graph }
        var out = intField(1, 8) + bytesField(8, intField(2, 17)) + lengthField(7, length)
        for p in prefixes.reversed() { out += p }
        out += innermost
        return Data(out)
    }
}
