import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MLOpsTests {
    let ml = "ai.onnx.ml"

    @Test func arrayFeatureExtractorPicksColumns() throws {
        let x = try f32([2, 3], [0, 1, 2, 3, 4, 5])
        let y = try runNode("ArrayFeatureExtractor", [x, try Tensor(shape: [2], scalars: [Int64(2), 0])], opset: 1, domain: ml)[0]
        #expect(isClose(y, try f32([2, 2], [2, 0, 5, 3])))
        #expect(throws: (any Error).self) {
            try runNode("ArrayFeatureExtractor", [x, try Tensor(shape: [1], scalars: [Int64(3)])], opset: 1, domain: ml)
        }
    }

    @Test func binarizerThresholds() throws {
        let y = try runNode("Binarizer", [try f32([3], [-1, 0.5, 2])], attributes: [Attribute(name: "threshold", value: .float(0.5))], opset: 1, domain: ml)[0]
        #expect(isClose(y, try f32([3], [0, 0, 1])))
    }

    @Test func treeEnsembleSingleSplit() throws {
        let attrs = [
            Attribute(name: "nodes_splits", value: .tensor(try f32([1], [1]))),
            Attribute(name: "nodes_featureids", value: .ints([0])),
            Attribute(name: "nodes_modes", value: .tensor(try Tensor(shape: [1], scalars: [UInt8(0)]))),
            Attribute(name: "nodes_truenodeids", value: .ints([0])), Attribute(name: "nodes_falsenodeids", value: .ints([1])),
            Attribute(name: "nodes_trueleafs", value: .ints([1])), Attribute(name: "nodes_falseleafs", value: .ints([1])),
            Attribute(name: "leaf_targetids", value: .ints([0, 0])),
            Attribute(name: "leaf_weights", value: .tensor(try f32([2], [10, 20]))),
            Attribute(name: "tree_roots", value: .ints([0])), Attribute(name: "n_targets", value: .int(1)),
        ]
        let y = try runNode("TreeEnsemble", [try f32([2, 1], [0.5, 2])], attributes: attrs, opset: 5, domain: ml)[0]
        #expect(isClose(y, try f32([2, 1], [10, 20])))
    }
}
