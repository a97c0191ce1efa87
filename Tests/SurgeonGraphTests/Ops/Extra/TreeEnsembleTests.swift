import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct TreeEnsembleTests {
    let ml = "ai.onnx.ml"

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
