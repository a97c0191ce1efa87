@testable import SurgeonTensor
import Testing

@Suite struct FastCastTests {
    @Test func halfToFloatMatchesSwiftForEveryPattern() {
        for bits in 0...0xFFFF {
            let h = UInt16(bits)
            let want = Float(Float16(bitPattern: h))
            let got = Float(bitPattern: halfBitsToFloatBits(h))
            if want.isNaN {
                #expect(got.isNaN && got.sign == want.sign, "bits \(bits)")
            } else {
                #expect(got.bitPattern == want.bitPattern, "bits \(bits)")
            }
        }
    }

    @Test func floatToHalfRoundsLikeSwift() {
        var values: [Float] = [0, -0, 1, -1, 65504, 65519.99, 65520, 65536, -65520, 1e10, -1e10,
                               .infinity, -.infinity, .nan, -.nan, 5.9604645e-08, 2.9802322e-08,
                               2.9802326e-08, 8.940697e-08, 6.097555e-05, 6.1035156e-05, 1e-30, -1e-30,
                               .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        // Every half value, the midpoints between neighbours (ties) and points just off them.
        for bits in 0..<0x7C00 {
            let a = Float(Float16(bitPattern: UInt16(bits))), b = Float(Float16(bitPattern: UInt16(bits + 1)))
            let mid = (a + b) / 2
            values += [a, -a, mid, -mid, mid.nextUp, mid.nextDown]
        }
        var seed: UInt64 = 7
        for _ in 0..<100_000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            values.append(Float(bitPattern: UInt32(truncatingIfNeeded: seed >> 32)))
        }
        for v in values {
            let got = floatBitsToHalfBits(v.bitPattern)
            if v.isNaN {
                #expect(Float16(bitPattern: got).isNaN)
            } else {
                #expect(got == Float16(v).bitPattern, "value \(v)")
            }
        }
    }

    /// The typed loops of `fastCast` against the Double-array path, for every pair they handle.
    @Test func fastCastMatchesPlainCast() throws {
        let doubles: [Double] = [0, -0.0, 1, -1, 0.5, -1.5, 2.5, 127, 128, -129, 255.7, 256, 65504, 70000, -70000,
                                 3.4e38, -3.4e38, 1e300, .infinity, -.infinity, .nan, 1e-8, 2147483648, -2147483649,
                                 9.3e18, 123456789, 3e9, 0.1, 1e-40]
        let types: [DType] = [.float32, .float64, .float16, .bfloat16, .int64, .int32, .int16, .int8,
                              .uint8, .uint16, .uint32, .bool]
        for from in types {
            // Odd length past the parallel grain for one pass, short for the others.
            let src = try Tensor(doubles: doubles, shape: [doubles.count], dtype: from)
            for to in types where to != from {
                guard let fast = src.fastCast(to: to) else { continue }
                let plain = try src.plainCast(to: to)
                #expect(fast.dtype == plain.dtype && fast.shape == plain.shape)
                let a = fast.doubleArray(), b = plain.doubleArray()
                for i in 0..<a.count {
                    #expect(a[i] == b[i] || (a[i].isNaN && b[i].isNaN), "\(from) -> \(to): \(doubles[i]) gave \(a[i]), plain \(b[i])")
                }
            }
        }
        let big = try Tensor(shape: [3, 50_001], scalars: (0..<150_003).map { Float($0) * 0.37 - 20000 })
        let viaHalf = try big.cast(to: .float16).cast(to: .float32)
        let plainHalf = try big.plainCast(to: .float16).plainCast(to: .float32)
        #expect(try viaHalf.scalars(of: Float.self) == plainHalf.scalars(of: Float.self))
    }

    @Test func parallelChunksCoverEveryIndexOnce() {
        for n in [0, 1, 5, parallelGrain * 2 - 1, parallelGrain * 2, parallelGrain * 5 + 3] {
            var hits = [UInt8](repeating: 0, count: n)
            hits.withUnsafeMutableBufferPointer { h in
                parallelChunks(n) { r in for i in r { h[i] &+= 1 } }
            }
            #expect(hits.allSatisfy { $0 == 1 }, "n \(n)")
            var items = [UInt8](repeating: 0, count: 37)
            items.withUnsafeMutableBufferPointer { h in
                parallelItems(37, costPerItem: n) { i in h[i] &+= 1 }
            }
            #expect(items.allSatisfy { $0 == 1 })
        }
    }
}
