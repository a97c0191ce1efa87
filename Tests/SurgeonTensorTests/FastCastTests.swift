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

/// The array conversions (F16C where the CPU has it, and the portable loops everywhere)
/// against Swift's own Float16 conversions.
@Suite struct HalfArrayConversionTests {
    /// The paths to check: the portable loop, and F16C when this CPU has it.
    static let paths: [Bool] = useF16C ? [false, true] : [false]

    @Test func everyHalfPatternWidensExactly() {
        let src = (0...0xFFFF).map { UInt16($0) }
        for f16c in Self.paths {
            var dst = [Float](repeating: 0, count: src.count)
            // Odd offsets and lengths so the vector loops and the scalar tails both run.
            for (lo, hi) in [(0, src.count), (3, 40_000), (40_000, 40_013)] {
                src.withUnsafeBufferPointer { s in
                    dst.withUnsafeMutableBufferPointer { d in
                        convertHalfToFloatSerial(s.baseAddress! + lo, d.baseAddress! + lo, hi - lo, f16c: f16c)
                    }
                }
            }
            for bits in 0...0xFFFF {
                let want = Float(Float16(bitPattern: UInt16(bits))), got = dst[bits]
                if want.isNaN {
                    // NaN: sign and payload kept; F16C (like Swift) sets the quiet bit.
                    #expect(got.isNaN && got.bitPattern | 0x40_0000 == want.bitPattern | 0x40_0000,
                            "f16c \(f16c) bits \(bits)")
                } else {
                    #expect(got.bitPattern == want.bitPattern, "f16c \(f16c) bits \(bits)")
                }
            }
        }
    }

    /// Every exponent with many mantissas (ties, just-off ties, the overflow boundary 65504 /
    /// 65520, the smallest subnormals, NaN payloads), both signs.
    static func denseFloats() -> [Float] {
        var bits: [UInt32] = []
        let lows: [UInt32] = [0, 1, 0x0FFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x2FFF, 0x3000, 0x3001, 0x7F_E000,
                              0x7F_EFFF, 0x7F_F000, 0x7F_F001, 0x7F_FFFF, 0x40_0000, 0x40_0001, 0x20_0000, 0x00_2000]
        for e: UInt32 in 0...255 {
            for m in stride(from: UInt32(0), to: 1 << 23, by: 4093) { bits.append(e << 23 | m) }
            for m in lows { bits.append(e << 23 | m) }
            // Every rounding position of the subnormal range: ties at each shift.
            for k: UInt32 in 0..<23 { bits.append(e << 23 | (1 << k)); bits.append(e << 23 | (3 << k) & 0x7F_FFFF) }
        }
        var values = bits.flatMap { [Float(bitPattern: $0), Float(bitPattern: $0 | 0x8000_0000)] }
        values += [65504, 65519.996, 65520, 65536, 5.9604645e-08, 2.9802322e-08, 2.9802326e-08, 8.940697e-08,
                   6.097555e-05, 6.1035156e-05, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for h in 0..<0x7C00 {
            let a = Float(Float16(bitPattern: UInt16(h))), b = Float(Float16(bitPattern: UInt16(h + 1)))
            let mid = (a + b) / 2
            values += [mid, -mid, mid.nextUp, mid.nextDown]
        }
        return values
    }

    @Test func denseFloatsNarrowLikeSwift() {
        let values = Self.denseFloats()
        for f16c in Self.paths {
            var got = [UInt16](repeating: 0, count: values.count)
            values.withUnsafeBufferPointer { s in
                got.withUnsafeMutableBufferPointer { d in
                    convertFloatToHalfSerial(s.baseAddress!, d.baseAddress!, values.count, f16c: f16c)
                }
            }
            var bad = 0
            for (i, v) in values.enumerated() where got[i] != Float16(v).bitPattern {
                bad += 1
                if bad <= 5 { Issue.record("f16c \(f16c): \(v) (bits \(String(v.bitPattern, radix: 16))) gave \(String(got[i], radix: 16)), Swift \(String(Float16(v).bitPattern, radix: 16))") }
            }
            #expect(bad == 0, "f16c \(f16c): \(bad) of \(values.count)")
        }
        // The scalar helpers agree too (Softmax and friends round with them).
        for v in values where !v.isNaN {
            #expect(roundedToHalf(v).bitPattern == Float(Float16(v)).bitPattern, "\(v)")
        }
    }

    /// Cast and the float16 tensor builders go through the parallel conversions.
    @Test func castAndBuildersMatchSwift() throws {
        let values = Self.denseFloats()
        let t = try Tensor(shape: [values.count], scalars: values)
        let h = try t.cast(to: .float16)
        let want = values.map { Float16($0).bitPattern }
        #expect(try h.scalars(of: Float16.self).map(\.bitPattern) == want)
        #expect(try Tensor(floats: values, shape: [values.count], dtype: .float16).scalars(of: Float16.self).map(\.bitPattern) == want)
        let back = try h.cast(to: .float32).scalars(of: Float.self)
        let backWant = want.map { Float(Float16(bitPattern: $0)) }
        #expect(zip(back, backWant).allSatisfy { $0.bitPattern | 0x40_0000 == $1.bitPattern | 0x40_0000 })
        #expect(zip(h.floatArray(), back).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    @Test func bfloat16RoundsToNearestEvenAndKeepsNaN() {
        for v in Self.denseFloats() {
            let got = BFloat16(v).bitPattern
            let bits = v.bitPattern
            if v.isNaN {
                #expect(got == UInt16(bits >> 16) | 0x40)
            } else {
                // Nearest even by wide arithmetic.
                let lo = bits & 0xFFFF, hi = bits >> 16
                let up = lo > 0x8000 || (lo == 0x8000 && hi & 1 == 1)
                #expect(got == UInt16(truncatingIfNeeded: up ? hi + 1 : hi), "\(v)")
            }
        }
    }
}
