// Cast between the common numeric dtypes (float32/float64/float16/bfloat16, the 8- to 32-bit
// integers, int64 and bool) with one typed loop, instead of going through a Double array.
// Same results as the general path in `cast(to:)` (which remains for strings, uint64, the
// narrow floats and float64 -> float16); tests compare the two.

extension Tensor {
    /// `cast(to:)` for the common numeric pairs; nil when the general path must do it.
    func fastCast(to target: DType) -> Tensor? {
        let n = count
        switch dtype {
        case .float32: return castFromFloat(n, target, Float.self) { $0 }
        case .float16: return castFromFloat(n, target, UInt16.self) { Float(bitPattern: halfBitsToFloatBits($0)) }
        case .bfloat16: return castFromFloat(n, target, UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
        case .float64: return castFromDouble(n, target)
        case .int64: return castFromInt(n, target, Int64.self) { $0 }
        case .int32: return castFromInt(n, target, Int32.self) { Int64($0) }
        case .int16: return castFromInt(n, target, Int16.self) { Int64($0) }
        case .int8: return castFromInt(n, target, Int8.self) { Int64($0) }
        case .uint8: return castFromInt(n, target, UInt8.self) { Int64($0) }
        case .uint16: return castFromInt(n, target, UInt16.self) { Int64($0) }
        case .uint32: return castFromInt(n, target, UInt32.self) { Int64($0) }
        case .bool: return castFromInt(n, target, UInt8.self) { $0 != 0 ? 1 : 0 }
        default: return nil
        }
    }

    /// One output tensor of `target` filled by `f(source element)` over all elements.
    @inline(__always)
    private func castLoop<S, D>(_ n: Int, _ target: DType, _ s: S.Type, _ d: D.Type, _ f: (S) -> D) -> Tensor {
        let buf = TensorBuffer(uninitializedByteCount: n * MemoryLayout<D>.stride)
        let src = UnsafePointer(rawPointer.bindMemory(to: S.self, capacity: max(n, 1)))
        let dst = buf.pointer.bindMemory(to: D.self, capacity: max(n, 1))
        withExtendedLifetime(self) {
            parallelChunks(n) { r in
                for i in r { dst[i] = f(src[i]) }
            }
        }
        return Tensor(dtype: target, shape: shape, buffer: buf)
    }

    @inline(__always)
    private func castFromFloat<S>(_ n: Int, _ target: DType, _ s: S.Type, _ get: (S) -> Float) -> Tensor? {
        switch target {
        case .float32: return castLoop(n, target, S.self, Float.self) { get($0) }
        case .float64: return castLoop(n, target, S.self, Double.self) { Double(get($0)) }
        case .float16: return castLoop(n, target, S.self, UInt16.self) { floatBitsToHalfBits(get($0).bitPattern) }
        case .bfloat16: return castLoop(n, target, S.self, UInt16.self) { BFloat16(get($0)).bitPattern }
        case .bool: return castLoop(n, target, S.self, Bool.self) { get($0) != 0 }
        case .int64: return castLoop(n, target, S.self, Int64.self) { floatToInt64(get($0)) }
        case .int32: return castLoop(n, target, S.self, Int32.self) { Int32(truncatingIfNeeded: floatToInt64(get($0))) }
        case .int16: return castLoop(n, target, S.self, Int16.self) { Int16(truncatingIfNeeded: floatToInt64(get($0))) }
        case .int8: return castLoop(n, target, S.self, Int8.self) { Int8(truncatingIfNeeded: floatToInt64(get($0))) }
        case .uint32: return castLoop(n, target, S.self, UInt32.self) { UInt32(truncatingIfNeeded: floatToInt64(get($0))) }
        case .uint16: return castLoop(n, target, S.self, UInt16.self) { UInt16(truncatingIfNeeded: floatToInt64(get($0))) }
        case .uint8: return castLoop(n, target, S.self, UInt8.self) { UInt8(truncatingIfNeeded: floatToInt64(get($0))) }
        default: return nil
        }
    }

    private func castFromDouble(_ n: Int, _ target: DType) -> Tensor? {
        switch target {
        case .float32: return castLoop(n, target, Double.self, Float.self) { Float($0) }
        case .bfloat16: return castLoop(n, target, Double.self, UInt16.self) { BFloat16(Float($0)).bitPattern }
        case .bool: return castLoop(n, target, Double.self, Bool.self) { $0 != 0 }
        case .int64: return castLoop(n, target, Double.self, Int64.self) { doubleToInt64($0) }
        case .int32: return castLoop(n, target, Double.self, Int32.self) { Int32(truncatingIfNeeded: doubleToInt64($0)) }
        case .int8: return castLoop(n, target, Double.self, Int8.self) { Int8(truncatingIfNeeded: doubleToInt64($0)) }
        case .uint8: return castLoop(n, target, Double.self, UInt8.self) { UInt8(truncatingIfNeeded: doubleToInt64($0)) }
        default: return nil
        }
    }

    @inline(__always)
    private func castFromInt<S>(_ n: Int, _ target: DType, _ s: S.Type, _ get: (S) -> Int64) -> Tensor? {
        switch target {
        // Through Double as the general path does (exact below 2^53; float16 overflows long before).
        case .float32: return castLoop(n, target, S.self, Float.self) { Float(Double(get($0))) }
        case .float64: return castLoop(n, target, S.self, Double.self) { Double(get($0)) }
        case .float16: return castLoop(n, target, S.self, UInt16.self) { floatBitsToHalfBits(Float(Double(get($0))).bitPattern) }
        case .bfloat16: return castLoop(n, target, S.self, UInt16.self) { BFloat16(Float(Double(get($0)))).bitPattern }
        case .bool: return castLoop(n, target, S.self, Bool.self) { get($0) != 0 }
        case .int64: return castLoop(n, target, S.self, Int64.self) { get($0) }
        case .int32: return castLoop(n, target, S.self, Int32.self) { Int32(truncatingIfNeeded: get($0)) }
        case .int16: return castLoop(n, target, S.self, Int16.self) { Int16(truncatingIfNeeded: get($0)) }
        case .int8: return castLoop(n, target, S.self, Int8.self) { Int8(truncatingIfNeeded: get($0)) }
        case .uint32: return castLoop(n, target, S.self, UInt32.self) { UInt32(truncatingIfNeeded: get($0)) }
        case .uint16: return castLoop(n, target, S.self, UInt16.self) { UInt16(truncatingIfNeeded: get($0)) }
        case .uint8: return castLoop(n, target, S.self, UInt8.self) { UInt8(truncatingIfNeeded: get($0)) }
        default: return nil
        }
    }
}

/// Float to Int64 as `doubleToInt64(Double(f))`: truncation, NaN and out of range give Int64.min.
@inline(__always)
func floatToInt64(_ f: Float) -> Int64 {
    if f.isNaN || f >= 9223372036854775808.0 || f < -9223372036854775808.0 { return Int64.min }
    return Int64(f)
}
