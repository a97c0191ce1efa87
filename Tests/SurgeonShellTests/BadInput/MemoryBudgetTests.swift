import Foundation
import Surgeon
import SurgeonGraph
import SurgeonTensor
import Testing
@testable import SurgeonShell

/// `set memory`: the budget, its refusals before a run, and the stop during one. Live tensor
/// bytes are counted process-wide and other tests run at the same time, so the checks below
/// only rely on sizes that exceed the budget by themselves.
@Suite struct MemoryBudgetTests {
    /// x float32[1,1] → Expand to float32[N,N] → Relu → Relu → ReduceSum: two N×N activations
    /// alive at the peak (three when everything is kept).
    static func expandModel(_ n: Int) throws -> Model {
        let shape = try Tensor(shape: [2], scalars: [Int64(n), Int64(n)])
        let nodes = [
            Node(name: "expand", opType: "Expand", inputs: ["x", "shape"], outputs: ["big"]),
            Node(name: "relu1", opType: "Relu", inputs: ["big"], outputs: ["r1"]),
            Node(name: "relu2", opType: "Relu", inputs: ["r1"], outputs: ["r2"]),
            Node(name: "sum", opType: "ReduceSum", inputs: ["r2"], outputs: ["y"], attributes: [Attribute(name: "keepdims", value: .int(0))]),
        ]
        let g = Graph(name: "expand", nodes: nodes,
                      inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.known(1), .known(1)]))],
                      outputs: [ValueInfo(name: "y", type: .tensor(.float32, nil))], initializers: [("shape", shape)])
        return Model(graph: g, opsetImports: ["": 17])
    }

    /// x float32[1,1] tiled by `reps` (a graph input, so the output shape is unknown before the run).
    static func tileModel() -> Model {
        let nodes = [Node(name: "tile", opType: "Tile", inputs: ["x", "reps"], outputs: ["y"])]
        let g = Graph(name: "tile", nodes: nodes,
                      inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.known(1), .known(1)])),
                               ValueInfo(name: "reps", type: .tensor(.int64, [.known(2)]))],
                      outputs: [ValueInfo(name: "y", type: .tensor(.float32, nil))])
        return Model(graph: g, opsetImports: ["": 17])
    }

    static func session(with model: Model, name: String) -> Session {
        let s = preparedSession()
        s.add(LoadedModel(name: name, path: nil, model: model))
        return s
    }

    // MARK: parsing

    @Test(arguments: [("8G", 8 << 30), ("512M", 512 << 20), ("1.5G", 3 << 29), ("100000", 100_000),
                      ("64KiB", 64 << 10), ("2tb", 2 << 40), ("16k", 16 << 10), ("3 ", 3)])
    func sizes(_ text: String, _ bytes: Int) {
        #expect(MemoryBudget.parseSize(text) == bytes)
    }

    /// The code part of `set memory`'s resident size: the files mapped executable somewhere,
    /// all their mappings; not a weight file mapped read-only, nor anonymous memory or [vdso].
    @Test func codeResidentCountsExecutableFilesOnly() {
        let smaps = """
        55d8fe46e000-55d8fec68000 r-xp 00000000 08:01 1234                       /opt/bin/surgeon-shell
        Size:               8168 kB
        Rss:                6116 kB
        VmFlags: rd ex mr mw me dw sd
        55d8fec68000-55d8fec85000 r--p 007f9000 08:01 1234                       /opt/bin/surgeon-shell
        Rss:                 116 kB
        7f2730000000-7f2734000000 rw-p 00000000 00:00 0
        Rss:                3944 kB
        7f2740000000-7f2741000000 r--p 00000000 08:01 99                         /data/my model.onnx.data
        Rss:                5160 kB
        7f2750000000-7f2750100000 r-xp 00000000 08:01 77                         /usr/lib/libc.so.6
        Rss:                1472 kB
        7f2750100000-7f2750200000 rw-p 00100000 08:01 77                         /usr/lib/libc.so.6
        Rss:                  16 kB
        7ffd1e5f0000-7ffd1e5f2000 r-xp 00000000 00:00 0                          [vdso]
        Rss:                   8 kB
        """
        #expect(SetCommand.codeResidentBytes(smaps: smaps) == (6116 + 116 + 1472 + 16) * 1024)
        #expect(SetCommand.codeResidentBytes(smaps: "") == 0)
        #expect(SetCommand.kilobytes(after: "VmHWM:", in: "Name:\tx\nVmHWM:\t   44116 kB\nVmRSS:\t 1 kB") == 44116 * 1024)
    }

    /// This process's own figures: the peak is at least the resident size, and the program's
    /// code is part of it.
    @Test func setShowsPeakAndCode() throws {
        let t = expectNoError("set memory")
        let line = try #require(t.out.first)
        #expect(line.contains("process resident: ") && line.contains("(peak ") && line.contains("program code and libraries "), "\(line)")
        let resident = try #require(SetCommand.residentBytes())
        let peak = try #require(SetCommand.peakResidentBytes())
        let smaps = try #require(SetCommand.procText("/proc/self/smaps"))
        let code = SetCommand.codeResidentBytes(smaps: smaps)
        #expect(peak >= resident && code > 0 && code < peak, "resident \(resident) peak \(peak) code \(code)")
        // The whole file, not its first block: the C library's mappings come after the test
        // binary's (the first version read a truncated text and counted only the executable).
        #expect(smaps.contains("libc.so"), "smaps read: \(smaps.count) characters")
    }

    @Test func setShowsAndChanges() {
        let s = preparedSession()
        let t = expectNoError("set memory 8G\nset memory\nset", session: s)
        #expect(s.memoryBudget == 8 << 30)
        #expect(t.out.count == 3)
        #expect(t.out.allSatisfy { $0.hasPrefix("memory budget: 8.0 GiB; tensors in use: ") }, "\(t.out)")
        expectNoError("set memory off", session: s)
        #expect(s.memoryBudget == nil)
        expectNoError("set memory 512m", session: s)
        #expect(s.memoryBudget == 512 << 20)
        let off = expectNoError("set memory none", session: s)
        #expect(s.memoryBudget == nil)
        #expect(off.text.contains("memory budget: off (single tensors are limited to 16.0 GiB)"))
        expectNoError("set memory auto", session: s)
        #expect(s.memoryBudget == MemoryBudget.physicalDefault)
    }

    @Test func defaultIsEightyPercentOfMemory() throws {
        let total = try #require(MemoryBudget.physicalMemory)
        #expect(total > 64 << 20)
        #expect(Session().memoryBudget == Int(Double(total) * 0.8))
    }

    @Test(arguments: ["8X", "-1", "0", "1e3", "G", "8GG", "1.2.3", "99999999999T", "eight"])
    func badSizes(_ text: String) {
        let s = preparedSession()
        s.memoryBudget = 1 << 30
        let t = expectOneError("set memory \(text)", mentions: ["is not a size", "8G"], session: s)
        #expect(t.errors.hasPrefix("test.surgeon:1:12: error: '\(text.trimmingCharacters(in: .whitespaces))'"), "\(t.errors)")
        #expect(s.memoryBudget == 1 << 30)
    }

    @Test func badSettings() {
        expectOneError("set memroy 8G", mentions: ["unknown setting 'memroy'", "'memory'"])
        expectOneError("set memory 8G 4G", mentions: ["one size"])
    }

    // MARK: refusals before anything is allocated

    @Test func runRefusedBeforeItStarts() throws {
        let s = Self.session(with: try Self.expandModel(20000), name: "big")
        expectNoError("set memory 1G", session: s)
        let before = s.rng
        let t = expectOneError("run", mentions: ["run refused: it needs ", "(3.0 GiB of activations (peak after node 'relu1')",
                                                 "over the memory budget of 1.0 GiB", "set memory"], session: s)
        #expect(!t.errors.contains("at least"), "the estimate is complete: \(t.errors)")
        #expect(s.rng.s == before.s, "a refused run must not use up random numbers")
        // The estimate follows last-use release: `big` is gone once relu1 has read it, unless kept.
        expectNoError("inspect all", session: s)
        expectOneError("run", mentions: ["(4.5 GiB of activations"], session: s)
    }

    @Test func runFitsUnderTheBudget() throws {
        let s = Self.session(with: try Self.expandModel(64), name: "small")
        let t = expectNoError("set memory 4G\nrun x=ones(1,1)", session: s)
        #expect(t.text.contains("y: tensor(4096.)"), "\(t.text)")
    }

    @Test func estimateFollowsExecutionOrderAndRelease() throws {
        let m = try Self.expandModel(100)
        let e = MemoryEstimate(model: m, feeds: ["x": .tensor(.float32, [.known(1), .known(1)])], keep: ["y"])
        #expect(e.isComplete)
        #expect(e.peakBytes == 2 * 100 * 100 * 4)
        #expect(e.peakNode == "relu1")
        let kept = MemoryEstimate(model: m, feeds: [:], keep: ["y", "big", "r1", "r2"])
        #expect(kept.peakBytes == 3 * 100 * 100 * 4 + 4)
        let unknown = MemoryEstimate(model: Self.tileModel(), feeds: [:], keep: ["y"])
        #expect(unknown.unknownValues == ["y"])
    }

    @Test func unknownShapesStopAtRunTime() {
        let s = Self.session(with: Self.tileModel(), name: "tile")
        expectNoError("set memory 64M", session: s)
        expectOneError("run x=ones(1,1) reps=[10000, 10000]",
                       mentions: ["node 'tile'", "float32[10000,10000] tensor needs 381.5 MiB", "over the memory budget of 64.0 MiB"], session: s)
        let t = expectNoError("run x=ones(1,1) reps=[2, 3]", session: s)
        #expect(t.text.contains("[1., 1., 1.]"), "\(t.text)")
    }

    @Test func checkBetweenNodesStopsTheRun() throws {
        let m = try Self.expandModel(4)
        let interp = Interpreter(model: m)
        var calls = 0
        struct Stop: Error {}
        interp.checkBetweenNodes = {
            calls += 1
            if calls == 2 { throw Stop() }
        }
        let x = try Tensor(shape: [1, 1], scalars: [Float(1)])
        #expect(throws: Stop.self) { _ = try interp.run(feeds: ["x": .tensor(x)]) }
        #expect(calls == 2)
        let keep = try Tensor(shape: [4], scalars: [Float](repeating: 0, count: 4))
        #expect(MemoryBudget.liveBytes >= keep.byteCount)
        MemoryBudget.$limit.withValue(1) {
            #expect(throws: TensorError.self) { try MemoryBudget.checkLive() }
        }
        #expect(throws: Never.self) { try MemoryBudget.checkLive() }
    }

    @Test func liveBytesCountOwnedBuffersOnly() throws {
        let n = 1 << 20
        let t = try Tensor(zeros: .float32, shape: [n])
        let owner = TensorBuffer(zeroedByteCount: 16)
        let borrowed = TensorBuffer(borrowing: owner.pointer, byteCount: 1 << 40, owner: owner)
        #expect(MemoryBudget.liveBytes >= t.byteCount)
        #expect(MemoryBudget.liveBytes < 1 << 40, "a borrowed buffer must not count")
        _ = borrowed
    }

    // MARK: tensors made by expressions

    @Test func hugeTensorRefusedByTheDefaultBudget() {
        let s = preparedSession()
        s.memoryBudget = MemoryBudget.physicalDefault
        expectOneError("let big = rand(1000000, 1000000)", mentions: ["float32[1000000,1000000] tensor needs 3.6 TiB", "over the memory budget of"], session: s)
    }

    @Test func expressionsRespectTheBudget() {
        let s = preparedSession()
        expectNoError("let m = zeros(1000, 1000)\nset memory 1M", session: s)
        expectOneError("let b = m + m", mentions: ["float32[1000,1000] tensor needs 3.8 MiB", "over the memory budget of 1.0 MiB"], session: s)
        expectOneError("print rand(1000, 1000)", mentions: ["over the memory budget of 1.0 MiB"], session: s)
        #expect(s.variables["b"] == nil)
        expectNoError("set memory off\nlet b = m + m", session: s)
        #expect(s.variables["b"] != nil)
    }

    @Test func noBudgetKeepsTheHardLimit() {
        let s = preparedSession()
        s.memoryBudget = nil
        expectOneError("let big = rand(100000, 100000)", mentions: ["needs 37.3 GiB", "over the limit of 16.0 GiB"], session: s)
    }
}
