import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// float16 / bfloat16 weights of MatMul, Gemm and Conv converted once per plan: the same
/// numbers as the half kernels converting them at every run.
@Suite struct HalfWeightsTests {
    static func model(_ half: DType) throws -> Model {
        func t(_ shape: [Int], _ seed: UInt32) throws -> Tensor {
            try ExecutionPlanTests.rnd(shape, seed: seed).cast(to: half)
        }
        let inits: [(String, Tensor)] = [
            ("W", try t([3, 3, 3, 3], 1)), ("B", try t([3], 2)), ("M", try t([5, 4], 3)),
            ("G", try t([4, 6], 4)), ("C", try t([6], 5)), ("shape", try Tensor(shape: [2], scalars: [Int64(-1), 5])),
        ]
        let nodes = [
            Node(name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"],
                 attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
            Node(name: "rs", opType: "Reshape", inputs: ["c", "shape"], outputs: ["r"]),
            Node(name: "mm", opType: "MatMul", inputs: ["r", "M"], outputs: ["m"]),
            Node(name: "gemm", opType: "Gemm", inputs: ["m", "G", "C"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: inits)
        return Model(graph: g, opsetImports: ["": 17])
    }

    /// A half tensor's values as float32 bit patterns.
    static func bits(_ t: Tensor) throws -> [UInt32] {
        try t.cast(to: .float32).scalars(of: Float.self).map(\.bitPattern)
    }

    /// A plan's constants by slot.
    static func constants(of plan: ExecutionPlan) -> [Int: Value] {
        Dictionary(plan.constants.map { ($0.slot, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func convertedWeightsGiveTheHalfKernelsResults() throws {
        for half in [DType.float16, .bfloat16] {
            let model = try Self.model(half)
            let x = try ExecutionPlanTests.rnd([2, 3, 5, 5], seed: 9).cast(to: half)
            let fused = Interpreter(model: model)
            let plain = Interpreter(model: model)
            plain.fusionEnabled = false
            let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            #expect(yf.dtype == half && yf.shape == yp.shape)
            let bf = try Self.bits(yf), bp = try Self.bits(yp)
            #expect(bf == bp, "\(half)")
            #expect(Set(bp).count > 10)
            // Every weight and bias read by the three steps is a float32 constant.
            let plan = try fused.plan(keep: ["y"], observing: false)
            let constants = Self.constants(of: plan)
            for st in plan.steps where ["Conv", "MatMul", "Gemm"].contains(st.node.opType) {
                for s in st.inputs.dropFirst() {
                    guard case .tensor(let t)? = constants[s] else { Issue.record("\(st.node.opType) input is not constant"); continue }
                    #expect(t.dtype == .float32)
                }
            }
        }
    }

    @Test func aFloat32InputStillMeetsTheKernelsCheck() throws {
        // x float32 with float16 weights: whatever the kernels say unfused, they say fused.
        let model = try Self.model(.float16)
        let x = try ExecutionPlanTests.rnd([1, 3, 5, 5], seed: 4)
        let fused = Interpreter(model: model)
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let a = Result { try fused.run(feeds: ["x": .tensor(x)])["y"]?.asTensor().int64Array() }
        let b = Result { try plain.run(feeds: ["x": .tensor(x)])["y"]?.asTensor().int64Array() }
        switch (a, b) {
        case (.success(let u), .success(let v)): #expect(u == v)
        case (.failure(let e), .failure(let f)): #expect("\(e)" == "\(f)")
        default: Issue.record("fused and unfused runs disagree: \(a) vs \(b)")
        }
    }
}

extension HalfWeightsTests {
    /// Half weights borrowed from a mapped file leave the resident set once the plan holds
    /// their float32 copy, and still read back (from the file) with the same values.
    @Test func mappedHalfWeightsAreReleasedAfterConversion() throws {
        let w = try ExecutionPlanTests.rnd([128, 128], seed: 12).cast(to: .float16)
        let path = NSTemporaryDirectory() + "half-weights-\(getpid()).bin"
        defer { unlink(path) }
        try Data(bytes: w.rawPointer, count: w.byteCount).write(to: URL(fileURLWithPath: path))
        let file = try MappedFile(path: path)
        let mapped = Tensor(dtype: .float16, shape: [128, 128],
                            buffer: TensorBuffer(borrowing: file.pointer, byteCount: w.byteCount, owner: file))
        let g = Graph(name: "g", nodes: [Node(name: "mm", opType: "MatMul", inputs: ["x", "W"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")], initializers: [("W", mapped)])
        let model = Model(graph: g, opsetImports: ["": 17])
        let x = try ExecutionPlanTests.rnd([3, 128], seed: 13).cast(to: .float16)
        let fused = Interpreter(model: model)
        let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        #if os(Linux)
        // The mapping's resident size in this process (mincore would report the page cache).
        let smapsData = FileHandle(forReadingAtPath: "/proc/self/smaps")?.readDataToEndOfFile() ?? Data()
        let smaps = String(decoding: smapsData, as: UTF8.self)
        var inMapping = false, rssKB: Int?
        for line in smaps.split(separator: "\n") {
            if line.first?.isHexDigit == true && line.contains("-") && line.contains(" ") {
                inMapping = line.hasSuffix(path)
            } else if inMapping, line.hasPrefix("Rss:") {
                rssKB = Int(line.split(separator: " ").dropFirst().first ?? "")
            }
        }
        #expect(rssKB == 0, "resident KB of the weights file: \(String(describing: rssKB))")
        #endif
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        #expect(try yf.scalars(of: Float16.self).map(\.bitPattern) == yp.scalars(of: Float16.self).map(\.bitPattern))
        #expect(try mapped.scalars(of: Float16.self).map(\.bitPattern) == w.scalars(of: Float16.self).map(\.bitPattern))
    }
}

extension HalfWeightsTests {
    /// A second run gives the same bits as the first (which made the float32 copies), and an
    /// observed run (unfused kernels) sees the same values.
    @Test func repeatedAndObservedRunsAgree() throws {
        let model = try Self.model(.float16)
        let x = try ExecutionPlanTests.rnd([2, 3, 5, 5], seed: 21).cast(to: .float16)
        let interp = Interpreter(model: model)
        let a = try #require(interp.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        let b = try #require(interp.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        var seen: [String: Tensor] = [:]
        let c = try #require(interp.run(feeds: ["x": .tensor(x)], observer: { ev in
            for (name, v) in ev.outputs { if case .tensor(let t) = v { seen[name] = t } }
        })["y"]).asTensor()
        let bits = { (t: Tensor) in try t.scalars(of: Float16.self).map(\.bitPattern) }
        #expect(try bits(a) == bits(b))
        #expect(try bits(a) == bits(c))
        #expect(try seen["y"].map(bits) == bits(a))
        #expect(Set(try bits(a)).count > 10)
    }
}

extension HalfWeightsTests {
    /// A Conv whose float16 / bfloat16 weights are large enough stays half in the plan (no
    /// float32 copy) and gives the bits of the unfused half kernel; small ones are copied.
    @Test func largeConvWeightsStayHalf() throws {
        for half in [DType.float16, .bfloat16] {
            let big = try ExecutionPlanTests.rnd([128, 64, 3, 3], seed: 31).cast(to: half)
            let small = try ExecutionPlanTests.rnd([8, 128, 1, 1], seed: 32).cast(to: half)
            #expect(Conv.keepsHalfWeights(big) && !Conv.keepsHalfWeights(small))
            let nodes = [
                Node(name: "big", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"],
                     attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
                Node(name: "small", opType: "Conv", inputs: ["c", "S"], outputs: ["y"]),
            ]
            let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                          initializers: [("W", big), ("B", try ExecutionPlanTests.rnd([128], seed: 33).cast(to: half)),
                                         ("S", small)])
            let model = Model(graph: g, opsetImports: ["": 17])
            let x = try ExecutionPlanTests.rnd([2, 64, 10, 9], seed: 34).cast(to: half)
            let fused = Interpreter(model: model)
            let plain = Interpreter(model: model)
            plain.fusionEnabled = false
            for _ in 0..<2 {
                let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
                let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
                #expect(yf.dtype == half && yf.shape == [2, 8, 10, 9])
                let bf = try Self.bits(yf), bp = try Self.bits(yp)
                #expect(bf == bp, "\(half)")
                #expect(Set(bp).count > 100)
            }
            let plan = try fused.plan(keep: ["y"], observing: false)
            let constants = Self.constants(of: plan)
            let types = plan.steps.filter { $0.node.opType == "Conv" }.map { st -> DType? in
                guard case .tensor(let t)? = constants[st.inputs[1]] else { return nil }
                return t.dtype
            }
            #expect(types == [half, .float32], "\(half)")
        }
    }
}
