import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct TensorScatterTests {
    @Test func linearWritesAtEachBatchIndex() throws {
        let past = try f32([2, 3, 1], [0, 0, 0, 0, 0, 0])
        let upd = try f32([2, 1, 1], [5, 6])
        let idx = try Tensor(shape: [2], scalars: [Int64(0), 2])
        let y = try runNode("TensorScatter", [past, upd, idx], opset: 24)[0]
        #expect(isClose(y, try f32([2, 3, 1], [5, 0, 0, 0, 0, 6]), atol: 0, rtol: 0))
    }

    @Test func circularWrapsAndLinearOverflowIsAnError() throws {
        let past = try f32([1, 3, 1], [1, 2, 3])
        let upd = try f32([1, 2, 1], [8, 9])
        let idx = try Tensor(shape: [1], scalars: [Int64(2)])
        let y = try runNode("TensorScatter", [past, upd, idx], attributes: [Attribute(name: "mode", value: .string("circular"))], opset: 24)[0]
        #expect(isClose(y, try f32([1, 3, 1], [9, 2, 8]), atol: 0, rtol: 0))
        #expect(throws: (any Error).self) { try runNode("TensorScatter", [past, upd, idx], opset: 24) }
    }
}
