import CHalfConvert

// Float16 <-> Float on bit patterns with integer operations only, so loops over them
// vectorise: Swift's own `Float16(x)` / `Float(h)` call a compiler-rt routine per element on
// x86 without F16C. Exact: widening is lossless, narrowing rounds to nearest even, with
// overflow to infinity and NaN kept NaN (quiet, sign kept).
//
// The array conversions (`convertHalfToFloat` / `convertFloatToHalf`, used by Cast and every
// float16 kernel that computes in float32) use the F16C instructions when the CPU has them
// (CHalfConvert, chosen at run time: 8 elements per instruction, 3-8x faster than the
// SSE2 loops the default x86-64 target allows); same results bit for bit.

/// The float32 bit pattern of the float16 with bits `h`.
@inlinable @inline(__always)
public func halfBitsToFloatBits(_ h: UInt16) -> UInt32 {
    let x = UInt32(h)
    let sign = (x & 0x8000) << 16
    let mag = x & 0x7FFF
    let exp = mag & 0x7C00
    // Normal numbers: re-bias the exponent (112 = 127 - 15).
    let normal = (mag << 13) &+ (112 << 23)
    // Infinity / NaN: all-ones exponent.
    let special = (mag << 13) | 0x7F80_0000
    // Subnormals (and zero): the mantissa times 2^-24, computed exactly in float arithmetic.
    let sub = Float(Int32(bitPattern: mag)) * 5.9604645e-08  // 2^-24
    let subBits = sub.bitPattern
    let r = exp == 0x7C00 ? special : (exp == 0 ? subBits : normal)
    return r | sign
}

/// The float16 bit pattern nearest to the float32 with bits `f` (ties to even). All three
/// cases are computed and one selected, so loops over it vectorise.
@inlinable @inline(__always)
public func floatBitsToHalfBits(_ f: UInt32) -> UInt16 {
    let sign = (f >> 16) & 0x8000
    let a = f & 0x7FFF_FFFF
    // Normal range: re-bias the exponent (-112 << 23) and round to nearest even at bit 13.
    let normal = (a &+ 0xC800_0FFF &+ ((a >> 13) & 1)) >> 13
    // Below 2^-14: subnormal or zero. Adding 0.5 makes float addition round the value to a
    // multiple of 2^-24 (nearest even), leaving that multiple in the low mantissa bits.
    let sub = (Float(bitPattern: a) + 0.5).bitPattern &- 0x3F00_0000
    // |x| >= 65536 rounds to infinity; NaN becomes a quiet NaN with the top payload bits.
    let special: UInt32 = a > 0x7F80_0000 ? (0x7E00 | ((a >> 13) & 0x3FF)) : 0x7C00
    let r = a >= 0x4780_0000 ? special : (a < 0x3880_0000 ? sub : normal)
    return UInt16(truncatingIfNeeded: r | sign)
}

/// `Float(Float16(f))` without the library call: `f` rounded to the nearest float16 value.
@inlinable @inline(__always)
public func roundedToHalf(_ f: Float) -> Float {
    Float(bitPattern: halfBitsToFloatBits(floatBitsToHalfBits(f.bitPattern)))
}

/// True when the array conversions use F16C (the CPU has it).
public let useF16C: Bool = surgeon_f16c_available() != 0

/// Elements per block of the fused float16 kernels: their float32 staging (a few blocks)
/// stays in L1.
public let halfBlock = 2048

/// Widens `n` float16 values to float32 on the calling thread (`f16c: false`, for tests: the
/// portable loop even where F16C is available).
public func convertHalfToFloatSerial(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
                                     f16c: Bool = useF16C) {
    if f16c {
        surgeon_f16c_half_to_float(src, dst, n)
        return
    }
    for i in 0..<n { dst[i] = Float(bitPattern: halfBitsToFloatBits(src[i])) }
}

/// Narrows `n` float32 values to float16 on the calling thread (`f16c` as above).
public func convertFloatToHalfSerial(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<UInt16>, _ n: Int,
                                     f16c: Bool = useF16C) {
    if f16c {
        surgeon_f16c_float_to_half(src, dst, n)
        return
    }
    for i in 0..<n { dst[i] = floatBitsToHalfBits(src[i].bitPattern) }
}

/// Widens `n` float16 values to float32, split over the kernel threads for large `n`.
public func convertHalfToFloat(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    parallelChunks(n) { r in
        convertHalfToFloatSerial(src + r.lowerBound, dst + r.lowerBound, r.count)
    }
}

/// Narrows `n` float32 values to float16, split over the kernel threads for large `n`.
public func convertFloatToHalf(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<UInt16>, _ n: Int) {
    parallelChunks(n) { r in
        convertFloatToHalfSerial(src + r.lowerBound, dst + r.lowerBound, r.count)
    }
}
