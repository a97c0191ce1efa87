import Foundation
import ONNXProto
import SwiftProtobuf
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor
import Testing
@testable import SurgeonShell

/// `load` of broken and hostile files: one error line naming the problem, session unchanged.
@Suite struct HostileFileTests {
    func loadFails(_ path: String, _ mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        expectOneError("load \"\(path)\"", mentions: mentions, sourceLocation: sourceLocation)
    }

    @Test func emptyFile() throws {
        let dir = scratchDirectory()
        loadFails(try Hostile.write(Data(), dir, "empty.onnx"), ["empty.onnx", "empty"])
    }

    @Test func truncatedFile() throws {
        let dir = scratchDirectory()
        let data = try Hostile.proto(try Hostile.tinyModel()).serializedData()
        loadFails(try Hostile.write(data.prefix(data.count / 2), dir, "cut.onnx"), ["cut.onnx", "not a valid ONNX model"])
    }

    @Test func randomBytes() throws {
        let dir = scratchDirectory()
        loadFails(try Hostile.write(Hostile.randomBytes(4096, seed: 7), dir, "noise.onnx"), ["noise.onnx"])
    }

    @Test func textFile() throws {
        let dir = scratchDirectory()
        loadFails(try Hostile.write(Data("hello, this is not a model\n".utf8), dir, "hello.onnx"), ["hello.onnx"])
    }

    @Test func missingFile() {
        loadFails(scratchDirectory() + "/nowhere.onnx", ["no such file", "nowhere.onnx"])
    }

    @Test func directoryInsteadOfFile() {
        loadFails(scratchDirectory(), ["is a directory"])
    }

    @Test func absurdDims() throws {
        let dir = scratchDirectory()
        var p = try Hostile.proto(try Hostile.tinyModel())
        p.graph.initializer[0].dims = [1 << 40, 1 << 40]
        loadFails(try Hostile.write(p, dir), ["'w'", "too many elements"])
    }

    @Test func dimsPastTheMemoryLimit() throws {
        let dir = scratchDirectory()
        var p = try Hostile.proto(try Hostile.tinyModel())
        p.graph.initializer[0].dims = [100_000, 100_000, 10]
        loadFails(try Hostile.write(p, dir), ["'w'", "GiB"])
    }

    @Test func negativeDims() throws {
        let dir = scratchDirectory()
        var p = try Hostile.proto(try Hostile.tinyModel())
        p.graph.initializer[0].dims = [-3, 4]
        loadFails(try Hostile.write(p, dir), ["'w'", "-3"])
    }

    @Test func rawDataShorterThanShape() throws {
        let dir = scratchDirectory()
        var p = try Hostile.proto(try Hostile.tinyModel())
        p.graph.initializer[0].rawData = Data(count: 7)
        loadFails(try Hostile.write(p, dir), ["'w'", "raw_data has 7 bytes"])
    }

    @Test func typedDataCountMismatch() throws {
        let dir = scratchDirectory()
        var p = try Hostile.proto(try Hostile.tinyModel())
        p.graph.initializer[0].clearRawData()
        p.graph.initializer[0].floatData = [1, 2, 3]
        loadFails(try Hostile.write(p, dir), ["'w'", "3 values"])
    }

    @Test func unsupportedElementType() throws {
        let dir = scratchDirectory()
        var p = try Hostile.proto(try Hostile.tinyModel())
        p.graph.initializer[0].dataType = 14
        loadFails(try Hostile.write(p, dir), ["'w'", "element type"])
    }

    func externalModel(_ dir: String, offset: String, length: String? = nil, location: String = "w.bin") throws -> String {
        var p = try Hostile.proto(try Hostile.tinyModel())
        p.graph.initializer[0].clearRawData()
        p.graph.initializer[0].dataLocation = .external
        var entries = [ONNXExport.entry("location", location), ONNXExport.entry("offset", offset)]
        if let length { entries.append(ONNXExport.entry("length", length)) }
        p.graph.initializer[0].externalData = entries
        return try Hostile.write(p, dir)
    }

    @Test func externalOffsetPastTheEnd() throws {
        let dir = scratchDirectory()
        try Hostile.write(Data(count: 16), dir, "w.bin")
        loadFails(try externalModel(dir, offset: "1000"), ["'w'", "offset 1000", "w.bin"])
    }

    @Test func externalNegativeOffset() throws {
        let dir = scratchDirectory()
        try Hostile.write(Data(count: 16), dir, "w.bin")
        loadFails(try externalModel(dir, offset: "-8"), ["'w'", "w.bin"])
    }

