import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ModTests {
    @Test func integerModTakesDivisorSign() throws {
        let a = try Tensor(shape: [5], scalars: [Int32(-4), 7, 5, -7, 3]), b = try Tensor(shape: [5], scalars: [Int32(3), -3, 8, 3, 0])
        #expect(try runNode("Mod", [a, b])[0].scalars(of: Int32.self) == [2, -2, 5, 2, 0])
    }

    @Test func fmodTakesDividendSign() throws {
        let y = try runNode("Mod", [try f32([3], [-4, 7, 5.5]), try f32([3], [3, -3, 2])],
                            attributes: [Attribute(name: "fmod", value: .int(1))])[0]
        #expect(try y.scalars(of: Float.self) == [-1, 1, 1.5])
    }

    @Test func floatFloorMod() throws {
        let y = try runNode("Mod", [try f32([3], [-4, 7, -3]), try f32([3], [3, -3, .infinity])])[0]
        #expect(try y.scalars(of: Float.self) == [2, -2, .infinity])
    }
}
