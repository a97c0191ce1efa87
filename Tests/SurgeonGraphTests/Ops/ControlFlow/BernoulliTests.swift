import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct BernoulliTests {
    @Test func certainProbabilities() throws {
        let y = try runNode("Bernoulli", [try f32([4], [0, 1, 0, 1])], opset: 15)[0]
        #expect(try y.scalars(of: Float.self) == [0, 1, 0, 1])
        let z = try runNode("Bernoulli", [try f32([2], [1, 0])], attributes: [Attribute(name: "dtype", value: .int(9))], opset: 15)[0]
        #expect(try z.scalars(of: Bool.self) == [true, false])
    }
}
