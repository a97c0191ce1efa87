import Foundation

// The 8-bit and 4-bit float formats of ONNX, stored in memory as their bit patterns (one byte
// per element), and the sub-byte integers (int4/uint4/int2/uint2, one byte per element).
// Decoding uses 256-entry tables; encoding rounds to nearest even from a Double, with the
// saturation rules of the ONNX Cast operator.

/// Rounding of values to float8e8m0 (Cast's `round_mode`, opset 24).
public enum E8M0Rounding: String, Sendable {
    case up, down, nearest
}

/// Layout of a sign/exponent/mantissa minifloat.
struct MiniFloatFormat {
    enum Specials { case ieee, fn, fnuz, none }
    let exponentBits: Int
    let mantissaBits: Int
    let bias: Int
    let specials: Specials
    /// Largest finite magnitude and its bit pattern (sign clear).
    let maxFinite: Double
    let maxBits: UInt8

    static let e4m3fn = MiniFloatFormat(exponentBits: 4, mantissaBits: 3, bias: 7, specials: .fn, maxFinite: 448, maxBits: 0x7E)
    static let e4m3fnuz = MiniFloatFormat(exponentBits: 4, mantissaBits: 3, bias: 8, specials: .fnuz, maxFinite: 240, maxBits: 0x7F)
    static let e5m2 = MiniFloatFormat(exponentBits: 5, mantissaBits: 2, bias: 15, specials: .ieee, maxFinite: 57344, maxBits: 0x7B)
    static let e5m2fnuz = MiniFloatFormat(exponentBits: 5, mantissaBits: 2, bias: 16, specials: .fnuz, maxFinite: 57344, maxBits: 0x7F)
    static let e2m1 = MiniFloatFormat(exponentBits: 2, mantissaBits: 1, bias: 1, specials: .none, maxFinite: 6, maxBits: 0x7)

    var signBit: UInt8 { UInt8(1) << UInt8(exponentBits + mantissaBits) }

    func decode(_ bits: UInt8) -> Float {
        let mantMask = UInt8((1 << mantissaBits) - 1), expMask = UInt8((1 << exponentBits) - 1)
        let b = bits & (signBit | (signBit - 1))
        let negative = b & signBit != 0
        let e = Int((b >> UInt8(mantissaBits)) & expMask), m = Int(b & mantMask)
        switch specials {
        case .fnuz: if b == signBit { return .nan }
        case .fn: if e == Int(expMask) && m == Int(mantMask) { return negative ? -.nan : .nan }
        case .ieee: if e == Int(expMask) { return m == 0 ? (negative ? -.infinity : .infinity) : (negative ? -.nan : .nan) }
        case .none: break
        }
        let mag: Double = e == 0
            ? Double(m) * p2(1 - bias - mantissaBits)
            : (1 + Double(m) / Double(1 << mantissaBits)) * p2(e - bias)
        return Float(negative ? -mag : mag)
    }

    /// Rounds `x` to nearest even. `saturate` clamps out-of-range values (and infinities) to
    /// the largest finite value; otherwise they become infinity (e5m2) or NaN. float4e2m1 has
    /// no infinity or NaN: it always saturates, and NaN becomes -0 (-NaN +0, as ml_dtypes does).
    func encode(_ x: Double, saturate: Bool) -> UInt8 {
        let sign: UInt8 = x.sign == .minus ? signBit : 0
        let nanBits: UInt8
        switch specials {
        case .ieee: nanBits = 0x7E | sign
        case .fn: nanBits = 0x7F | sign
        case .fnuz: nanBits = 0x80
        case .none: nanBits = signBit
        }
        // ml_dtypes (the ONNX reference) turns NaN into a zero of the opposite sign for float4e2m1.
        if x.isNaN { return specials == .none ? (x.sign == .minus ? 0 : signBit) : nanBits }
        let a = abs(x)
        let minNormalExp = 1 - bias
        let quantumExp = a < p2(minNormalExp) ? minNormalExp - mantissaBits : Int(a.exponent) - mantissaBits
        let q = a.isInfinite ? a : (a * p2(-quantumExp)).rounded(.toNearestOrEven) * p2(quantumExp)
        if q > maxFinite {
            if saturate || specials == .none { return maxBits | sign }
            return specials == .ieee ? 0x7C | sign : nanBits
        }
        if q == 0 { return specials == .fnuz ? 0 : sign }
        let e = Int(q.exponent)
        if e < minNormalExp {
            return sign | UInt8(q * p2(mantissaBits - minNormalExp))
        }
        let m = UInt8((q * p2(-e) - 1) * Double(1 << mantissaBits))
        return sign | UInt8(e + bias) << UInt8(mantissaBits) | m
    }
}

