import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct RandomUniformTests {
    @Test func shapeDtypeAndSeed() throws {
        let attrs = [Attribute(name: "shape", value: .ints([2, 3])), Attribute(name: "dtype", value: .int(11)), Attribute(name: "seed", value: .float(3))]
        let a = try runNode("RandomUniform", [], attributes: attrs, opset: 1)[0]
        let b = try runNode("RandomUniform", [], attributes: attrs, opset: 1)[0]
        #expect(a.shape == [2, 3] && a.dtype == .float64)
        #expect(try a.scalars(of: Double.self) == b.scalars(of: Double.self))
        #expect(Set(try a.scalars(of: Double.self)).count > 1)
    }
}

@Suite struct RandomUniformRangeTests {
    @Test func staysInRange() throws {
        let y = try runNode("RandomUniform", [], attributes: [Attribute(name: "shape", value: .ints([100])),
                            Attribute(name: "low", value: .float(2)), Attribute(name: "high", value: .float(3))], opset: 1)[0]
        #expect(y.doubleArray().allSatisfy { $0 >= 2 && $0 < 3 })
    }
}
