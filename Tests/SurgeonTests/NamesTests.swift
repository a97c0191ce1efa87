import Foundation
@testable import Surgeon
import SurgeonGraph
import SurgeonONNX
import Testing

@Suite struct NamesTests {
    @Test(arguments: exporters) func extractModel(_ exporter: String) throws {
        let m = try sample("extract", exporter)
        let names = ModelNames(model: m)
        #expect(names.layers == ["layer1", "layer2", "layer3"])
        #expect(names.nodes == ["x", "layer1", "relu", "layer2", "sigmoid", "layer3", "tanh"])
        #expect(names.exporter == (exporter == "dynamo" ? .dynamo : .torchScript))
    }

    @Test(arguments: exporters) func summaryModel(_ exporter: String) throws {
        let names = ModelNames(model: try sample("summary", exporter))
        #expect(names.layers == ["layer1a", "layer1b", "layer2"])
        #expect(names.nodes == ["x", "layer1a", "layer1b", "add", "layer2"])
    }

    @Test(arguments: exporters) func inspectModel(_ exporter: String) throws {
        let names = ModelNames(model: try sample("inspect", exporter))
        #expect(names.layers == ["layer1", "layer2", "layer3"])
        #expect(names.nodes == ["x", "layer1", "layer2", "layer3"])
    }

    @Test func namesMatchSurgeonPytorch() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: referenceDir + "/names.json"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] ?? [:]
        #expect(json.count == 3)
        for (model, entry) in json {
            for e in exporters {
                let names = ModelNames(model: try sample(model, e))
                #expect(names.layers == entry["layers"] as? [String], "\(model)-\(e)")
                #expect(names.nodes == entry["nodes"] as? [String], "\(model)-\(e)")
            }
        }
    }

    @Test(arguments: exporters) func resolveOrderAndErrors(_ exporter: String) throws {
        let m = try sample("extract", exporter)
        let names = ModelNames(model: m)
        #expect(try names.resolve("x", in: m) == .input("x"))
        guard case .node(let i) = try names.resolve("relu", in: m) else {
            Issue.record("relu is not a node"); return
        }
        #expect(m.graph.nodes[i].opType == "Relu")
        #expect(names.module(ofNode: i) == nil)
        let gemm = try #require(m.graph.nodes.firstIndex { $0.opType == "Gemm" })
        #expect(names.module(ofNode: gemm) == "layer1")
        // ONNX node names and value names resolve too.
        #expect(try names.resolve(m.graph.nodes[gemm].name, in: m) == .node(gemm))
        let v = m.graph.nodes[gemm].outputs[0]
        if names.nodeIndex(named: v) == nil {
            #expect(try names.resolve(v, in: m) == .value(v))
        }
        do {
            _ = try names.resolve("sigmod", in: m)
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("did you mean 'sigmoid'"))
        }
        #expect(names.outputValues(of: .layer("layer2"), in: m) == m.graph.nodes[2].outputs)
    }

    @Test func handBuiltModelKeepsONNXNames() throws {
        let n1 = Node(name: "a", opType: "Relu", inputs: ["in"], outputs: ["t"])
        let n2 = Node(opType: "Relu", inputs: ["t"], outputs: ["out"])
        let m = Model(graph: Graph(nodes: [n1, n2], inputs: [ValueInfo(name: "in")], outputs: [ValueInfo(name: "out")]))
        let names = ModelNames(model: m)
        #expect(names.exporter == .unknown)
        #expect(names.layers == [])
        #expect(names.nodes == ["in", "a", "Relu_1"])
    }

    @Test func scopeParsing() {
        #expect(snakeCase("MatMul") == "matmul")
        #expect(snakeCase("GlobalAveragePool") == "global_average_pool")
        #expect(snakeCase("LSTM") == "lstm")
        #expect(snakeCase("Relu") == "relu")
    }

    /// The ASCII byte path gives what the Character path gives, for every registered op type
    /// and for names that exercise the replacements and the case rules.
    @Test func asciiSnakeCaseMatchesCharacterPath() {
        let registered = OpRegistry.standard.registeredOps.map { $0.split(separator: ":").last.map(String.init) ?? $0 }
        let tricky = ["MatMulNaN", "IsNaN", "NaNMatMul", "MMatMul", "MatMatMul", "NaNaN", "Conv2D", "X9Y", "ABCdef",
                      "aBC", "A", "", "matmul_2", "QLinearMatMul", "MatMulInteger", "ai.onnx.Foo", "Foo-Bar Baz", "NAN", "mATmUL"]
        #expect(registered.count > 100)
        for op in registered + tricky {
            #expect(asciiSnakeCase(op) == characterSnakeCase(op), "\(op)")
        }
        #expect(asciiSnakeCase("Réseau") == nil)
        #expect(snakeCase("RéseauNeural") == characterSnakeCase("RéseauNeural"))
    }
}
