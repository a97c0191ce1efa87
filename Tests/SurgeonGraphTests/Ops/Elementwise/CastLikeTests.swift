import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct CastLikeTests {
    @Test func takesTargetTypeFromSecondInput() throws {
        let y = try runNode("CastLike", [try f32([2], [1.5, -2]), try Tensor(shape: [0], scalars: [Double]())])[0]
        #expect(try y.scalars(of: Double.self) == [1.5, -2])
    }
}
