import Foundation
import ONNXProto
import SurgeonGraph
@testable import SurgeonONNX
import SurgeonTensor
import Testing

/// `WeightStripper.strip` first walks the bytes without copying (`hasStrippable`) and skips the
/// rebuild when nothing would be stripped: the outcome must be the one of the full rebuild.
@Suite struct WeightStripperScanTests {
    /// nil and "nothing stripped" both make the loader decode the original bytes.
    func outcome(_ bytes: [UInt8], prescan: Bool) -> WeightStripper.Result? {
        bytes.withUnsafeBytes { b in
            guard let r = WeightStripper.strip(b, prescan: prescan), !r.isEmpty else { return nil }
            return r
        }
    }

    func models() throws -> [(String, [UInt8])] {
        let n = 2048
        let big = try Tensor(shape: [n], scalars: (0..<n).map { Float($0) })
        let bigConst = try Tensor(shape: [2, n], scalars: (0..<(2 * n)).map { Int32($0) })
        let small = try Tensor(shape: [2], scalars: [Float(1.5), 2.5])
        func model(initializers: [(String, Tensor)], constant: Tensor?) throws -> [UInt8] {
            var nodes = [Node(name: "a", opType: "Add", inputs: ["x", "w"], outputs: ["y"],
                              metadata: [("pkg.torch.onnx.name_scopes", "['', 'm', 'add']")])]
            if let constant {
                nodes.insert(Node(name: "c", opType: "Constant", inputs: [], outputs: ["k"],
                                  attributes: [Attribute(name: "value", value: .tensor(constant))]), at: 0)
            }
            let g = Graph(name: "g", nodes: nodes,
                          inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.known(n)]))],
                          outputs: [ValueInfo(name: "y", type: .tensor(.float32, [.known(n)]))],
                          initializers: initializers)
            return [UInt8](try ONNXExport.encode(Model(graph: g, opsetImports: ["": 17])))
        }
        return [
            ("big initializer and constant", try model(initializers: [("s", small), ("w", big)], constant: bigConst)),
            ("big constant only", try model(initializers: [("w", small)], constant: bigConst)),
            ("big initializer only", try model(initializers: [("w", big)], constant: small)),
            ("nothing big", try model(initializers: [("w", small)], constant: small)),
        ]
    }

    @Test func prescanGivesTheFullRebuildsOutcome() throws {
        for (label, full) in try models() {
            #expect(outcome(full, prescan: true) == outcome(full, prescan: false), "\(label)")
            let nothing = label == "nothing big"
            #expect((outcome(full, prescan: true) == nil) == nothing, "\(label)")
            // Truncated and corrupted bytes: the same outcome (usually nil: decode the original).
            var cuts = Array(stride(from: 0, to: full.count, by: 13))
            cuts += (0..<min(200, full.count)).map { full.count - 1 - $0 }
            for cut in cuts {
                let bytes = Array(full.prefix(cut))
                #expect(outcome(bytes, prescan: true) == outcome(bytes, prescan: false), "\(label) cut at \(cut)")
            }
            for at in stride(from: 0, to: full.count, by: 29) {
                for value: UInt8 in [0x00, 0xff, 0x0a, 0x2a] {
                    var bytes = full
                    bytes[at] = value
                    #expect(outcome(bytes, prescan: true) == outcome(bytes, prescan: false), "\(label) byte \(at) = \(value)")
                }
            }
        }
    }

    @Test func externalDataModelsAreNotRebuilt() throws {
        var t = Onnx_TensorProto()
        t.name = "w"
        t.dataType = 1
        t.dims = [4096]
        t.dataLocation = .external
        var e = Onnx_StringStringEntryProto()
        e.key = "location"
        e.value = "w.bin"
        t.externalData = [e]
        var proto = Onnx_ModelProto()
        proto.graph.initializer = [t]
        let bytes = [UInt8](try proto.serializedData())
        #expect(bytes.withUnsafeBytes { WeightStripper.hasStrippable($0) } == false)
        #expect(outcome(bytes, prescan: false) == nil)
    }
}
