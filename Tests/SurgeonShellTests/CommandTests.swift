import Foundation
import SurgeonGraph
import SurgeonONNX
import Testing
@testable import SurgeonShell

/// One test per command form of docs/commands.md that other suites do not already cover.
@Suite struct CommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func session() -> (Box<Transcript>, Session) {
        let t = Box(Transcript())
        let s = Session(baseDirectory: Self.root, write: { t.value.out.append($0) })
        s.loadDemo()
        return (t, s)
    }

    @Test func loadAsModelsUseDrop() {
        let (_, s) = session()
        let (t, _) = runScript("""
        load samples/models/summary-legacy.onnx as s
        load "samples/models/summary-dynamo.onnx"
        models
        use demo
        drop summary-dynamo
        models
        use nothere
        """, session: s)
        #expect(t.failures == 1)
        #expect(s.models.map(\.name) == ["demo", "s"])
        #expect(s.currentName == "demo")
        #expect(t.out.contains { $0.hasPrefix("* summary-dynamo  summary-dynamo.onnx  4 nodes, 15 parameters") })
        #expect(t.errors.contains("no model 'nothere'"))
    }

    @Test func layersAndNodesWithGlob() {
        let (t, _) = runScript("layers layer?\nnodes *a*\nnodes")
        #expect(t.out == ["['layer1', 'layer2', 'layer3']", "['layer1', 'layer2', 'layer3', 'tanh']",
                          "['x', 'layer1', 'relu', 'layer2', 'sigmoid', 'layer3', 'tanh']"])
    }

    @Test func treeFocusesOnAModule() {
        let (t, _) = runScript("tree layer2\ntree nope")
        #expect(t.failures == 1)
        #expect(t.text.contains("Gemm"))
        #expect(!t.text.contains("Sigmoid"))
    }

    @Test func heatmapDimsAndIndex() {
        let (t, _) = runScript("heatmap reshape(arange(24), 2, 3, 4) dims=0,2 index=1\nheatmap arange(6) dims=0,0")
        #expect(t.failures == 1)
        #expect(t.text.hasPrefix("int64[2,3,4] slice :,1,:  min=4 max=19"))
    }

    @Test func exportNpyAndPbRoundTrip() throws {
        let dir = NSTemporaryDirectory() + "export-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let (t, _) = runScript("""
        let a = [[1.5, 2], [3, 4]]
        export a \(dir)/a.npy
        export a * 2 \(dir)/a.pb
        print load("\(dir)/a.npy") + load("\(dir)/a.pb")
        export a \(dir)/a.txt
        export a /nonexistent-dir/a.npy
        """)
        #expect(t.failures == 2, "\(t.errors)")
        #expect(t.out == ["tensor([[ 4.5000,  6.0000],\n        [ 9.0000, 12.0000]])"])
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent-dir/a.npy"))
    }

    @Test func saveWritesALoadableModel() throws {
        let path = NSTemporaryDirectory() + "saved-\(getpid()).onnx"
        let (t, _) = runScript("cut in=layer1 out=sigmoid as c\nsave \(path)\nload \(path) as back\nnodes")
        #expect(t.failures == 0, "\(t.errors)")
        #expect(t.out.last == "['layer1', 'relu', 'layer2', 'sigmoid']")
    }

    @Test func runForms() {
        let (t, _) = runScript("""
        run rand(1,5)
        run x=ones(1,5)
        let v = ones(2,5)
        run v
        run x=ones(1,5,dtype=int64)
        run y=ones(1,5)
        """)
        #expect(t.failures == 2)
        #expect(t.errors.contains("input 'x' expects float32[batch,5], got int64[1,5]"))
        #expect(t.errors.contains("the model has no input 'y'"))
        #expect(t.out.filter { $0.hasPrefix("y: tensor(") }.count == 3)
    }

    /// `run` alone says what it generated as expressions that make the same kind of value,
    /// scalars included (silero-vad's `sr: int64[]` once printed `zeros(, dtype=int64)`).
    @Test func runAloneSaysWhatItUsedAsValidExpressions() throws {
        let scalar = ValueInfo(name: "sr", type: .tensor(.int64, []))
        let half = ValueInfo(name: "h", type: .tensor(.float16, [.symbolic("n"), .known(2)]))
        let flag = ValueInfo(name: "b", type: .tensor(.bool, [.known(3)]))
        let m = Model(graph: Graph(name: "g", nodes: [Node(name: "i", opType: "Identity", inputs: ["sr"], outputs: ["y"])],
                                   inputs: [scalar, half, flag], outputs: [ValueInfo(name: "y")]),
                      opsetImports: ["": 17])
        let path = try Hostile.write(m, scratchDirectory())
        let (t, s) = runScript("load \"\(path)\" as m\nrun")
        #expect(t.failures == 0, "\(t.errors)")
        let using = t.out.first { $0.hasPrefix("using ") } ?? ""
        #expect(using == "using sr=zeros(dtype=int64) h=rand(1,2, dtype=float16) b=zeros(3, dtype=bool)")
        let (again, _) = runScript("run " + using.dropFirst("using ".count), session: s)
        #expect(again.failures == 0, "\(again.errors)")
    }

    @Test func resultsOfOneModelFeedAnother() {
        let (t, _) = runScript("""
        inspect layer1
        run x=ones(1,5)
        let l1 = out.layer1
        cut in=layer1 out=tanh as tail
        run layer1=l1
        print allclose(out.tanh, l1 * 0 + out.tanh)
        use demo
        run x=ones(1,5)
        """)
        #expect(t.failures == 0, "\(t.errors)")
        let ys = t.out.filter { $0.hasPrefix("y: ") || $0.hasPrefix("tanh: ") }
        #expect(ys.count == 3)
        #expect(Set(ys.map { $0.split(separator: " ", maxSplits: 1)[1] }).count == 1)
    }

    @Test func continuationCommentsAndSemicolons() {
        let (t, _) = runScript("print 1 + \\\n 2 # three\nprint 4; print 5")
        #expect(t.out == ["tensor(3, dtype=int64)", "tensor(4, dtype=int64)", "tensor(5, dtype=int64)"])
    }

    @Test func functionsOnTensors() {
        let (t, _) = runScript("""
        let a = [[1.0, -2.0], [3.0, 4.0]]
        print abs(a)
        print sum(a)
        print mean(a, dim=0)
        print max(a)
        print argmax(a)
        print softmax([0.0, 0.0])
        print topk([1.0, 5.0, 3.0], 2)
        print transpose(a)
        print a @ a
        print -a[0]
        """)
        #expect(t.failures == 0, "\(t.errors)")
        #expect(t.out == [
            "tensor([[1., 2.],\n        [3., 4.]])", "tensor(6.)", "tensor([2., 1.])", "tensor(4.)",
            "tensor(3, dtype=int64)", "tensor([0.5000, 0.5000])",
            "(tensor([5., 3.]), tensor([1, 2], dtype=int64))", "tensor([[ 1.,  3.],\n        [-2.,  4.]])",
            "tensor([[ -5., -10.],\n        [ 15.,  10.]])", "tensor([-1.,  2.])",
        ])
    }
}
