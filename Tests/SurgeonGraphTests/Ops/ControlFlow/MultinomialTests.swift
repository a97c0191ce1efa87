import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MultinomialTests {
    @Test func samplesOnlyPossibleClasses() throws {
        let logits = try f32([2, 3], [0, -Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity, 0])
        let y = try runNode("Multinomial", [logits], attributes: [Attribute(name: "sample_size", value: .int(5))], opset: 7)[0]
        #expect(y.shape == [2, 5] && y.dtype == .int32)
        #expect(try y.scalars(of: Int32.self) == [0, 0, 0, 0, 0, 2, 2, 2, 2, 2])
    }
}
