// Cast between the common numeric dtypes (float32/float64/float16/bfloat16, the 8- to 32-bit
// integers, int64 and bool) with one typed loop, instead of going through a Double array.
// Same results as the general path `plainCast` (which remains for strings, uint64, the narrow
// floats and float64 -> float16); tests compare the two.
//
// The element conversions are static functions of small types (not closures): a closure
// captured by the per-thread chunk closure is called indirectly for every element, ten times
// slower than the inlined, vectorised loop a generic specialisation gives.

/// Reads a stored element as one of the three wide types and hands it to a target.
protocol CastSource {
    associatedtype Stored
    static func convert<T: CastTarget>(_ s: Stored, to: T.Type) -> T.Stored
}

/// Makes a stored element from a wide value, as `plainCast` does.
protocol CastTarget {
    associatedtype Stored
    static func from(float f: Float) -> Stored
    static func from(double d: Double) -> Stored
    static func from(int i: Int64) -> Stored
}

enum FromFloat32: CastSource {
    typealias Stored = Float
    @inline(__always) static func convert<T: CastTarget>(_ s: Float, to: T.Type) -> T.Stored { T.from(float: s) }
}
enum FromHalf: CastSource {
    typealias Stored = UInt16
    @inline(__always) static func convert<T: CastTarget>(_ s: UInt16, to: T.Type) -> T.Stored {
        T.from(float: Float(bitPattern: halfBitsToFloatBits(s)))
    }
}
enum FromBFloat16: CastSource {
    typealias Stored = UInt16
    @inline(__always) static func convert<T: CastTarget>(_ s: UInt16, to: T.Type) -> T.Stored {
        T.from(float: Float(bitPattern: UInt32(s) << 16))
    }
}
enum FromFloat64: CastSource {
    typealias Stored = Double
    @inline(__always) static func convert<T: CastTarget>(_ s: Double, to: T.Type) -> T.Stored { T.from(double: s) }
}
enum FromInteger<I: BinaryInteger>: CastSource {
    typealias Stored = I
    @inline(__always) static func convert<T: CastTarget>(_ s: I, to: T.Type) -> T.Stored { T.from(int: Int64(s)) }
}
enum FromBool: CastSource {
    typealias Stored = UInt8
    @inline(__always) static func convert<T: CastTarget>(_ s: UInt8, to: T.Type) -> T.Stored { T.from(int: s != 0 ? 1 : 0) }
}

enum ToFloat32: CastTarget {
    typealias Stored = Float
    @inline(__always) static func from(float f: Float) -> Float { f }
    @inline(__always) static func from(double d: Double) -> Float { Float(d) }
    // Through Double as the general path does (exact below 2^53).
    @inline(__always) static func from(int i: Int64) -> Float { Float(Double(i)) }
}
enum ToFloat64: CastTarget {
    typealias Stored = Double
    @inline(__always) static func from(float f: Float) -> Double { Double(f) }
    @inline(__always) static func from(double d: Double) -> Double { d }
    @inline(__always) static func from(int i: Int64) -> Double { Double(i) }
}
enum ToHalf: CastTarget {
    typealias Stored = UInt16
    @inline(__always) static func from(float f: Float) -> UInt16 { floatBitsToHalfBits(f.bitPattern) }
    @inline(__always) static func from(double d: Double) -> UInt16 { Float16(d).bitPattern }
    // Integers past 2^24 are far past float16's range: rounding through Float changes nothing.
    @inline(__always) static func from(int i: Int64) -> UInt16 { floatBitsToHalfBits(Float(Double(i)).bitPattern) }
}
enum ToBFloat16: CastTarget {
    typealias Stored = UInt16
    @inline(__always) static func from(float f: Float) -> UInt16 { BFloat16(f).bitPattern }
    @inline(__always) static func from(double d: Double) -> UInt16 { BFloat16(Float(d)).bitPattern }
    @inline(__always) static func from(int i: Int64) -> UInt16 { BFloat16(Float(Double(i))).bitPattern }
}
enum ToBool: CastTarget {
    typealias Stored = Bool
    @inline(__always) static func from(float f: Float) -> Bool { f != 0 }
    @inline(__always) static func from(double d: Double) -> Bool { d != 0 }
    @inline(__always) static func from(int i: Int64) -> Bool { i != 0 }
}
/// Integers wrap (truncate) from Int64; floats go through `doubleToInt64` first.
enum ToInteger<I: FixedWidthInteger>: CastTarget {
    typealias Stored = I
    @inline(__always) static func from(float f: Float) -> I { I(truncatingIfNeeded: floatToInt64(f)) }
    @inline(__always) static func from(double d: Double) -> I { I(truncatingIfNeeded: doubleToInt64(d)) }
    @inline(__always) static func from(int i: Int64) -> I { I(truncatingIfNeeded: i) }
}

