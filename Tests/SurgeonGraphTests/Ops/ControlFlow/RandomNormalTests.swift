import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct RandomNormalTests {
    @Test func shapeDtypeAndSeed() throws {
        let attrs = [Attribute(name: "shape", value: .ints([2, 3])), Attribute(name: "dtype", value: .int(11)), Attribute(name: "seed", value: .float(3))]
        let a = try runNode("RandomNormal", [], attributes: attrs, opset: 1)[0]
        let b = try runNode("RandomNormal", [], attributes: attrs, opset: 1)[0]
        #expect(a.shape == [2, 3] && a.dtype == .float64)
        #expect(try a.scalars(of: Double.self) == b.scalars(of: Double.self))
        #expect(Set(try a.scalars(of: Double.self)).count > 1)
    }
}
