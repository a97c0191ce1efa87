import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct BinarizerTests {
    let ml = "ai.onnx.ml"

    @Test func binarizerThresholds() throws {
        let y = try runNode("Binarizer", [try f32([3], [-1, 0.5, 2])], attributes: [Attribute(name: "threshold", value: .float(0.5))], opset: 1, domain: ml)[0]
        #expect(isClose(y, try f32([3], [0, 0, 1])))
    }
}
