import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MeanVarianceNormalizationTests {
    @Test func zeroMeanUnitVarianceOverAxes() throws {
        let x = try f32([2, 2], [1, 3, 5, 5])
        let out = try runNode("MeanVarianceNormalization", [x], attributes: [Attribute(name: "axes", value: .ints([1]))])[0]
        #expect(isClose(out, try f32([2, 2], [-1, 1, 0, 0])))
    }
}
