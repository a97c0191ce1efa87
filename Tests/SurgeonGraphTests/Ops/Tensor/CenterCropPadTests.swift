import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct CenterCropPadTests {
    @Test func cropAndPad() throws {
        let x = try f32([3, 2], [1, 2, 3, 4, 5, 6])
        let out = try runNode("CenterCropPad", [x, Tensor(ints: [1, 4])])[0]
        #expect(out.shape == [1, 4])
        #expect(try out.scalars(of: Float.self) == [0, 3, 4, 0])
    }
}