    @Test func externalLengthPastTheEnd() throws {
        let dir = scratchDirectory()
        try Hostile.write(Data(count: 16), dir, "w.bin")
        loadFails(try externalModel(dir, offset: "8", length: "16"), ["'w'", "w.bin"])
    }

    @Test func externalFileMissing() throws {
        let dir = scratchDirectory()
        loadFails(try externalModel(dir, offset: "0"), ["w.bin", "missing"])
    }

    @Test func externalFileIsADirectory() throws {
        let dir = scratchDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/w.bin", withIntermediateDirectories: true)
        loadFails(try externalModel(dir, offset: "0"), ["w.bin"])
    }

    @Test func cyclicGraph() throws {
        let dir = scratchDirectory()
        let m = Hostile.model([
            Node(name: "a", opType: "Add", inputs: ["x", "c"], outputs: ["b"]),
            Node(name: "b", opType: "Relu", inputs: ["b"], outputs: ["c"]),
            Node(name: "out", opType: "Relu", inputs: ["c"], outputs: ["y"]),
        ])
        loadFails(try Hostile.write(m, dir, "cycle.onnx"), ["cycle.onnx", "cycle"])
    }

    @Test func selfLoop() throws {
        let dir = scratchDirectory()
        let m = Hostile.model([Node(name: "loop", opType: "Add", inputs: ["x", "y"], outputs: ["y"])])
        loadFails(try Hostile.write(m, dir), ["cycle", "loop"])
    }

    @Test func duplicateNodeOutputs() throws {
        let dir = scratchDirectory()
        let m = Hostile.model([
            Node(name: "first", opType: "Relu", inputs: ["x"], outputs: ["y"]),
            Node(name: "second", opType: "Neg", inputs: ["x"], outputs: ["y"]),
        ])
        loadFails(try Hostile.write(m, dir), ["'y'", "more than one node"])
    }

