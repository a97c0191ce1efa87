import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ClipTests {
    @Test func boundsAsInputs() throws {
        let y = try runNode("Clip", [try f32([4], [-2, 0, 3, .nan]), try f32([], [-1]), try f32([], [2])])[0]
        #expect(isClose(y, try f32([4], [-1, 0, 2, .nan])))
    }

    @Test func onlyMaxAndMinAboveMax() throws {
        #expect(try runNode("Clip", [try f32([2], [-2, 3]), nil, try f32([], [1])])[0].scalars(of: Float.self) == [-2, 1])
        #expect(try runNode("Clip", [try f32([2], [-2, 3]), try f32([], [5]), try f32([], [1])])[0].scalars(of: Float.self) == [1, 1])
    }

    @Test func attributesBeforeOpset11() throws {
        let y = try runNode("Clip", [try f32([3], [-2, 0, 3])], attributes: [Attribute(name: "min", value: .float(-1))], opset: 6)[0]
        #expect(try y.scalars(of: Float.self) == [-1, 0, 3])
    }

    @Test func int8() throws {
        let y = try runNode("Clip", [try Tensor(shape: [3], scalars: [Int8(-100), 5, 100]), Tensor(scalar: Int8(-10)), Tensor(scalar: Int8(10))])[0]
        #expect(try y.scalars(of: Int8.self) == [-10, 5, 10])
    }
}
