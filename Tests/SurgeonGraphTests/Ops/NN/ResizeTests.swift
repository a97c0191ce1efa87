import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ResizeTests {
    @Test func nearestUpsampleByScales() throws {
        let x = try f32([1, 1, 2, 2], [1, 2, 3, 4])
        let scales = try f32([4], [1, 1, 2, 2])
        let y = try runNode("Resize", [x, nil, scales], attributes: [Attribute(name: "mode", value: .string("nearest"))], opset: 19)[0]
        #expect(y.shape == [1, 1, 4, 4])
        #expect(try y.scalars(of: Float.self) == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func linearAlignCornersBySizes() throws {
        let x = try f32([1, 1, 1, 2], [0, 3])
        let sizes = try Tensor(shape: [4], scalars: [Int64(1), 1, 1, 4])
        let y = try runNode("Resize", [x, nil, nil, sizes], attributes: [
            Attribute(name: "mode", value: .string("linear")),
            Attribute(name: "coordinate_transformation_mode", value: .string("align_corners")),
        ], opset: 19)[0]
        #expect(isClose(y, try f32([1, 1, 1, 4], [0, 1, 2, 3])))
    }

    @Test func upsampleNearest() throws {
        let x = try f32([1, 2], [5, 6])
        let y = try runNode("Upsample", [x, try f32([2], [2, 2])], attributes: [Attribute(name: "mode", value: .string("nearest"))], opset: 9)[0]
        #expect(try y.scalars(of: Float.self) == [5, 5, 6, 6, 5, 5, 6, 6])
    }

    @Test func missingScalesAndSizesIsAnError() throws {
        let x = try f32([1, 2], [5, 6])
        #expect(throws: (any Error).self) { try runNode("Resize", [x], opset: 19) }
    }
}
