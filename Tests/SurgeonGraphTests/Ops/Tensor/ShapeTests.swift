import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ShapeTests {
    @Test func startAndEnd() throws {
        let x = try Tensor(zeros: .float32, shape: [2, 3, 4])
        #expect(try runNode("Shape", [x])[0].intArray() == [2, 3, 4])
        let out = try runNode("Shape", [x], attributes: [Attribute(name: "start", value: .int(-2)), Attribute(name: "end", value: .int(10))])[0]
        #expect(out.intArray() == [3, 4])
    }
}
