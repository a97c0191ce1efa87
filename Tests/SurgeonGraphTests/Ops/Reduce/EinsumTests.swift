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

    @Test func matrixProductPathAgreesWithIndexLoop() throws {
        // float32 goes through gemm, int32 through the plain loop.
        let av = (0..<24).map { Float($0 % 7) - 3 }, bv = (0..<24).map { Float($0 % 5) - 2 }
        let eq = Attribute(name: "equation", value: .string("bij,kjb->bki"))
        let f = try runNode("Einsum", [try f32([2, 3, 4], av), try f32([3, 4, 2], bv)], attributes: [eq], opset: 12)[0]
        let i = try runNode("Einsum", [try Tensor(shape: [2, 3, 4], scalars: av.map { Int32($0) }),
                                       try Tensor(shape: [3, 4, 2], scalars: bv.map { Int32($0) })], attributes: [eq], opset: 12)[0]
        #expect(f.shape == [2, 3, 3])
        #expect(try f.scalars(of: Float.self) == i.scalars(of: Int32.self).map { Float($0) })
    }

    /// Operands the product reads transposed in place (B as [batch, n, k], A as [batch, k, m])
    /// and ones it copies, at odd sizes, against the plain integer index loop.
    @Test(arguments: [
        ("bghid,bghjd->bghij", [1, 2, 3, 5, 3], [1, 2, 3, 7, 3]),
        ("bghij,bghjd->bghid", [1, 2, 3, 5, 7], [1, 2, 3, 7, 3]),
        ("bkm,bkn->bmn", [2, 3, 5], [2, 3, 4]),
        ("bkm,bnk->bmn", [2, 3, 5], [2, 4, 3]),
        ("bkm,bnk->bnm", [2, 3, 5], [2, 4, 3]),
        ("ij,kj->ik", [5, 3], [4, 3]),
    ])
    func transposedOperandsAgreeWithIndexLoop(_ eq: String, _ sa: [Int], _ sb: [Int]) throws {
        let na = sa.reduce(1, *), nb = sb.reduce(1, *)
        let av = (0..<na).map { Float(($0 * 7 + 3) % 11) - 5 }, bv = (0..<nb).map { Float(($0 * 5 + 1) % 9) - 4 }
        let attr = Attribute(name: "equation", value: .string(eq))
        let f = try runNode("Einsum", [try f32(sa, av), try f32(sb, bv)], attributes: [attr], opset: 12)[0]
        let d = try runNode("Einsum", [try Tensor(shape: sa, scalars: av.map { Double($0) }),
                                       try Tensor(shape: sb, scalars: bv.map { Double($0) })], attributes: [attr], opset: 12)[0]
        let i = try runNode("Einsum", [try Tensor(shape: sa, scalars: av.map { Int32($0) }),
                                       try Tensor(shape: sb, scalars: bv.map { Int32($0) })], attributes: [attr], opset: 12)[0]
        #expect(f.shape == i.shape && d.shape == i.shape)
        let want = try i.scalars(of: Int32.self)
        #expect(!want.allSatisfy { $0 == 0 })
        #expect(try f.scalars(of: Float.self) == want.map { Float($0) })
        #expect(try d.scalars(of: Double.self) == want.map { Double($0) })
    }

    @Test func mismatchedLabelIsAnError() throws {
        #expect(throws: (any Error).self) {
            try runNode("Einsum", [try f32([2], [1, 2]), try f32([3], [1, 2, 3])], attributes: [Attribute(name: "equation", value: .string("i,i"))], opset: 12)
        }
    }
}
