import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct DropoutTests {
    @Test func inferenceIsIdentityWithTrueMask() throws {
        let x = try f32([3], [1, 2, 3])
        let outs = try runNode("Dropout", [x, Tensor(scalar: Float(0.5))], outputs: 2)
        #expect(try outs[0].scalars(of: Float.self) == [1, 2, 3])
        #expect(outs[1].boolArray() == [true, true, true])
    }

    @Test func trainingScalesKeptElements() throws {
        let x = try f32([1000], Array(repeating: 1, count: 1000))
        let outs = try runNode("Dropout", [x, Tensor(scalar: Float(0.5)), Tensor(scalar: true)], attributes: [Attribute(name: "seed", value: .int(0))], outputs: 2)
        let y = try outs[0].scalars(of: Float.self), m = outs[1].boolArray()
        #expect(m.contains(true) && m.contains(false))
        #expect(zip(y, m).allSatisfy { $1 ? $0 == 2 : $0 == 0 })
    }
}
