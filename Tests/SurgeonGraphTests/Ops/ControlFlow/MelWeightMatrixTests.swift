import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MelWeightMatrixTests {
    @Test func shapeAndTriangles() throws {
        let y = try runNode("MelWeightMatrix", [
            Tensor(scalar: Int32(8)), Tensor(scalar: Int32(16)), Tensor(scalar: Int32(8192)),
            Tensor(scalar: Float(0)), Tensor(scalar: Float(4096)),
        ], opset: 17)[0]
        #expect(y.shape == [9, 8])
        let v = try y.scalars(of: Float.self)
        // Every filter peaks at 1.
        for i in 0..<8 { #expect((0..<9).map { v[$0 * 8 + i] }.max() == 1) }
    }
}
