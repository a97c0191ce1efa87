import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import Testing
@testable import SurgeonShell

/// What `load` does faster: names made on first use, counts printed without `String(format:)`.
@Suite struct FastLoadTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func fixedMatchesStringFormat() {
        var rng = SystemRandomNumberGenerator()
        var values: [Double] = [1, 1.005, 1.015, 1.125, 1.375, 2.5, 9.995, 9.9995, 99.95, 999.5, 12_345.675,
                                0x1p52 - 0.5, 0x1p51 + 0.25, 0.5, 0.125, 0, 3e15, .infinity]
        // Exact ties at 1, 2 and 3 decimals (multiples of 1/8 or 1/16), both parities.
        for k in 8..<400 { values.append(Double(k) / 8); values.append(Double(k) / 16) }
        for _ in 0..<20_000 {
            let n = Int.random(in: 10_000..<5_000_000_000_000, using: &rng)
            values += [Double(n) / 1e3, Double(n) / 1e6, Double(n) / 1e9]
        }
        for x in values {
            for d in 0...3 {
                #expect(Commands.fixed(x, decimals: d) == String(format: "%.\(d)f", x), "x = \(x), decimals \(d)")
            }
        }
    }

    @Test func formatCountKeepsItsForms() {
        #expect(Commands.formatCount(9_999) == "9999")
        #expect(Commands.formatCount(10_000) == "10.0k")
        #expect(Commands.formatCount(123_456) == "123.5k")
        #expect(Commands.formatCount(999_950) == String(format: "%.1fk", 999.95))
        #expect(Commands.formatCount(1_000_000) == "1.00M")
        #expect(Commands.formatCount(109_482_240) == "109.48M")
        #expect(Commands.formatCount(1_005_000) == String(format: "%.2fM", 1.005))
        #expect(Commands.formatCount(7_000_000_000) == "7.00G")
    }

    @Test func valueTypeTextKeepsItsForms() {
        let cases: [(ValueType, String)] = [
            (.tensor(.float32, [.known(1), .symbolic("batch"), .unknown]), "float32[1,batch,?]"),
            (.tensor(nil, nil), "?[?]"),
            (.tensor(.int64, []), "int64[]"),
            (.sparseTensor(.int64, [.known(3)]), "sparse int64[3]"),
            (.sparseTensor(nil, nil), "sparse ?[?]"),
            (.sequence(.tensor(.float32, nil)), "sequence<float32[?]>"),
            (.optional(.sequence(.unknown)), "optional<sequence<?>>"),
            (.map(keyType: 7, .tensor(.float32, [.known(2)])), "map<int64,float32[2]>"),
            (.map(keyType: 14, .unknown), "map<complex64,?>"),
            (.unsupported(15, [.known(4)]), "complex128[4]"),
            (.unknown, "?"),
        ]
        for (t, text) in cases {
            #expect(t.description == text)
            #expect("\(t)" == text)
        }
    }

    @Test func namesAreMadeOnFirstUseFromTheModelAsLoaded() throws {
        let path = Self.root + "/samples/models/summary-dynamo.onnx"
        let model = try ONNXImport.load(path: path)
        let eager = ModelNames(model: model)
        var entry = LoadedModel(name: "m", path: path, model: model)
        let copy = entry
        #expect(entry.names.nodes == eager.nodes)
        #expect(entry.names.layers == eager.layers)
        #expect(entry.names.nodeNames == eager.nodeNames)
        #expect(entry.names.occurrences == eager.occurrences)
        #expect(copy.names.nodes == eager.nodes)
        // Replacing the names keeps the replacement.
        entry.names = ModelNames(model: Model(graph: Graph()))
        #expect(entry.names.nodes.isEmpty)
        #expect(copy.names.nodes == eager.nodes)
    }

    @Test func namesAreSafeToMakeFromManyThreads() throws {
        let path = Self.root + "/samples/models/inspect-dynamo.onnx"
        let model = try ONNXImport.load(path: path)
        let eager = ModelNames(model: model)
        let entry = LoadedModel(name: "m", path: path, model: model)
        let results = Mutexed<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let nodes = entry.names.nodes
            results.append(nodes)
        }
        #expect(results.values.count == 16)
        #expect(results.values.allSatisfy { $0 == eager.nodes })
    }

    @Test func loadPrintsTheSameAndNamesWorkAfterIt() {
        let (t, _) = runScript("""
        load "\(Self.root)/samples/models/summary-dynamo.onnx" as s
        layers
        nodes
        """, demo: false)
        #expect(t.failures == 0)
        #expect(t.out.first?.hasPrefix("loaded s: 4 nodes, 15 parameters") == true)
        #expect(t.out.count == 3)
    }
}

/// An array appended to from several threads.
final class Mutexed<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T]
    init(_ items: [T]) { self.items = items }
    func append(_ x: T) { lock.lock(); items.append(x); lock.unlock() }
    var values: [T] { lock.lock(); defer { lock.unlock() }; return items }
}
