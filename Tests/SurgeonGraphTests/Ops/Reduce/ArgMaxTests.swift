import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ArgMaxTests {
    @Test func firstAndLastIndex() throws {
        let x = try f32([2, 3], [1, 5, 5, 7, 0, 7])
        let axis = Attribute(name: "axis", value: .int(1))
        let first = try runNode("ArgMax", [x], attributes: [axis])[0]
        #expect(first.shape == [2, 1])
        #expect(try first.scalars(of: Int64.self) == [1, 0])
        let last = try runNode("ArgMax", [x], attributes: [axis, Attribute(name: "select_last_index", value: .int(1)),
                                                         Attribute(name: "keepdims", value: .int(0))])[0]
        #expect(last.shape == [2])
        #expect(try last.scalars(of: Int64.self) == [2, 2])
    }
}
