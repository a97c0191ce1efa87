import Foundation
import ONNXProto
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

/// Loading leaves large raw_data out of what protobuf decodes and views it in the mapped file.
@Suite struct WeightStrippingTests {
    func path(_ name: String) -> String { NSTemporaryDirectory() + "strip-\(getpid())-\(name).onnx" }

    @Test func constantValuesAndInitializersAreBorrowedAndTheRestSurvives() throws {
        let n = 2048
        let big = try Tensor(shape: [n], scalars: (0..<n).map { Float($0) - 7 })
        let bigConst = try Tensor(shape: [2, n], scalars: (0..<(2 * n)).map { Int32($0 * 3) })
        let small = try Tensor(shape: [2], scalars: [Float(1.5), 2.5])
        let g = Graph(
            name: "g",
            nodes: [Node(name: "c", opType: "Constant", inputs: [], outputs: ["k"],
                         attributes: [Attribute(name: "value", value: .tensor(bigConst), docString: "doc of value")],
                         docString: "constant node"),
                    Node(name: "a", opType: "Add", inputs: ["x", "w"], outputs: ["y"], docString: "add node")],
            inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.known(n)]))],
            outputs: [ValueInfo(name: "y", type: .tensor(.float32, [.known(n)])),
                      ValueInfo(name: "k", type: .tensor(.int32, [.known(2), .known(n)]))],
            initializers: [("s", small), ("w", big), ("s2", small)])
        let model = Model(graph: g, opsetImports: ["": 17], producerName: "after-graph")
        let p = path("mixed")
        try ONNXExport.save(model, path: p)
        let m = try ONNXImport.load(path: p)
        let reference = try ONNXImport.decode(try Data(contentsOf: URL(fileURLWithPath: p)))
        #expect(m.graph.initializerOrder == ["s", "w", "s2"])
        #expect(m.graph.initializerOrder == reference.graph.initializerOrder)
        let w = try #require(m.graph.initializers["w"])
        #expect(w.buffer.isBorrowed)
        #expect(w.floatArray() == big.floatArray())
        #expect(m.graph.initializers["s"]?.floatArray() == [1.5, 2.5])
        #expect(m.graph.initializers["s"]?.buffer.isBorrowed == false)
        #expect(m.graph.initializers["s2"]?.floatArray() == [1.5, 2.5])
        let c = try #require(m.graph.nodes.first)
        #expect(c.docString == "constant node")
        #expect(c.attributes.first?.docString == "doc of value")
        guard case .tensor(let k)? = c.attributes.first?.value else { Issue.record("no tensor attribute"); return }
        #expect(k.buffer.isBorrowed)
        #expect(k.shape == [2, n])
        #expect(k.intArray() == bigConst.intArray())
        #expect(m.graph.nodes.map(\.docString) == reference.graph.nodes.map(\.docString))
        #expect(m.producerName == "after-graph")
        #expect(m.graph.outputs.map(\.name) == ["y", "k"])
        let out = try Interpreter(model: m).run(feeds: ["x": .tensor(try Tensor(zeros: .float32, shape: [n]))])
        #expect(try out["y"]?.asTensor().floatArray() == big.floatArray())
        #expect(try out["k"]?.asTensor().intArray() == bigConst.intArray())
    }

    @Test func shortRawDataIsACleanErrorForInitializersAndConstants() throws {
        var t = Onnx_TensorProto()
        t.name = "w"
        t.dataType = 1
        t.dims = [4096]
        t.rawData = Data(count: 8192)   // float32 x 4096 needs 16384
        var node = Onnx_NodeProto()
        node.opType = "Identity"
        node.input = ["w"]
        node.output = ["y"]
        var proto = Onnx_ModelProto()
        proto.irVersion = 8
        var op = Onnx_OperatorSetIdProto()
        op.version = 17
        proto.opsetImport = [op]
        proto.graph.node = [node]
        proto.graph.initializer = [t]
        let p1 = path("short-init")
        try proto.serializedData().write(to: URL(fileURLWithPath: p1))
        #expect(throws: GraphError.self) { _ = try ONNXImport.load(path: p1) }
        do { _ = try ONNXImport.load(path: p1) } catch {
            #expect("\(error)".contains("raw_data has 8192 bytes"))
        }
        var attr = Onnx_AttributeProto()
        attr.name = "value"
        attr.type = .tensor
        attr.t = t
        var c = Onnx_NodeProto()
        c.opType = "Constant"
        c.output = ["w"]
        c.attribute = [attr]
        proto.graph.initializer = []
        proto.graph.node = [c, node]
        let p2 = path("short-const")
        try proto.serializedData().write(to: URL(fileURLWithPath: p2))
        do { _ = try ONNXImport.load(path: p2); Issue.record("load should fail") } catch {
            #expect("\(error)".contains("raw_data has 8192 bytes"))
        }
    }

    @Test func truncatedFilesStillFailCleanly() throws {
        let n = 4096
        let w = try Tensor(shape: [n], scalars: (0..<n).map { Float($0) })
        let g = Graph(name: "g", nodes: [Node(name: "a", opType: "Identity", inputs: ["w"], outputs: ["y"])],
                      outputs: [ValueInfo(name: "y", type: .tensor(.float32, [.known(n)]))], initializers: [("w", w)])
        let full = try ONNXExport.encode(Model(graph: g))
        for cut in [full.count / 2, full.count - 1, 5] {
            let p = path("trunc-\(cut)")
            try full.prefix(cut).write(to: URL(fileURLWithPath: p))
            do { _ = try ONNXImport.load(path: p); Issue.record("truncated at \(cut) should fail") } catch {
                #expect("\(error)".contains("not a valid ONNX model") || "\(error)".contains("has no graph"))
            }
        }
    }
}
