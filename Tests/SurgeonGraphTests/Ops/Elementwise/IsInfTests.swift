import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct IsInfTests {
    @Test func detectsInfinities() throws {
        let x = try f32([4], [1, .nan, .infinity, -.infinity])
        #expect(try runNode("IsInf", [x])[0].scalars(of: Bool.self) == [false, false, true, true])
        let neg = try runNode("IsInf", [x], attributes: [Attribute(name: "detect_positive", value: .int(0))])[0]
        #expect(try neg.scalars(of: Bool.self) == [false, false, false, true])
    }
}