extension Tensor {
    /// `cast(to:)` for the common numeric pairs; nil when the general path must do it.
    func fastCast(to target: DType) -> Tensor? {
        if dtype == .float16 && target == .float32 || dtype == .float32 && target == .float16 {
            return halfFloatCast(to: target)
        }
        switch dtype {
        case .float32: return castFrom(FromFloat32.self, to: target)
        case .float16: return castFrom(FromHalf.self, to: target)
        case .bfloat16: return castFrom(FromBFloat16.self, to: target)
        case .float64: return target == .float16 ? nil : castFrom(FromFloat64.self, to: target)
        case .int64: return castFrom(FromInteger<Int64>.self, to: target)
        case .int32: return castFrom(FromInteger<Int32>.self, to: target)
        case .int16: return castFrom(FromInteger<Int16>.self, to: target)
        case .int8: return castFrom(FromInteger<Int8>.self, to: target)
        case .uint8: return castFrom(FromInteger<UInt8>.self, to: target)
        case .uint16: return castFrom(FromInteger<UInt16>.self, to: target)
        case .uint32: return castFrom(FromInteger<UInt32>.self, to: target)
        case .bool: return castFrom(FromBool.self, to: target)
        default: return nil
        }
    }

    private func castFrom<S: CastSource>(_ s: S.Type, to target: DType) -> Tensor? {
        switch target {
        case .float32: return castLoop(S.self, ToFloat32.self, target)
        case .float64: return castLoop(S.self, ToFloat64.self, target)
        case .float16: return castLoop(S.self, ToHalf.self, target)
        case .bfloat16: return castLoop(S.self, ToBFloat16.self, target)
        case .bool: return castLoop(S.self, ToBool.self, target)
        case .int64: return castLoop(S.self, ToInteger<Int64>.self, target)
        case .int32: return castLoop(S.self, ToInteger<Int32>.self, target)
        case .int16: return castLoop(S.self, ToInteger<Int16>.self, target)
        case .int8: return castLoop(S.self, ToInteger<Int8>.self, target)
        case .uint32: return castLoop(S.self, ToInteger<UInt32>.self, target)
        case .uint16: return castLoop(S.self, ToInteger<UInt16>.self, target)
        case .uint8: return castLoop(S.self, ToInteger<UInt8>.self, target)
        default: return nil
        }
    }

    /// float16 <-> float32 through the array conversions (F16C when the CPU has it).
    private func halfFloatCast(to target: DType) -> Tensor {
        let n = count
        let buf = TensorBuffer(uninitializedByteCount: n * target.size)
        withExtendedLifetime(self) {
            if target == .float32 {
                let src = UnsafePointer(rawPointer.bindMemory(to: UInt16.self, capacity: max(n, 1)))
                convertHalfToFloat(src, buf.pointer.bindMemory(to: Float.self, capacity: max(n, 1)), n)
            } else {
                let src = UnsafePointer(rawPointer.bindMemory(to: Float.self, capacity: max(n, 1)))
                convertFloatToHalf(src, buf.pointer.bindMemory(to: UInt16.self, capacity: max(n, 1)), n)
            }
        }
        return Tensor(dtype: target, shape: shape, buffer: buf)
    }

    private func castLoop<S: CastSource, T: CastTarget>(_ s: S.Type, _ t: T.Type, _ target: DType) -> Tensor {
        let n = count
        let buf = TensorBuffer(uninitializedByteCount: n * MemoryLayout<T.Stored>.stride)
        let src = UnsafePointer(rawPointer.bindMemory(to: S.Stored.self, capacity: max(n, 1)))
        let dst = buf.pointer.bindMemory(to: T.Stored.self, capacity: max(n, 1))
        withExtendedLifetime(self) {
            parallelChunks(n) { r in
                for i in r { dst[i] = S.convert(src[i], to: T.self) }
            }
        }
        return Tensor(dtype: target, shape: shape, buffer: buf)
    }
}

/// Float to Int64 as `doubleToInt64(Double(f))`: truncation, NaN and out of range give Int64.min.
@inline(__always)
func floatToInt64(_ f: Float) -> Int64 {
    if f.isNaN || f >= 9223372036854775808.0 || f < -9223372036854775808.0 { return Int64.min }
    return Int64(f)
}
