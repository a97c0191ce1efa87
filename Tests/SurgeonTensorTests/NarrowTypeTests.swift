import SurgeonTensor
import Testing

@Suite struct NarrowTypeTests {
    static let floats8: [DType] = [.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz]

    func unpack(_ packed: [UInt8], _ dt: DType, into out: inout [UInt8]) {
        let n = out.count
        packed.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { if let p = $0.baseAddress { dt.unpackElements(src, count: n, into: p) } }
        }
    }

    func bytes(_ t: Tensor) -> [UInt8] { Array(UnsafeRawBufferPointer(start: t.rawPointer, count: t.byteCount)) }

    @Test(arguments: floats8 + [.float4e2m1])
    func everyBitPatternRoundTripsThroughFloat(_ dt: DType) {
        let patterns = dt == .float4e2m1 ? 16 : 256
        for b in 0..<patterns {
            let v = narrowFloatToFloat(UInt8(b), dt)
            for sat in [true, false] {
                let back = floatToNarrowFloat(Double(v), dt, saturate: sat)
                if v.isInfinite && sat {
                    #expect(back == floatToNarrowFloat(v > 0 ? 1e9 : -1e9, dt), "\(dt) \(b): inf saturates")
                } else if v.isNaN {
                    #expect(narrowFloatToFloat(back, dt).isNaN, "\(dt) \(b)")
                } else {
                    #expect(back == UInt8(b), "\(dt) pattern \(b) -> \(v) -> \(back)")
                }
            }
        }
    }

    @Test func e8m0PatternsRoundTrip() {
        for b in 0..<255 {
            let v = narrowFloatToFloat(UInt8(b), .float8e8m0)
            #expect(v == Float(sign: .plus, exponent: b - 127, significand: 1))
            // 2^-127 is a float32 subnormal, which rounding "up" moves to 2^-126.
            #expect(floatToNarrowFloat(Double(v), .float8e8m0, e8m0Rounding: b == 0 ? .down : .up) == UInt8(b))
            #expect(floatToNarrowFloat(Double(v), .float8e8m0, e8m0Rounding: .nearest) == UInt8(b))
        }
        #expect(narrowFloatToFloat(255, .float8e8m0).isNaN)
        #expect(floatToNarrowFloat(1.1, .float8e8m0) == 128)                       // up: 2
        #expect(floatToNarrowFloat(1.1, .float8e8m0, e8m0Rounding: .down) == 127)  // 1
        #expect(floatToNarrowFloat(3e38, .float8e8m0, saturate: true) == 254)
        #expect(floatToNarrowFloat(3e38, .float8e8m0, saturate: false) == 255)
    }

    @Test func knownValues() {
        #expect(narrowFloatToFloat(0x7E, .float8e4m3fn) == 448)
        #expect(narrowFloatToFloat(0x7F, .float8e4m3fn).isNaN)
        #expect(narrowFloatToFloat(0x01, .float8e4m3fn) == 0x1p-9)
        #expect(narrowFloatToFloat(0x7F, .float8e4m3fnuz) == 240)
        #expect(narrowFloatToFloat(0x80, .float8e4m3fnuz).isNaN)
        #expect(narrowFloatToFloat(0x7B, .float8e5m2) == 57344)
        #expect(narrowFloatToFloat(0x7C, .float8e5m2) == .infinity)
        #expect(narrowFloatToFloat(0x7F, .float8e5m2fnuz) == 57344)
        #expect(narrowFloatToFloat(0x01, .float8e5m2fnuz) == 0x1p-17)
        #expect(narrowFloatToFloat(0x7, .float4e2m1) == 6)
        #expect(narrowFloatToFloat(0x1, .float4e2m1) == 0.5)
        #expect(narrowFloatToFloat(0xF, .float4e2m1) == -6)
    }

    @Test func saturationAndRounding() {
        // saturate=1: out of range and infinities clamp to the largest finite value.
        #expect(floatToNarrowFloat(1e6, .float8e4m3fn, saturate: true) == 0x7E)
        #expect(floatToNarrowFloat(-.infinity, .float8e4m3fn, saturate: true) == 0xFE)
        #expect(floatToNarrowFloat(1e6, .float8e5m2, saturate: true) == 0x7B)
        // saturate=0: inf for e5m2, NaN for the others.
        #expect(floatToNarrowFloat(1e6, .float8e4m3fn, saturate: false) == 0x7F)
        #expect(floatToNarrowFloat(-1e6, .float8e4m3fn, saturate: false) == 0xFF)
        #expect(floatToNarrowFloat(1e6, .float8e5m2, saturate: false) == 0x7C)
        #expect(floatToNarrowFloat(-.infinity, .float8e5m2, saturate: false) == 0xFC)
        #expect(floatToNarrowFloat(1e6, .float8e4m3fnuz, saturate: false) == 0x80)
        #expect(floatToNarrowFloat(.infinity, .float8e5m2fnuz, saturate: false) == 0x80)
        // Round to nearest even, at the top of the range too (464 is halfway 448..480).
        #expect(floatToNarrowFloat(464, .float8e4m3fn, saturate: false) == 0x7E)
        #expect(floatToNarrowFloat(61440, .float8e5m2, saturate: false) == 0x7C)
        // fnuz has no negative zero; float4e2m1 always saturates.
        #expect(floatToNarrowFloat(-0.0, .float8e4m3fnuz) == 0)
        #expect(floatToNarrowFloat(-1e-30, .float8e5m2fnuz) == 0)
        #expect(floatToNarrowFloat(-0.0, .float8e4m3fn) == 0x80)
        #expect(floatToNarrowFloat(1e6, .float4e2m1, saturate: false) == 0x7)
        #expect(floatToNarrowFloat(5, .float4e2m1) == 0x6)      // tie 4|6 -> 4
        #expect(floatToNarrowFloat(0.25, .float4e2m1) == 0x0)   // tie 0|0.5 -> 0
        #expect(floatToNarrowFloat(0.75, .float4e2m1) == 0x2)   // tie 0.5|1 -> 1
    }

    @Test func castsToAndFromNarrowTypes() throws {
        let x = try Tensor(shape: [4], scalars: [Float(1000), -3.3, 0.5, .nan])
        let f8 = try x.cast(to: .float8e4m3fn)
        #expect(f8.dtype == .float8e4m3fn && f8.byteCount == 4)
        #expect(bytes(f8) == [0x7E, 0xC5, 0x30, 0x7F])
        #expect(bytes(try x.cast(to: .float8e4m3fn, saturate: false))[0] == 0x7F)
        let back = try f8.cast(to: .float32).scalars(of: Float.self)
        #expect(Array(back.prefix(3)) == [448, -3.25, 0.5] && back[3].isNaN)
        // Integers wrap to 4 and 2 bits (floats truncate first), int4 is sign-extended in memory.
        let i = try Tensor(shape: [5], scalars: [Int32(-9), 7, 8, 17, -2])
        #expect(try i.cast(to: .int4).int64Array() == [7, 7, -8, 1, -2])
        #expect(bytes(try i.cast(to: .int4)) == [7, 7, 0xF8, 1, 0xFE])
        #expect(try i.cast(to: .uint4).int64Array() == [7, 7, 8, 1, 14])
        #expect(try i.cast(to: .int2).int64Array() == [-1, -1, 0, 1, -2])
        #expect(try i.cast(to: .uint2).int64Array() == [3, 3, 0, 1, 2])
        #expect(try Tensor(shape: [2], scalars: [Float(-7.9), 9.5]).cast(to: .int4).int64Array() == [-7, -7])
        #expect(try i.cast(to: .int4).cast(to: .float32).scalars(of: Float.self) == [7, 7, -8, 1, -2])
    }

    @Test func arithmeticComputesThroughWiderTypes() throws {
        let a = try Tensor(shape: [2], scalars: [Float(1.5), 6]).cast(to: .float4e2m1)
        let r = try arithmetic2(a, a, name: "Add", float: +, double: +, int: nil, uint: nil)
        #expect(r.dtype == .float4e2m1 && r.floatArray() == [3, 6])
        let b = try Tensor(shape: [1], scalars: [Int64(7)]).cast(to: .int4)
        let s = try arithmetic2(b, b, name: "Add", float: +, double: +, int: { $0 &+ $1 }, uint: nil)
        #expect(s.int64Array() == [-2])
    }

    @Test func packingOddCounts() {
        var v: [UInt8] = [0xF8, 0x07, 0xFF]  // int4 -8, 7, -1
        let packed = v.withUnsafeBytes { DType.int4.packElements($0, count: 3) }
        #expect(packed == [0x78, 0x0F])
        var out = [UInt8](repeating: 0, count: 3)
        unpack(packed, .int4, into: &out)
        #expect(out == v)
        v = [1, 2, 3, 0, 2]  // uint2, 5 elements -> 2 bytes
        let p2 = v.withUnsafeBytes { DType.uint2.packElements($0, count: 5) }
        #expect(p2 == [0b00_11_10_01, 0b10])
        #expect(DType.uint2.packedByteCount(5) == 2 && DType.float4e2m1.packedByteCount(3) == 2)
        out = [UInt8](repeating: 0, count: 5)
        unpack(p2, .uint2, into: &out)
        #expect(out == v)
    }

    @Test func bitcastBetweenFourBitTypes() throws {
        let i = try Tensor(shape: [2], scalars: [Int32(-1), 3]).cast(to: .int4)
        let u = try i.bitcast(to: .uint4)
        #expect(u.int64Array() == [15, 3])
        #expect(try u.bitcast(to: .int4).int64Array() == [-1, 3])
        #expect(try u.bitcast(to: .float4e2m1).floatArray() == [-6, 1.5])
        #expect(throws: (any Error).self) { try i.bitcast(to: .int8) }
    }
}
