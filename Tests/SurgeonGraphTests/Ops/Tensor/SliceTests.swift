import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SliceTests {
    @Test func negativeStepAndClamping() throws {
        let x = try f32([2, 4], (0..<8).map(Float.init))
        let out = try runNode("Slice", [x, Tensor(ints: [100, 0]), Tensor(ints: [-100, 2]), Tensor(ints: [1, 0]), Tensor(ints: [-2, 1])])[0]
        #expect(out.shape == [2, 2])
        #expect(try out.scalars(of: Float.self) == [3, 1, 7, 5])
    }

    @Test func attributesBeforeOpset10() throws {
        let x = try f32([4], [1, 2, 3, 4])
        let out = try runNode("Slice", [x], attributes: [Attribute(name: "starts", value: .ints([1])), Attribute(name: "ends", value: .ints([-1]))], opset: 9)[0]
        #expect(try out.scalars(of: Float.self) == [2, 3])
    }

    @Test func zeroStepThrows() throws {
        let x = try f32([4], [1, 2, 3, 4])
        #expect(throws: (any Error).self) { try runNode("Slice", [x, Tensor(ints: [0]), Tensor(ints: [4]), Tensor(ints: [0]), Tensor(ints: [0])]) }
    }
}
