import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct TileTests {
    @Test func repeats() throws {
        let x = try f32([2, 2], [1, 2, 3, 4])
        let out = try runNode("Tile", [x, Tensor(ints: [2, 1])])[0]
        #expect(try out.shape == [4, 2] && (out.scalars(of: Float.self)) == [1, 2, 3, 4, 1, 2, 3, 4])
        let wide = try runNode("Tile", [x, Tensor(ints: [1, 2])])[0]
        #expect(try wide.scalars(of: Float.self) == [1, 2, 1, 2, 3, 4, 3, 4])
    }
}
