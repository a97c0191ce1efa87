import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SplitTests {
    @Test func splitInput() throws {
        let x = try f32([5], [1, 2, 3, 4, 5])
        let outs = try runNode("Split", [x, Tensor(ints: [2, 3])], outputs: 2, opset: 13)
        #expect(try outs[0].scalars(of: Float.self) == [1, 2])
        #expect(try outs[1].scalars(of: Float.self) == [3, 4, 5])
    }

    @Test func numOutputsUneven() throws {
        let x = try f32([5], [1, 2, 3, 4, 5])
        let outs = try runNode("Split", [x], attributes: [Attribute(name: "num_outputs", value: .int(2))], outputs: 2, opset: 18)
        #expect(try outs[0].scalars(of: Float.self) == [1, 2, 3])
        #expect(try outs[1].scalars(of: Float.self) == [4, 5])
    }

    @Test func splitAttributeBeforeOpset13() throws {
        let x = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        let outs = try runNode("Split", [x], attributes: [Attribute(name: "axis", value: .int(1)), Attribute(name: "split", value: .ints([1, 2]))], outputs: 2, opset: 11)
        #expect(try outs[1].scalars(of: Float.self) == [2, 3, 5, 6])
    }
}