@inline(__always)
private func p2(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }

extension DType {
    /// Float value of a narrow-float bit pattern (nil for other types).
    static func narrowFloatTable(_ d: DType) -> [Float]? {
        switch d {
        case .float8e4m3fn: return NarrowTables.e4m3fn
        case .float8e4m3fnuz: return NarrowTables.e4m3fnuz
        case .float8e5m2: return NarrowTables.e5m2
        case .float8e5m2fnuz: return NarrowTables.e5m2fnuz
        case .float8e8m0: return NarrowTables.e8m0
        case .float4e2m1: return NarrowTables.e2m1
        default: return nil
        }
    }

    var miniFloatFormat: MiniFloatFormat? {
        switch self {
        case .float8e4m3fn: return .e4m3fn
        case .float8e4m3fnuz: return .e4m3fnuz
        case .float8e5m2: return .e5m2
        case .float8e5m2fnuz: return .e5m2fnuz
        case .float4e2m1: return .e2m1
        default: return nil
        }
    }
}

enum NarrowTables {
    static func table(_ f: MiniFloatFormat) -> [Float] { (0..<256).map { f.decode(UInt8($0)) } }
    static let e4m3fn = table(.e4m3fn)
    static let e4m3fnuz = table(.e4m3fnuz)
    static let e5m2 = table(.e5m2)
    static let e5m2fnuz = table(.e5m2fnuz)
    static let e2m1 = table(.e2m1)
    static let e8m0: [Float] = (0..<256).map { $0 == 255 ? .nan : Float(sign: .plus, exponent: $0 - 127, significand: 1) }
}

/// Decodes one narrow-float bit pattern of `dtype` (float8*, float4e2m1) to Float.
public func narrowFloatToFloat(_ bits: UInt8, _ dtype: DType) -> Float {
    guard let t = DType.narrowFloatTable(dtype) else { return .nan }
    return t[Int(bits)]
}

/// Encodes `x` as a narrow-float bit pattern of `dtype` with ONNX Cast semantics
/// (round to nearest even; `saturate` and `e8m0Rounding` as Cast's attributes).
public func floatToNarrowFloat(_ x: Double, _ dtype: DType, saturate: Bool = true, e8m0Rounding: E8M0Rounding = .up) -> UInt8 {
    if dtype == .float8e8m0 { return floatToE8M0(Float(x), saturate: saturate, rounding: e8m0Rounding) }
    guard let f = dtype.miniFloatFormat else { return 0 }
    return f.encode(x, saturate: saturate)
}

/// float32 to float8e8m0 (an unsigned power of two 2^(bits-127); 0xFF is NaN), following
/// onnx.numpy_helper.to_float8e8m0: the sign is ignored, NaN and infinity map to 0xFF.
func floatToE8M0(_ x: Float, saturate: Bool, rounding: E8M0Rounding) -> UInt8 {
    let bits = x.bitPattern
    var e = (bits >> 23) & 0xFF
    if e == 0xFF { return 0xFF }
    let roundUp: Bool
    switch rounding {
    case .down: roundUp = false
    case .up: roundUp = bits & 0x7F_FFFF != 0
    case .nearest:
        let g = bits & 0x40_0000 != 0, r = bits & 0x20_0000 != 0, s = bits & 0x1F_FFFF != 0
        roundUp = g && (r || s || e > 0)
    }
    if roundUp && !(saturate && e == 0xFE) { e += 1 }
    return UInt8(truncatingIfNeeded: e)
}

