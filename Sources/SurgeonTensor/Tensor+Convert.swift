import Foundation

// Conversions between dtypes with ONNX Cast / numpy `astype` semantics, and reading any
// numeric tensor as a wide Swift type. General kernels compute in Double / Int64 / UInt64
// through these; fast kernels read the native type with `withUnsafeBuffer`.

extension Tensor {
    @inline(__always)
    private func typed<T>(_ t: T.Type) -> UnsafeBufferPointer<T> {
        UnsafeBufferPointer(start: rawPointer.bindMemory(to: T.self, capacity: max(count, 1)), count: count)
    }

    /// Every element as Double (bools as 0/1, strings parsed; unparseable strings are NaN).
    public func doubleArray() -> [Double] {
        switch dtype {
        case .float32: return typed(Float.self).map { Double($0) }
        case .float64: return Array(typed(Double.self))
        case .float16: return floatArray().map { Double($0) }
        case .bfloat16: return typed(BFloat16.self).map { Double($0.floatValue) }
        case .int8: return typed(Int8.self).map { Double($0) }
        case .int16: return typed(Int16.self).map { Double($0) }
        case .int32: return typed(Int32.self).map { Double($0) }
        case .int64: return typed(Int64.self).map { Double($0) }
        case .uint8: return typed(UInt8.self).map { Double($0) }
        case .uint16: return typed(UInt16.self).map { Double($0) }
        case .uint32: return typed(UInt32.self).map { Double($0) }
        case .uint64: return typed(UInt64.self).map { Double($0) }
        case .bool: return typed(Bool.self).map { $0 ? 1 : 0 }
        case .string: return strings.map { parseFloatString($0) }
        case .int4, .int2: return typed(Int8.self).map { Double($0) }
        case .uint4, .uint2: return typed(UInt8.self).map { Double($0) }
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1:
            return narrowFloats().map { Double($0) }
        }
    }

    /// Narrow-float elements decoded through the format's table.
    private func narrowFloats() -> [Float] {
        guard let table = DType.narrowFloatTable(dtype) else { return [] }
        return typed(UInt8.self).map { table[Int($0)] }
    }

    /// Every element as Float.
    public func floatArray() -> [Float] {
        switch dtype {
        case .float32: return Array(typed(Float.self))
        case .float16:
            let src = typed(UInt16.self)
            return [Float](unsafeUninitializedCapacity: count) { dst, initialized in
                if let s = src.baseAddress, let d = dst.baseAddress { convertHalfToFloat(s, d, count) }
                initialized = count
            }
        case .bfloat16: return typed(BFloat16.self).map { $0.floatValue }
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1:
            return narrowFloats()
        default: return doubleArray().map { Float($0) }
        }
    }

    /// Every element as Int64 (floats truncated toward zero, NaN and out-of-range as Int64.min).
    public func int64Array() -> [Int64] {
        switch dtype {
        case .int8: return typed(Int8.self).map { Int64($0) }
        case .int16: return typed(Int16.self).map { Int64($0) }
        case .int32: return typed(Int32.self).map { Int64($0) }
        case .int64: return Array(typed(Int64.self))
        case .uint8: return typed(UInt8.self).map { Int64($0) }
        case .uint16: return typed(UInt16.self).map { Int64($0) }
        case .uint32: return typed(UInt32.self).map { Int64($0) }
        case .uint64: return typed(UInt64.self).map { Int64(truncatingIfNeeded: $0) }
        case .bool: return typed(Bool.self).map { $0 ? 1 : 0 }
        case .int4, .int2: return typed(Int8.self).map { Int64($0) }
        case .uint4, .uint2: return typed(UInt8.self).map { Int64($0) }
        default: return doubleArray().map { doubleToInt64($0) }
        }
    }

    /// Every element as UInt64 (negative values wrap as in C).
    public func uint64Array() -> [UInt64] {
        switch dtype {
        case .uint64: return Array(typed(UInt64.self))
        default:
            guard dtype.isFloatingPoint || dtype == .string else { return int64Array().map { UInt64(bitPattern: $0) } }
            return doubleArray().map { d in
                if d >= 0 && d < 18446744073709551616.0 { return UInt64(d) }
                return UInt64(bitPattern: doubleToInt64(d))
            }
        }
    }

    /// Every element as Bool (non-zero is true).
    public func boolArray() -> [Bool] {
        switch dtype {
        case .bool: return Array(typed(Bool.self))
        case .string: return strings.map { !$0.isEmpty }
        case .uint64: return uint64Array().map { $0 != 0 }
        default:
            if dtype.isFloatingPoint { return doubleArray().map { $0 != 0 } }
            return int64Array().map { $0 != 0 }
        }
    }

    /// Integer-valued data (shapes, axes, indices) as `[Int]`.
    public func intArray() -> [Int] { int64Array().map { Int(truncatingIfNeeded: $0) } }

