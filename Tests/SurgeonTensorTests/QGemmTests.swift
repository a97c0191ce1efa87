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

    /// The indirect product (rows given as taps of `channels` bytes each, anywhere in memory,
    /// some sharing a padding row) against the plain indirect loops and against `multiply` on
    /// the same rows copied out: exact int32 on every block edge.
    @Test(.enabled(if: QGemm.available, "needs AVX-512 VNNI"))
    func indirectKernelMatchesPlainAndCopiedRows() throws {
        for (m, n, taps, ch) in [(1, 1, 1, 4), (8, 32, 9, 4), (7, 31, 9, 8), (9, 33, 3, 12), (17, 65, 9, 64), (100, 64, 1, 128), (50, 200, 9, 32)] {
            let k = taps * ch
            let pool: [UInt8] = Self.bytes(4096 + ch, seed: UInt64(m + n), UInt8.self)
            var w: [Int8] = Self.bytes(n * k, seed: UInt64(m * 1000 + k), Int8.self)
            w[0] = -128
            let packed = try QGemm.PackedWeights(w, rows: n, depth: k)
            let ldc = n + 3
            var fast = [Int32](repeating: 7, count: m * ldc), plain = fast, copied = fast
            var rows = [UInt8](repeating: 0, count: m * k)
            try pool.withUnsafeBufferPointer { pp in
                let base = try #require(pp.baseAddress)
                // Tap t of row i: somewhere in the pool (every 5th one the same "padding" run).
                var table = [UnsafePointer<UInt8>?](repeating: nil, count: m * taps)
                var s: UInt64 = 99
                for i in 0..<(m * taps) {
                    s = s &* 6364136223846793005 &+ 1442695040888963407
                    table[i] = i % 5 == 4 ? base : base + Int(s >> 33) % 4096
                    for p in 0..<ch { rows[(i / taps) * k + (i % taps) * ch + p] = (table[i] ?? base)[p] }
                }
                table.withUnsafeBufferPointer { pt in
                    guard let t = pt.baseAddress else { return }
                    fast.withUnsafeMutableBufferPointer { pc in
                        QGemm.multiplyIndirect(t, taps: taps, channels: ch, m: m, packed, c: pc.baseAddress!, ldc: ldc)
                    }
                    plain.withUnsafeMutableBufferPointer { pc in
                        QGemm.multiplyIndirectPlain(t, taps: taps, channels: ch, m: m, packed, c: pc.baseAddress!, ldc: ldc)
                    }
                }
            }
            rows.withUnsafeBufferPointer { pa in
                copied.withUnsafeMutableBufferPointer { pc in
                    QGemm.multiply(a: pa.baseAddress!, lda: k, m: m, packed, c: pc.baseAddress!, ldc: ldc)
                }
            }
            #expect(fast == plain, "\(m)×\(n)×\(taps)×\(ch)")
            #expect(fast == copied, "\(m)×\(n)×\(taps)×\(ch) copied")
            #expect((0..<m).allSatisfy { i in fast[(i * ldc + n)..<((i + 1) * ldc)].allSatisfy { $0 == 7 } })
            #expect(Set(plain).count > min(m * n, 10) / 2, "the products must vary")
        }
    }

    /// The products that dequantize their sums from the kernel's registers into float planes
    /// (`multiplyDequantized`, `multiplyIndirectDequantized`) against the int32 products and
    /// the formula applied value by value: the same bits on whole tiles (8 positions × 32
    /// channels, the in-register transpose) and on every kind of edge (fewer positions, fewer
    /// channels, fewer than 16); nothing written outside rows < m of each plane.
    @Test(.enabled(if: QGemm.available, "needs AVX-512 VNNI"))
    func dequantizedProductsMatchTheIntegerProductsDequantized() throws {
        for (m, n, taps, ch) in [(8, 32, 1, 4), (16, 64, 9, 8), (7, 31, 9, 4), (9, 33, 3, 12), (17, 65, 9, 64), (3, 5, 1, 4),
                                 (40, 16, 9, 16), (100, 48, 1, 128), (24, 20, 4, 8)] {
            let k = taps * ch
            let positions = m + 3
            let pool: [UInt8] = Self.bytes(4096 + ch, seed: UInt64(m * 3 + n), UInt8.self)
            let w: [Int8] = Self.bytes(n * k, seed: UInt64(n * 1000 + k), Int8.self)
            let packed = try QGemm.PackedWeights(w, rows: n, depth: k)
            // Scales that round (not powers of two), biases of both signs, corrections that wrap.
            var scale = [Float](repeating: 0, count: n), bias = scale, corr = [Int32](repeating: 0, count: n)
            for j in 0..<n {
                let sign: Float = j % 3 == 0 ? -1 : 1
                scale[j] = sign * (0.0123 + 0.0007 * Float(j))
                bias[j] = Float(j % 7) * 0.37 - 1.1
                corr[j] = j == 0 ? Int32.min + 5 : Int32(j * 131 - 900)
            }
            var table = [UnsafePointer<UInt8>?](repeating: nil, count: m * taps)
            var rows = [UInt8](repeating: 0, count: m * k)
            var intC = [Int32](repeating: 0, count: m * n)
            var fromTable = [Float](repeating: -7, count: n * positions), fromRows = fromTable
            try pool.withUnsafeBufferPointer { pp in
                let base = try #require(pp.baseAddress)
                var s: UInt64 = 5
                for i in 0..<(m * taps) {
                    s = s &* 6364136223846793005 &+ 1442695040888963407
                    table[i] = base + Int(s >> 33) % 4096
                    for p in 0..<ch { rows[(i / taps) * k + (i % taps) * ch + p] = (table[i] ?? base)[p] }
                }
                try corr.withUnsafeBufferPointer { pc in
                    try scale.withUnsafeBufferPointer { ps in
                        try bias.withUnsafeBufferPointer { pb in
                            let (c, sc, b) = (try #require(pc.baseAddress), try #require(ps.baseAddress), try #require(pb.baseAddress))
                            try table.withUnsafeBufferPointer { pt in
                                let t = try #require(pt.baseAddress)
                                try fromTable.withUnsafeMutableBufferPointer { po in
                                    let dq = QGemm.Dequantization(correction: c, scale: sc, bias: b, out: try #require(po.baseAddress),
                                                                  positions: positions)
                                    #expect(QGemm.multiplyIndirectDequantized(t, taps: taps, channels: ch, m: m, packed, dq))
                                }
                            }
                            try rows.withUnsafeBufferPointer { pa in
                                let a = try #require(pa.baseAddress)
                                try fromRows.withUnsafeMutableBufferPointer { po in
                                    let dq = QGemm.Dequantization(correction: c, scale: sc, bias: b, out: try #require(po.baseAddress),
                                                                  positions: positions)
                                    #expect(QGemm.multiplyDequantized(a: a, lda: k, m: m, packed, dq))
                                }
                                intC.withUnsafeMutableBufferPointer { po in
                                    QGemm.multiplyPlain(a: a, lda: k, m: m, packed, c: po.baseAddress!, ldc: n)
                                }
                            }
                        }
                    }
                }
            }
            var want = [Float](repeating: -7, count: n * positions)
            for j in 0..<n {
                for i in 0..<m { want[j * positions + i] = Float(intC[i * n + j] &- corr[j]) * scale[j] + bias[j] }
            }
            #expect(fromTable.map(\.bitPattern) == want.map(\.bitPattern), "\(m)×\(n)×\(taps)×\(ch) indirect")
            #expect(fromRows.map(\.bitPattern) == want.map(\.bitPattern), "\(m)×\(n)×\(taps)×\(ch) rows")
            #expect(Set(want).count > min(m * n, 10) / 2, "the values must vary")
        }
    }

    @Test func rowSumsAndShapeChecks() throws {
        let packed = try QGemm.PackedWeights([1, -2, 3, -128, 127, 0], rows: 2, depth: 3)
        #expect(packed.rowSums == [2, -1])
        #expect(throws: TensorError.self) { try QGemm.PackedWeights([1, 2, 3], rows: 2, depth: 2) }
    }
}
