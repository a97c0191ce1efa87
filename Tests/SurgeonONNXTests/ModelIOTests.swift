import Foundation
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor
import Testing

@Suite struct ModelIOTests {
    func tmp(_ name: String) -> String { NSTemporaryDirectory() + "modeltest-\(getpid())-\(name)" }

    func smallModel() throws -> Model {
        let w = try Tensor(shape: [3, 2], scalars: [Float](arrayLiteral: 1, 2, 3, 4, 5, 6))
        let g = Graph(
            name: "g",
            nodes: [Node(name: "/layer1/MatMul", opType: "MatMul", inputs: ["x", "w"], outputs: ["y"],
                         metadata: [("pkg.torch.onnx.name_scopes", "['', 'layer1']")]),
                    Node(name: "/Relu", opType: "Relu", inputs: ["y"], outputs: ["z"])],
            inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.symbolic("batch"), .known(3)]))],
            outputs: [ValueInfo(name: "z", type: .tensor(.float32, [.symbolic("batch"), .known(2)]))],
            initializers: [("w", w)])
        return Model(graph: g, opsetImports: ["": 17], producerName: "test", metadata: [("k", "v")])
    }

    @Test func saveAndLoadKeepsNamesMetadataAndWeights() throws {
        let path = tmp("m.onnx")
        try ONNXExport.save(try smallModel(), path: path)
        let m = try ONNXImport.load(path: path)
        #expect(m.graph.nodes.map(\.name) == ["/layer1/MatMul", "/Relu"])
        #expect(m.graph.nodes[0].metadataValue("pkg.torch.onnx.name_scopes") == "['', 'layer1']")
        #expect(m.metadata.first?.1 == "v")
        #expect(m.opset == 17)
        #expect(m.graph.inputs[0].type.description == "float32[batch,3]")
        let x = try Tensor(shape: [1, 3], scalars: [Float](arrayLiteral: 1, -1, 1))
        let out = try Interpreter(model: m).run(feeds: ["x": .tensor(x)])
        #expect(try out["z"]?.asTensor().floatArray() == [3, 4])
    }

    @Test func emptyTruncatedAndGarbageFilesGiveErrors() throws {
        let data = try ONNXExport.encode(try smallModel())
        #expect(throws: GraphError.self) { try ONNXImport.decode(Data()) }
        #expect(throws: GraphError.self) { try ONNXImport.decode(data.prefix(data.count / 2)) }
        var rng = SystemRandomNumberGenerator()
        let junk = Data((0..<500).map { _ in UInt8.random(in: 0...255, using: &rng) })
        #expect(throws: GraphError.self) { try ONNXImport.decode(junk) }
        #expect(throws: GraphError.self) { try ONNXImport.load(path: "/nonexistent/x.onnx") }
    }

    @Test func externalDataIsMappedAndChecked() throws {
        let dir = tmp("ext")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let w = [Float](arrayLiteral: 1, 2, 3, 4, 5, 6)
        try w.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: dir + "/w.bin")) }
        var m = try smallModel()
        m.graph.initializers = [:]
        m.graph.initializerOrder = []
        var p = try ONNXExport.proto(m)
        var tp = try Tensor(shape: [3, 2], scalars: w).proto(name: "w")
        tp.clearRawData()
        tp.dataLocation = .external
        tp.externalData = [ONNXExport.entry("location", "w.bin"), ONNXExport.entry("offset", "0"), ONNXExport.entry("length", "24")]
        p.graph.initializer = [tp]
        try p.serializedData().write(to: URL(fileURLWithPath: dir + "/m.onnx"))
        let loaded = try ONNXImport.load(path: dir + "/m.onnx")
        #expect(loaded.graph.initializers["w"]?.floatArray() == w)

        try FileManager.default.removeItem(atPath: dir + "/w.bin")
        #expect(throws: GraphError.self) { try ONNXImport.load(path: dir + "/m.onnx") }
    }

    @Test func unknownOpLoadsButRunSaysWhichOp() throws {
        var m = try smallModel()
        m.graph.nodes[1].opType = "FancyOp"
        m.graph.nodes[1].domain = "com.example"
        m.opsetImports["com.example"] = 3
        let loaded = try ONNXImport.decode(try ONNXExport.encode(m))
        #expect(loaded.graph.nodes.count == 2)
        let x = try Tensor(shape: [1, 3], scalars: [Float](arrayLiteral: 1, 1, 1))
        do {
            _ = try Interpreter(model: loaded).run(feeds: ["x": .tensor(x)])
            Issue.record("run should fail")
        } catch {
            #expect("\(error)".contains("FancyOp (domain com.example, opset 3)"))
        }
    }
}

@Suite struct WeightMappingTests {
    @Test func largeAlignedWeightsAreBorrowedAndEqual() throws {
        let n = 4096
        let w = try Tensor(shape: [n], scalars: (0..<n).map { Float($0) * 0.5 })
        let g = Graph(name: "g", nodes: [Node(name: "a", opType: "Add", inputs: ["x", "w"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.known(n)]))],
                      outputs: [ValueInfo(name: "y", type: .tensor(.float32, [.known(n)]))],
                      initializers: [("w", w)])
        let path = NSTemporaryDirectory() + "mapped-\(getpid()).onnx"
        try ONNXExport.save(Model(graph: g), path: path)
        let m = try ONNXImport.load(path: path)
        let loaded = try #require(m.graph.initializers["w"])
        #expect(loaded.floatArray() == w.floatArray())
        #expect(loaded.buffer.isBorrowed)
        let out = try Interpreter(model: m).run(feeds: ["x": .tensor(try Tensor(zeros: .float32, shape: [n]))])
        #expect(try out["y"]?.asTensor().floatArray() == w.floatArray())
    }
}
