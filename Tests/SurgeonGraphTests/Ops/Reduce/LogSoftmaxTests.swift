import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct LogSoftmaxTests {
    @Test func logOfSoftmax() throws {
        let out = try runNode("LogSoftmax", [try f32([1, 2], [0, 0])], opset: 13)[0]
        #expect(isClose(out, try f32([1, 2], [Float(-log(2.0)), Float(-log(2.0))])))
    }
}