    /// Elements as strings, as ONNX Cast writes numbers to strings.
    public func stringArray() -> [String] {
        if dtype == .string { return strings }
        if dtype == .bool { return boolArray().map { $0 ? "1" : "0" } }
        if dtype.isFloatingPoint { return doubleArray().map(formatFloatForString) }
        if dtype == .uint64 { return uint64Array().map { String($0) } }
        return int64Array().map { String($0) }
    }

    /// This float16 / bfloat16 tensor in float32, converted once per buffer and kept beside it
    /// (for weights that are read on every run: a float16 model's Conv weights); other types
    /// convert as `cast` does, without keeping anything.
    public func float32Copy() throws -> Tensor {
        guard dtype == .float16 || dtype == .bfloat16 else { return try cast(to: .float32) }
        return try buffer.memoized([byteOffset, count, dtype.size] + shape) { try cast(to: .float32) }
    }

    /// The tensor converted to `target` (ONNX Cast semantics, round-to-nearest-even for floats).
    /// `saturate` and `e8m0Rounding` are Cast's attributes for the float8 targets: by default
    /// out-of-range values clamp to the largest finite value.
    public func cast(to target: DType, saturate: Bool = true, e8m0Rounding: E8M0Rounding = .up) throws -> Tensor {
        if target == dtype { return self }
        if let fast = fastCast(to: target) { return fast }
        return try plainCast(to: target, saturate: saturate, e8m0Rounding: e8m0Rounding)
    }

    /// `cast(to:)` through Double / Int64 / UInt64 arrays: every pair of dtypes.
    func plainCast(to target: DType, saturate: Bool = true, e8m0Rounding: E8M0Rounding = .up) throws -> Tensor {
        if target == dtype { return self }
        if target == .string { return Tensor(shape: shape, strings: stringArray()) }
        if target.isNarrowFloat {
            let v = dtype == .float32 || dtype == .float16 || dtype == .bfloat16 ? floatArray().map { Double($0) } : doubleArray()
            return try Tensor(doubles: v, shape: shape, dtype: target, saturate: saturate, e8m0Rounding: e8m0Rounding)
        }
        if dtype.isFloatingPoint || dtype == .string {
            if target.isFloatingPoint || target == .bool { return try Tensor(doubles: doubleArray(), shape: shape, dtype: target) }
            if target == .uint64 { return try Tensor(uint64s: uint64Array(), shape: shape, dtype: target) }
            return try Tensor(int64s: int64Array(), shape: shape, dtype: target)
        }
        if dtype == .uint64 {
            if target.isFloatingPoint { return try Tensor(doubles: doubleArray(), shape: shape, dtype: target) }
            return try Tensor(uint64s: uint64Array(), shape: shape, dtype: target)
        }
        if target.isFloatingPoint {
            return try Tensor(doubles: doubleArray(), shape: shape, dtype: target)
        }
        return try Tensor(int64s: int64Array(), shape: shape, dtype: target)
    }

    /// Builds a narrow-float tensor (float8*, float4e2m1) from doubles with Cast's rules.
    public init(doubles v: [Double], shape: [Int], dtype: DType, saturate: Bool, e8m0Rounding: E8M0Rounding = .up) throws {
        guard dtype.isNarrowFloat else { self = try Tensor(doubles: v, shape: shape, dtype: dtype); return }
        self = try Tensor(storedBytes: v.map { floatToNarrowFloat($0, dtype, saturate: saturate, e8m0Rounding: e8m0Rounding) }, shape: shape, dtype: dtype)
    }

    /// A tensor of a one-byte dtype from its stored bytes (bit patterns for narrow floats,
    /// unpacked values for int4/uint4/int2/uint2).
    public init(storedBytes b: [UInt8], shape: [Int], dtype: DType) throws {
        guard dtype.size == 1, dtype != .string else { throw TensorError("\(dtype) is not a one-byte type") }
        let u = try Tensor(shape: shape, scalars: b)
        self.init(dtype: dtype, shape: shape, buffer: u.buffer, byteOffset: u.byteOffset)
    }

    /// Builds a tensor of `dtype` from doubles (floats rounded, integers truncated and wrapped).
    public init(doubles v: [Double], shape: [Int], dtype: DType) throws {
        switch dtype {
        case .float32: self = try Tensor(shape: shape, scalars: v.map { Float($0) })
        case .float64: self = try Tensor(shape: shape, scalars: v)
        case .float16: self = try Tensor(shape: shape, scalars: v.map { Float16($0) })
        case .bfloat16: self = try Tensor(shape: shape, scalars: v.map { BFloat16(Float($0)) })
        case .bool: self = try Tensor(shape: shape, scalars: v.map { $0 != 0 })
        case .string: self = Tensor(shape: shape, strings: v.map(formatFloatForString))
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1:
            self = try Tensor(doubles: v, shape: shape, dtype: dtype, saturate: true)
        case .uint64:
            self = try Tensor(uint64s: v.map { d in
                (d >= 0 && d < 18446744073709551616.0) ? UInt64(d) : UInt64(bitPattern: doubleToInt64(d))
            }, shape: shape, dtype: .uint64)
        default: self = try Tensor(int64s: v.map { doubleToInt64($0) }, shape: shape, dtype: dtype)
        }
    }

