import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReshapeTests {
    @Test func zeroCopiesAndMinusOneInfers() throws {
        let x = try Tensor(zeros: .float32, shape: [2, 3, 4])
        #expect(try runNode("Reshape", [x, Tensor(ints: [0, -1])])[0].shape == [2, 12])
    }

    @Test func allowZeroKeepsZero() throws {
        let x = try Tensor(zeros: .float32, shape: [0, 3])
        let out = try runNode("Reshape", [x, Tensor(ints: [3, 0])], attributes: [Attribute(name: "allowzero", value: .int(1))])[0]
        #expect(out.shape == [3, 0])
    }

    @Test func badCountThrows() throws {
        let x = try Tensor(zeros: .float32, shape: [2, 3])
        #expect(throws: (any Error).self) { try runNode("Reshape", [x, Tensor(ints: [4, -1])]) }
    }
}
