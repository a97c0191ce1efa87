import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct FlattenTests {
    @Test func axes() throws {
        let x = try Tensor(zeros: .float32, shape: [2, 3, 4])
        #expect(try runNode("Flatten", [x])[0].shape == [2, 12])
        #expect(try runNode("Flatten", [x], attributes: [Attribute(name: "axis", value: .int(0))])[0].shape == [1, 24])
        #expect(try runNode("Flatten", [x], attributes: [Attribute(name: "axis", value: .int(-1))])[0].shape == [6, 4])
    }
}
