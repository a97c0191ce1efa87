import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct EyeLikeTests {
    @Test func offDiagonalWithDtype() throws {
        let x = try Tensor(zeros: .float32, shape: [2, 3])
        let out = try runNode("EyeLike", [x], attributes: [Attribute(name: "k", value: .int(1)), Attribute(name: "dtype", value: .int(7))])[0]
        #expect(out.dtype == .int64 && out.intArray() == [0, 1, 0, 0, 0, 1])
    }
}
