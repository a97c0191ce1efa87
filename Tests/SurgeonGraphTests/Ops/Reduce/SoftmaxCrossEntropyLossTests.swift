import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SoftmaxCrossEntropyLossTests {
    @Test func lossAndLogProb() throws {
        let x = try f32([2, 2], [0, 0, 0, Float(log(3.0))])
        let out = try runNode("SoftmaxCrossEntropyLoss", [x, try Tensor(ints: [0, 1])], outputs: 2, opset: 13)
        let expected = Float((log(2.0) + log(4.0 / 3.0)) / 2)
        #expect(isClose(out[0], try Tensor(shape: [], scalars: [expected])))
        #expect(isClose(out[1], try f32([2, 2], [Float(-log(2.0)), Float(-log(2.0)), Float(-log(4.0)), Float(log(0.75))])))
    }
}