    /// Builds a tensor of `dtype` from floats.
    public init(floats v: [Float], shape: [Int], dtype: DType = .float32) throws {
        switch dtype {
        case .float32: self = try Tensor(shape: shape, scalars: v)
        case .float16:
            let n = try Tensor.checkedCount(shape, dtype: .float16)
            guard n == v.count else { throw TensorError("\(v.count) values do not fill shape \(shape) (\(n) elements)") }
            let buf = TensorBuffer(uninitializedByteCount: n * 2)
            v.withUnsafeBufferPointer { src in
                if let s = src.baseAddress { convertFloatToHalf(s, buf.pointer.bindMemory(to: UInt16.self, capacity: n), n) }
            }
            self.init(dtype: .float16, shape: shape, buffer: buf)
        case .bfloat16: self = try Tensor(shape: shape, scalars: v.map { BFloat16($0) })
        default: self = try Tensor(doubles: v.map { Double($0) }, shape: shape, dtype: dtype)
        }
    }

    /// Builds a tensor of `dtype` from Int64 values (wrapping to narrower integers).
    public init(int64s v: [Int64], shape: [Int], dtype: DType = .int64) throws {
        switch dtype {
        case .int64: self = try Tensor(shape: shape, scalars: v)
        case .int32: self = try Tensor(shape: shape, scalars: v.map { Int32(truncatingIfNeeded: $0) })
        case .int16: self = try Tensor(shape: shape, scalars: v.map { Int16(truncatingIfNeeded: $0) })
        case .int8: self = try Tensor(shape: shape, scalars: v.map { Int8(truncatingIfNeeded: $0) })
        case .uint8: self = try Tensor(shape: shape, scalars: v.map { UInt8(truncatingIfNeeded: $0) })
        case .uint16: self = try Tensor(shape: shape, scalars: v.map { UInt16(truncatingIfNeeded: $0) })
        case .uint32: self = try Tensor(shape: shape, scalars: v.map { UInt32(truncatingIfNeeded: $0) })
        case .uint64: self = try Tensor(shape: shape, scalars: v.map { UInt64(bitPattern: $0) })
        case .bool: self = try Tensor(shape: shape, scalars: v.map { $0 != 0 })
        case .string: self = Tensor(shape: shape, strings: v.map { String($0) })
        case .int4, .uint4, .int2, .uint2:
            self = try Tensor(storedBytes: v.map { UInt8(truncatingIfNeeded: wrapSubByte($0, dtype)) }, shape: shape, dtype: dtype)
        default: self = try Tensor(doubles: v.map { Double($0) }, shape: shape, dtype: dtype)
        }
    }

    /// Builds a tensor of `dtype` from UInt64 values.
    public init(uint64s v: [UInt64], shape: [Int], dtype: DType = .uint64) throws {
        switch dtype {
        case .uint64: self = try Tensor(shape: shape, scalars: v)
        default:
            if dtype.isFloatingPoint { self = try Tensor(doubles: v.map { Double($0) }, shape: shape, dtype: dtype); return }
            self = try Tensor(int64s: v.map { Int64(bitPattern: $0) }, shape: shape, dtype: dtype)
        }
    }

    /// Builds a Bool tensor.
    public init(bools v: [Bool], shape: [Int]) throws { self = try Tensor(shape: shape, scalars: v) }

    /// Builds an int64 tensor from Swift Ints (shapes, indices).
    public init(ints v: [Int], shape: [Int]? = nil) throws {
        self = try Tensor(shape: shape ?? [v.count], scalars: v.map { Int64($0) })
    }

    /// Element `i` (row-major flat index) as Double.
    public func double(at i: Int) -> Double {
        switch dtype {
        case .float32: return Double(typed(Float.self)[i])
        case .float64: return typed(Double.self)[i]
        case .int64: return Double(typed(Int64.self)[i])
        case .int32: return Double(typed(Int32.self)[i])
        default: return doubleArray()[i]
        }
    }
}

/// Float to Int64 as C on x86 does for the cases Swift would trap on: NaN and out of range give Int64.min.
@inline(__always)
public func doubleToInt64(_ d: Double) -> Int64 {
    if d.isNaN || d >= 9223372036854775808.0 || d < -9223372036854775808.0 { return Int64.min }
    return Int64(d)
}

func parseFloatString(_ s: String) -> Double {
    let t = s.trimmingCharacters(in: .whitespaces)
    switch t.lowercased() {
    case "nan", "+nan", "-nan": return .nan
    case "inf", "+inf", "infinity", "+infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    default: return Double(t) ?? .nan
    }
}

func formatFloatForString(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d > 0 ? "INF" : "-INF" }
    return String(Float(d))
}
