@testable import SurgeonTensor
import Testing

/// `Tensor.concat` against an element-by-element reference: outputs below and above the size
/// copied on the kernel threads (byte ranges cutting through chunks), every axis, 1-, 2- and
/// 4-byte types.
@Suite struct ConcatTests {
    static func reference(_ parts: [[Int64]], shapes: [[Int]], axis: Int) -> [Int64] {
        let outer = shapes[0][..<axis].reduce(1, *), inner = shapes[0][(axis + 1)...].reduce(1, *)
        var out: [Int64] = []
        for o in 0..<outer {
            for (p, s) in zip(parts, shapes) {
                let chunk = s[axis] * inner
                out += p[(o * chunk)..<((o + 1) * chunk)]
            }
        }
        return out
    }

    @Test func matchesReferenceOnEveryAxisAndSize() throws {
        let cases: [(shapes: [[Int]], axis: Int, type: DType)] = [
            ([[2, 3, 4], [2, 5, 4]], 1, .float32),
            ([[2, 16, 64, 65], [2, 48, 64, 65], [2, 1, 64, 65]], 1, .float32),
            ([[1, 32, 56, 56], [1, 32, 56, 56]], 1, .float32),
            ([[70_001], [3], [90_000]], 0, .uint8),
            ([[3, 40_000, 1], [3, 40_000, 2]], 2, .int16),
            ([[100, 700], [1, 700], [0, 700], [250, 700]], 0, .float32),
        ]
        for (ci, c) in cases.enumerated() {
            var seed: UInt64 = UInt64(ci) &+ 1
            let values: [[Int64]] = c.shapes.map { s in
                (0..<s.reduce(1, *)).map { _ in
                    seed = seed &* 6364136223846793005 &+ 1442695040888963407
                    return Int64(seed >> 57)  // 0..<128: exact in every type
                }
            }
            let tensors = try zip(values, c.shapes).map { try Tensor(int64s: $0, shape: $1, dtype: c.type) }
            let out = try Tensor.concat(tensors, axis: c.axis)
            var want = c.shapes[0]
            want[c.axis] = c.shapes.map { $0[c.axis] }.reduce(0, +)
            #expect(out.shape == want)
            #expect(out.int64Array() == Self.reference(values, shapes: c.shapes, axis: c.axis), "case \(ci)")
        }
    }
}
