import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct EinsumTests {
    @Test func batchMatmulAndTrace() throws {
        let a = try f32([1, 2, 2], [1, 2, 3, 4]), b = try f32([1, 2, 1], [1, 1])
        let mm = try runNode("Einsum", [a, b], attributes: [Attribute(name: "equation", value: .string("bij,bjk->bik"))], opset: 12)[0]
        #expect(try mm.scalars(of: Float.self) == [3, 7])
        let tr = try runNode("Einsum", [try f32([2, 2], [1, 2, 3, 4])], attributes: [Attribute(name: "equation", value: .string("ii"))], opset: 12)[0]
        #expect(tr.shape == [])
        #expect(try tr.scalars(of: Float.self) == [5])
    }

    @Test func ellipsisAndImplicitTranspose() throws {
        let x = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        let t = try runNode("Einsum", [x], attributes: [Attribute(name: "equation", value: .string("ba"))], opset: 12)[0]
        #expect(t.shape == [3, 2])
        #expect(try t.scalars(of: Float.self) == [1, 4, 2, 5, 3, 6])
        let s = try runNode("Einsum", [x], attributes: [Attribute(name: "equation", value: .string("...j->..."))], opset: 12)[0]
        #expect(try s.scalars(of: Float.self) == [6, 15])
    }

    @Test func mismatchedLabelIsAnError() throws {
        #expect(throws: (any Error).self) {
            try runNode("Einsum", [try f32([2], [1, 2]), try f32([3], [1, 2, 3])], attributes: [Attribute(name: "equation", value: .string("i,i"))], opset: 12)
        }
    }
}
