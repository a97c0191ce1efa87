import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct RoiAlignTests {
    let x = try! f32([1, 1, 2, 2], [1, 2, 3, 4])
    let roi = try! f32([1, 4], [0, 0, 1, 1])
    let batch = try! Tensor(shape: [1], scalars: [Int64(0)])

    @Test func outputHalfPixelSamplesTheBinCentre() throws {
        let y = try runNode("RoiAlign", [x, roi, batch], attributes: [
            Attribute(name: "sampling_ratio", value: .int(1)),
            Attribute(name: "coordinate_transformation_mode", value: .string("output_half_pixel"))], opset: 16)[0]
        #expect(isClose(y, try f32([1, 1, 1, 1], [2.5])))
    }

    @Test func halfPixelShiftsByHalf() throws {
        let y = try runNode("RoiAlign", [x, roi, batch], attributes: [Attribute(name: "sampling_ratio", value: .int(1))], opset: 16)[0]
        #expect(isClose(y, try f32([1, 1, 1, 1], [1])))
    }

    @Test func badBatchIndexIsAnError() throws {
        let bad = try Tensor(shape: [1], scalars: [Int64(3)])
        #expect(throws: (any Error).self) { try runNode("RoiAlign", [x, roi, bad], opset: 16) }
    }
}

extension RoiAlignTests {
    @Test func hugeRoiIsAnErrorNotACrash() throws {
        let huge = try f32([1, 4], [0, 0, 1e30, 1e30])
        #expect(throws: (any Error).self) { try runNode("RoiAlign", [x, huge, batch], opset: 16) }
    }
}
