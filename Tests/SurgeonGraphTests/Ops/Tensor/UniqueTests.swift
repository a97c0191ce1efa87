import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct UniqueTests {
    @Test func sortedAndUnsorted() throws {
        let x = try f32([6], [2, 1, 1, 3, 4, 3])
        let s = try runNode("Unique", [x], outputs: 4)
        #expect(try s[0].scalars(of: Float.self) == [1, 2, 3, 4])
        #expect(s[1].intArray() == [1, 0, 3, 4])
        #expect(s[2].intArray() == [1, 0, 0, 2, 3, 2])
        #expect(s[3].intArray() == [2, 1, 2, 1])
        let u = try runNode("Unique", [x], attributes: [Attribute(name: "sorted", value: .int(0))], outputs: 4)
        #expect(try u[0].scalars(of: Float.self) == [2, 1, 3, 4])
        #expect(u[2].intArray() == [0, 1, 1, 2, 3, 2])
    }

    @Test func rowsWithAxis() throws {
        let x = try f32([3, 2], [1, 0, 0, 1, 1, 0])
        let out = try runNode("Unique", [x], attributes: [Attribute(name: "axis", value: .int(0))], outputs: 4)
        #expect(try out[0].scalars(of: Float.self) == [0, 1, 1, 0])
        #expect(out[3].intArray() == [1, 2])
    }
}
