import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct LpNormalizationTests {
    @Test func l2AndL1() throws {
        let x = try f32([2, 2], [3, 4, 0, 0])
        #expect(isClose(try runNode("LpNormalization", [x])[0], try f32([2, 2], [0.6, 0.8, 0, 0])))
        let l1 = try runNode("LpNormalization", [try f32([2], [1, -3])], attributes: [Attribute(name: "p", value: .int(1))])[0]
        #expect(isClose(l1, try f32([2], [0.25, -0.75])))
    }
}
