import Foundation
import ONNXProto
import SurgeonGraph
@testable import SurgeonONNX
import SurgeonTensor
import Testing

/// `save` streams large raw_data from tensor memory: the file must hold exactly the bytes that
/// protobuf's own serialization of the same model gives.
@Suite struct StreamedSaveTests {
    func path(_ name: String) -> String { NSTemporaryDirectory() + "streamed-\(getpid())-\(name)" }

    /// Weights above and below the streaming size, a packed int4 tensor, strings, a big
    /// Constant attribute, docs, metadata and a function: everything `proto` writes.
    func mixedModel() throws -> Model {
        let n = ONNXExport.streamedRawBytes / 4 + 3
        let big = try Tensor(shape: [n], scalars: (0..<n).map { Float($0) * 0.25 - 9 })
        let big2 = try Tensor(shape: [2, 70_001], scalars: (0..<140_002).map { Int8(truncatingIfNeeded: $0 * 7) })
        let packed = try Tensor(storedBytes: (0..<200_001).map { UInt8(($0 * 5) % 16) }, shape: [200_001], dtype: .uint4)
        let small = try Tensor(shape: [2], scalars: [Float(1.5), 2.5])
        let empty = try Tensor(zeros: .float32, shape: [0, 4])
        let strings = Tensor(shape: [2], strings: ["a", "béta"])
        let bigConst = try Tensor(shape: [3, 40_000], scalars: (0..<120_000).map { Int32($0 * 3) })
        let g = Graph(
            name: "",
            nodes: [Node(name: "c", opType: "Constant", inputs: [], outputs: ["k"],
                         attributes: [Attribute(name: "value", value: .tensor(bigConst), docString: "doc")],
                         docString: "constant", metadata: [("pkg.torch.onnx.name_scopes", "['', 'c']")]),
                    Node(name: "a", opType: "Add", inputs: ["x", "w"], outputs: ["y"])],
            inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.symbolic("n")]))],
            outputs: [ValueInfo(name: "y", type: .tensor(.float32, [.known(n)])), ValueInfo(name: "k")],
            initializers: [("s", small), ("w", big), ("i8", big2), ("u4", packed), ("e", empty), ("str", strings), ("s2", small)],
            valueInfo: [ValueInfo(name: "k", type: .tensor(.int32, nil))], docString: "graph doc",
            metadata: [("gk", "gv")])
        let f = Function(name: "F", domain: "local", overload: "", inputs: ["a"], outputs: ["b"], attributeNames: [],
                         attributeDefaults: [], nodes: [Node(name: "r", opType: "Relu", inputs: ["a"], outputs: ["b"])],
                         opsetImports: ["": 17], docString: "", valueInfo: [], metadata: [])
        return Model(graph: g, opsetImports: ["": 17, "local": 1], irVersion: 9, producerName: "p", producerVersion: "1",
                     domain: "d", modelVersion: 3, docString: "model doc", metadata: [("k", "v")], functions: [f])
    }

    func streamed(_ m: Model) throws -> Data {
        var out = Data()
        try ONNXExport.encode(m) { out.append(contentsOf: $0) }
        return out
    }

    @Test func streamedBytesEqualProtobufSerialization() throws {
        let m = try mixedModel()
        let reference = try ONNXExport.encode(m)
        #expect(reference.count > 4 * ONNXExport.streamedRawBytes)
        #expect(try streamed(m) == reference)
        // A model without a graph name, docs or functions, and one with nothing to stream.
        var bare = m
        bare.functions = []
        bare.docString = ""
        bare.graph.docString = ""
        #expect(try streamed(bare) == ONNXExport.encode(bare))
        var tiny = m
        tiny.graph.initializers = ["s": try Tensor(shape: [2], scalars: [Float(1), 2])]
        tiny.graph.initializerOrder = ["s"]
        #expect(try streamed(tiny) == ONNXExport.encode(tiny))
    }

    @Test func savedFileIsTheSerializationAndLoadsBack() throws {
        let m = try mixedModel()
        let p = path("m.onnx")
        defer { unlink(p) }
        try ONNXExport.save(m, path: p)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: p))
        #expect(bytes == (try ONNXExport.encode(m)))
        // Saving the loaded model streams from the mapped file: the same bytes again.
        let loaded = try ONNXImport.load(path: p)
        #expect(loaded.graph.initializers["w"]?.buffer.isBorrowed == true)
        let p2 = path("m2.onnx")
        defer { unlink(p2) }
        try ONNXExport.save(loaded, path: p2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: p2)) == bytes)
        #expect(loaded.graph.initializers["u4"]?.onnxRawData() == m.graph.initializers["u4"]?.onnxRawData())
        #expect(loaded.graph.initializers["i8"]?.intArray() == m.graph.initializers["i8"]?.intArray())
        // No temporary file is left beside it.
        let dir = (p as NSString).deletingLastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("streamed-\(getpid())") && $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func externalDataIsWrittenTensorByTensorAndLoadsBack() throws {
        let m = try mixedModel()
        let dir = path("ext")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ONNXExport.save(m, path: dir + "/m.onnx", externalDataFrom: 1000)
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/m.onnx.data"))
        #expect(data.count % 64 == 0)
        let loaded = try ONNXImport.load(path: dir + "/m.onnx")
        for name in m.graph.initializerOrder {
            let a = try #require(m.graph.initializers[name]), b = try #require(loaded.graph.initializers[name])
            #expect(a.dtype == b.dtype && a.shape == b.shape, "\(name)")
            if a.dtype == .string { #expect(a.strings == b.strings) } else { #expect(a.onnxRawData() == b.onnxRawData(), "\(name)") }
        }
        let w = try #require(loaded.graph.initializers["w"])
        #expect(w.buffer.isBorrowed)
    }

    @Test func writeFailuresLeaveNoFileAndSayWhy() throws {
        let m = try mixedModel()
        #expect(throws: GraphError.self) { try ONNXExport.save(m, path: "/nonexistent-dir-\(getpid())/m.onnx") }
    }
}
