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
        // Positions around the 8-row block, channels around the 32-row panel, depths around 4.
        let shapes = [(1, 1, 1), (8, 32, 4), (7, 31, 3), (9, 33, 5), (17, 65, 13), (100, 64, 147),
                      (200, 3, 576), (49, 130, 1152), (1, 16, 9), (95, 1, 2)]
        for (m, n, k) in shapes {
            let lda = QGemm.rowStride(depth: k) + 4, extraC = 5
            var a: [UInt8] = Self.bytes(m * lda, seed: UInt64(n * 7 + k), UInt8.self)
            // Extremes: 255 × -128 products everywhere in one row.
            for p in 0..<k { a[p] = 255 }
            var w: [Int8] = Self.bytes(n * k, seed: UInt64(m * 1000 + k), Int8.self)
            for p in 0..<k { w[p] = -128 }
            let packed = try QGemm.PackedWeights(w, rows: n, depth: k)
            let ldc = n + extraC
            var fast = [Int32](repeating: 7, count: m * ldc), plain = fast
            a.withUnsafeBufferPointer { pa in
                fast.withUnsafeMutableBufferPointer { pc in
                    QGemm.multiply(a: pa.baseAddress!, lda: lda, m: m, packed, c: pc.baseAddress!, ldc: ldc)
                }
                plain.withUnsafeMutableBufferPointer { pc in
                    QGemm.multiplyPlain(a: pa.baseAddress!, lda: lda, m: m, packed, c: pc.baseAddress!, ldc: ldc)
                }
            }
            #expect(fast == plain, "\(m)×\(n)×\(k)")
            // Columns past n are left alone.
            #expect((0..<m).allSatisfy { i in fast[(i * ldc + n)..<((i + 1) * ldc)].allSatisfy { $0 == 7 } })
            #expect(Set(plain).count > min(m * n, 10) / 2, "the products must vary")
            #expect(plain[0] == Int32(k) * (255 * -128))
        }
    }

    @Test func rowSumsAndShapeChecks() throws {
        let packed = try QGemm.PackedWeights([1, -2, 3, -128, 127, 0], rows: 2, depth: 3)
        #expect(packed.rowSums == [2, -1])
        #expect(throws: TensorError.self) { try QGemm.PackedWeights([1, 2, 3], rows: 2, depth: 2) }
    }
}