    @Test func duplicateGraphOutputs() throws {
        let dir = scratchDirectory()
        let m = Hostile.model([Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])], outputs: ["y", "y"])
        loadFails(try Hostile.write(m, dir), ["'y'", "twice"])
    }

    @Test func danglingInput() throws {
        let dir = scratchDirectory()
        let m = Hostile.model([Node(name: "r", opType: "Add", inputs: ["x", "ghost"], outputs: ["y"])])
        loadFails(try Hostile.write(m, dir), ["'ghost'", "'r'"])
    }

    @Test func outputNothingProduces() throws {
        let dir = scratchDirectory()
        let m = Hostile.model([Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])], outputs: ["y", "phantom"])
        loadFails(try Hostile.write(m, dir), ["'phantom'"])
    }

    @Test func danglingInputInsideSubgraph() throws {
        let dir = scratchDirectory()
        let body = Graph(name: "then", nodes: [Node(name: "inner", opType: "Relu", inputs: ["nobody"], outputs: ["t"])],
                         outputs: [Hostile.f32("t")])
        let cond = try Tensor(shape: [], scalars: [true])
        var m = Hostile.model([
            Node(name: "branch", opType: "If", inputs: ["cond"], outputs: ["y"],
                 attributes: [Attribute(name: "then_branch", value: .graph(body)), Attribute(name: "else_branch", value: .graph(body))]),
        ], inputs: [])
        m.graph.setInitializer("cond", cond)
        loadFails(try Hostile.write(m, dir), ["'nobody'"])
    }

    @Test func nestedTenThousandDeep() throws {
        let dir = scratchDirectory()
        loadFails(try Hostile.write(Hostile.deeplyNested(10_000), dir, "deep.onnx"), ["deep.onnx", "nested"])
    }

    @Test func nestedPastTheSubgraphLimit() throws {
        let dir = scratchDirectory()
        loadFails(try Hostile.write(Hostile.deeplyNested(65), dir, "deep.onnx"), ["deep.onnx", "nested"])
    }

    @Test func sparseInitializerIndexOutOfRange() throws {
        let dir = scratchDirectory()
        var p = try Hostile.proto(try Hostile.tinyModel())
        var s = Onnx_SparseTensorProto()
        s.values = (try Tensor(shape: [2], scalars: [Float](arrayLiteral: 1, 2))).proto(name: "w")
        s.indices = (try Tensor(shape: [2], scalars: [Int64](arrayLiteral: 0, 99))).proto()
        s.dims = [1, 4]
        p.graph.initializer = []
        p.graph.sparseInitializer = [s]
        loadFails(try Hostile.write(p, dir), ["sparse", "99"])
    }

    @Test func sparseInitializerIndexOverflow() throws {
        let dir = scratchDirectory()
        var p = try Hostile.proto(try Hostile.tinyModel())
        var s = Onnx_SparseTensorProto()
        s.values = (try Tensor(shape: [1], scalars: [Float](arrayLiteral: 1))).proto(name: "w")
        s.indices = (try Tensor(shape: [1, 2], scalars: [Int64](arrayLiteral: Int64.max / 2, Int64.max / 2))).proto()
        s.dims = [1, 4]
        p.graph.initializer = []
        p.graph.sparseInitializer = [s]
        loadFails(try Hostile.write(p, dir), ["sparse"])
    }

    @Test func stringTensorCountMismatch() throws {
        let dir = scratchDirectory()
        var p = try Hostile.proto(try Hostile.tinyModel())
        p.graph.initializer[0].clearRawData()
        p.graph.initializer[0].dataType = 8
        p.graph.initializer[0].stringData = [Data("a".utf8)]
        loadFails(try Hostile.write(p, dir), ["'w'", "1 strings"])
    }

    @Test func unknownAttributeType() throws {
        let dir = scratchDirectory()
        var p = try Hostile.proto(try Hostile.tinyModel())
        var a = Onnx_AttributeProto()
        a.name = "weird"
        a.type = Onnx_AttributeProto.AttributeType(rawValue: 77) ?? .undefined
        p.graph.node[0].attribute = [a]
        loadFails(try Hostile.write(p, dir), ["'weird'"])
    }

    @Test func modelWithoutGraph() throws {
        let dir = scratchDirectory()
        var p = Onnx_ModelProto()
        p.irVersion = 8
        p.producerName = "nobody"
        loadFails(try Hostile.write(p, dir, "nograph.onnx"), ["nograph.onnx", "no graph"])
    }

    // MARK: loads, but cannot run

    /// Loads `m` (must succeed), then `run` must fail with one line mentioning `mentions`.
    /// With `notedAtLoad`, `load` must already have said that `run` will fail, and why.
    func loadsButRunFails(_ m: Model, _ mentions: [String], notedAtLoad: Bool = true,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = scratchDirectory()
        let path = try Hostile.write(m, dir)
        let s = preparedSession()
        let loaded = expectNoError("load \"\(path)\" as hostile", session: s, sourceLocation: sourceLocation)
        #expect(s.currentName == "hostile", sourceLocation: sourceLocation)
        #expect(loaded.text.contains("note: `run` will fail") == notedAtLoad, "load said: \(loaded.text)",
                sourceLocation: sourceLocation)
        for m in mentions where notedAtLoad {
            #expect(loaded.text.contains(m),
                    "load should note '\(m)': \(loaded.text)", sourceLocation: sourceLocation)
        }
        expectOneError("run", mentions: mentions, session: s, sourceLocation: sourceLocation)
    }

    @Test func unknownDomain() throws {
        try loadsButRunFails(Hostile.model([Node(name: "c", opType: "Frobnicate", domain: "com.example.nowhere", inputs: ["x"], outputs: ["y"])],
                                           opsets: ["": 17, "com.example.nowhere": 1]),
                             ["Frobnicate (domain com.example.nowhere, opset 1)"])
    }

    @Test func opsetOneWithALaterOp() throws {
        try loadsButRunFails(Hostile.model([Node(name: "g", opType: "Gelu", inputs: ["x"], outputs: ["y"])], opsets: ["": 1]),
                             ["Gelu", "opset 1"])
    }

    @Test func opsetNinetyNine() throws {
        try loadsButRunFails(Hostile.model([Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])], opsets: ["": 99]),
                             ["opset 99"])
    }

    @Test func kernelFailureAtRun() throws {
        var m = Hostile.model([Node(name: "bad_reshape", opType: "Reshape", inputs: ["x", "shape"], outputs: ["y"])])
        m.graph.setInitializer("shape", try Tensor(shape: [1], scalars: [Int64](arrayLiteral: 7)))
        try loadsButRunFails(m, ["bad_reshape"], notedAtLoad: false)
    }

    @Test func failedReloadKeepsTheModelOfThatName() throws {
        let dir = scratchDirectory()
        let path = try Hostile.write(Hostile.randomBytes(300, seed: 11), dir)
        expectOneError("load \"\(path)\" as demo", mentions: ["m.onnx"])
    }

    @Test func loadWithBadAsClause() throws {
        let path = try Hostile.write(try Hostile.tinyModel(), scratchDirectory())
        expectOneError("load \"\(path)\" sa name", mentions: ["as NAME"])
    }
}
