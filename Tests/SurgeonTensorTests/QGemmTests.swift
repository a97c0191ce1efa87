@testable import SurgeonTensor
import Testing

/// The VNNI int8 kernel against the plain loops: exact int32 results on every block edge.
@Suite struct QGemmTests {
    static func bytes<T: FixedWidthInteger>(_ n: Int, seed: UInt64, _ type: T.Type) -> [T] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return T(truncatingIfNeeded: s >> 33)
        }
    }

    @Test(.enabled(if: QGemm.available, "needs AVX-512 VNNI"))
    func vnniKernelMatchesPlainLoops() throws {
        // Rows around the 8-row block, columns around the 32-column panel, depths around 4.
        let shapes = [(1, 1, 1), (8, 32, 4), (7, 31, 3), (9, 33, 5), (17, 65, 13), (64, 100, 147),
                      (3, 200, 576), (130, 49, 1152), (16, 1, 9), (1, 95, 2)]
        for (m, n, k) in shapes {
            let extraB = 3, extraC = 5
            let a: [Int8] = Self.bytes(m * k, seed: UInt64(m * 1000 + k), Int8.self)
            var b: [UInt8] = Self.bytes(k * (n + extraB), seed: UInt64(n * 7 + k), UInt8.self)
            // Extremes: 255 × -128 products everywhere in one column.
            for p in 0..<k { b[p * (n + extraB)] = 255 }
            let packed = try QGemm.PackedMatrix(a, rows: m, depth: k)
            let ldc = n + extraC
            var fast = [Int32](repeating: 7, count: m * ldc), plain = fast
            b.withUnsafeBufferPointer { pb in
                fast.withUnsafeMutableBufferPointer { pc in
                    QGemm.multiply(packed, b: pb.baseAddress!, ldb: n + extraB, n: n, c: pc.baseAddress!, ldc: ldc)
                }
                plain.withUnsafeMutableBufferPointer { pc in
                    QGemm.multiplyPlain(packed, b: pb.baseAddress!, ldb: n + extraB, n: n, c: pc.baseAddress!, ldc: ldc)
                }
            }
            #expect(fast == plain, "\(m)×\(n)×\(k)")
            // Columns past n are left alone.
            #expect((0..<m).allSatisfy { i in fast[(i * ldc + n)..<((i + 1) * ldc)].allSatisfy { $0 == 7 } })
            #expect(Set(plain).count > min(m * n, 10) / 2, "the products must vary")
        }
    }

    @Test func rowSumsAndShapeChecks() throws {
        let packed = try QGemm.PackedMatrix([1, -2, 3, -128, 127, 0], rows: 2, depth: 3)
        #expect(packed.rowSums == [2, -1])
        #expect(throws: TensorError.self) { try QGemm.PackedMatrix([1, 2, 3], rows: 2, depth: 2) }
    }
}