/// Wraps an integer to the range of a sub-byte integer type (two's complement for int4/int2),
/// as ONNX Cast does for out-of-range integers. Other types pass through unchanged.
@inline(__always)
public func wrapSubByte(_ v: Int64, _ dtype: DType) -> Int64 {
    switch dtype {
    case .uint4: return v & 0xF
    case .int4: return ((v & 0xF) ^ 0x8) - 0x8
    case .uint2: return v & 0x3
    case .int2: return ((v & 0x3) ^ 0x2) - 0x2
    default: return v
    }
}

// MARK: packing (ONNX's layout: low bits first)

extension DType {
    /// Packs one-byte-per-element storage into ONNX's layout (4-bit: 2 per byte, 2-bit: 4 per
    /// byte, first element in the lowest bits, the last byte zero-padded). Other types: copied.
    public func packElements(_ src: UnsafeRawBufferPointer, count n: Int) -> [UInt8] {
        guard let bits = packedBits else { return Array(src.prefix(n)) }
        let per = 8 / bits, mask = UInt8((1 << bits) - 1)
        var out = [UInt8](repeating: 0, count: (n + per - 1) / per)
        for i in 0..<min(n, src.count) {
            out[i / per] |= (src[i] & mask) << UInt8((i % per) * bits)
        }
        return out
    }

    /// Number of bytes `n` elements take in ONNX's packed layout.
    public func packedByteCount(_ n: Int) -> Int {
        guard let bits = packedBits else { return n * size }
        let per = 8 / bits
        return (n + per - 1) / per
    }

    /// Unpacks ONNX's layout into one byte per element (sign-extending int4/int2).
    public func unpackElements(_ src: UnsafeRawBufferPointer, count n: Int, into dst: UnsafeMutableRawPointer) {
        guard let bits = packedBits else {
            if let b = src.baseAddress { dst.copyMemory(from: b, byteCount: min(src.count, n * size)) }
            return
        }
        let per = 8 / bits, mask = UInt8((1 << bits) - 1)
        let signed = isSignedInteger, half = UInt8(1) << UInt8(bits - 1)
        let out = dst.bindMemory(to: UInt8.self, capacity: n)
        for i in 0..<n {
            let byte = i / per < src.count ? src[i / per] : 0
            var v = (byte >> UInt8((i % per) * bits)) & mask
            if signed && v & half != 0 { v |= ~mask }
            out[i] = v
        }
    }
}

extension Tensor {
    /// Reinterprets the bits of each element as `target`, for types of equal bit width
    /// (ONNX BitCast). Sub-byte types (int4/uint4/float4e2m1, int2/uint2) are re-extended from
    /// their low bits, since in memory int4/int2 are sign-extended to a byte.
    public func bitcast(to target: DType) throws -> Tensor {
        guard dtype != .string, target != .string, dtype.bitWidth == target.bitWidth else {
            throw TensorError("cannot bit-cast \(dtype) (\(dtype.bitWidth) bits) to \(target) (\(target.bitWidth) bits)")
        }
        if let bits = target.packedBits {
            let mask = UInt8((1 << bits) - 1), half = UInt8(1) << UInt8(bits - 1)
            let src = UnsafeRawBufferPointer(start: rawPointer, count: count)
            return try Tensor(storedBytes: src.map { b in
                let v = b & mask
                return target.isSignedInteger && v & half != 0 ? v | ~mask : v
            }, shape: shape, dtype: target)
        }
        return Tensor(dtype: target, shape: shape, buffer: buffer, byteOffset: byteOffset).copied()
    }
}

extension DType {
    /// Bits per element as ONNX counts them (4 for int4, 2 for int2, 8 for float8, ...).
    public var bitWidth: Int { packedBits ?? size * 8 }
}
