/// Generic elementwise kernels with numpy broadcasting. Specialised per element type at the
/// call site (`@inlinable`), with fast paths for equal shapes and scalar operands.

@inlinable
public func map1<A: TensorScalar, R: TensorScalar>(
    _ a: Tensor, _ ta: A.Type, _ tr: R.Type, _ f: (A) -> R
) throws -> Tensor {
    try a.withUnsafeBuffer(of: A.self) { src in
        try Tensor.build(a.shape, of: R.self) { dst in
            for i in 0..<src.count { dst[i] = f(src[i]) }
        }
    }
}

@inlinable
public func map2<A: TensorScalar, B: TensorScalar, R: TensorScalar>(
    _ a: Tensor, _ b: Tensor, _ ta: A.Type, _ tb: B.Type, _ tr: R.Type, _ f: (A, B) -> R
) throws -> Tensor {
    let outShape = a.shape == b.shape ? a.shape : try broadcastShapes([a.shape, b.shape])
    return try a.withUnsafeBuffer(of: A.self) { pa in
        try b.withUnsafeBuffer(of: B.self) { pb in
            try Tensor.build(outShape, of: R.self) { dst in
                let n = dst.count
                if pa.count == n && pb.count == n {
                    for i in 0..<n { dst[i] = f(pa[i], pb[i]) }
                } else if pa.count == n && pb.count == 1 {
                    let y = pb[0]
                    for i in 0..<n { dst[i] = f(pa[i], y) }
                } else if pa.count == 1 && pb.count == n {
                    let x = pa[0]
                    for i in 0..<n { dst[i] = f(x, pb[i]) }
                } else {
                    let sa = broadcastStrides(a.shape, to: outShape)
                    let sb = broadcastStrides(b.shape, to: outShape)
                    forEachBroadcast(outShape, [sa, sb]) { i, off in dst[i] = f(pa[off[0]], pb[off[1]]) }
                }
            }
        }
    }
}

@inlinable
public func map3<A: TensorScalar, B: TensorScalar, C: TensorScalar, R: TensorScalar>(
    _ a: Tensor, _ b: Tensor, _ c: Tensor, _ ta: A.Type, _ tb: B.Type, _ tc: C.Type, _ tr: R.Type,
    _ f: (A, B, C) -> R
) throws -> Tensor {
    let outShape = try broadcastShapes([a.shape, b.shape, c.shape])
    return try a.withUnsafeBuffer(of: A.self) { pa in
        try b.withUnsafeBuffer(of: B.self) { pb in
            try c.withUnsafeBuffer(of: C.self) { pc in
                try Tensor.build(outShape, of: R.self) { dst in
                    let s = [a.shape, b.shape, c.shape].map { broadcastStrides($0, to: outShape) }
                    forEachBroadcast(outShape, s) { i, off in dst[i] = f(pa[off[0]], pb[off[1]], pc[off[2]]) }
                }
            }
        }
    }
}

/// The compute class of a dtype: which wide Swift type general kernels use. The narrow floats
/// (float8*, float4e2m1) compute through float32 like float16; int4/int2 through Int64 and
/// uint4/uint2 through UInt64, results wrapping back to the narrow range.
public enum ComputeClass: Sendable {
    case float32, float64, reducedFloat, signed, unsigned, bool, string
}

extension DType {
    public var computeClass: ComputeClass {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        case .float16, .bfloat16: return .reducedFloat
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1: return .reducedFloat
        case .int8, .int16, .int32, .int64, .int4, .int2: return .signed
        case .uint8, .uint16, .uint32, .uint64, .uint4, .uint2: return .unsigned
        case .bool: return .bool
        case .string: return .string
        }
    }
}

/// Applies an arithmetic binary op for any numeric dtype: float32 and float64 natively,
/// float16/bfloat16 through float32, integers through Int64/UInt64 (results wrap back).
public func arithmetic2(
    _ a: Tensor, _ b: Tensor, name: String,
    float: (Float, Float) -> Float, double: (Double, Double) -> Double,
    int: ((Int64, Int64) throws -> Int64)?, uint: ((UInt64, UInt64) throws -> UInt64)?
) throws -> Tensor {
    guard a.dtype == b.dtype else { throw TensorError("\(name): operand types differ (\(a.dtype) and \(b.dtype))") }
    switch a.dtype.computeClass {
    case .float32: return try map2(a, b, Float.self, Float.self, Float.self, float)
    case .float64: return try map2(a, b, Double.self, Double.self, Double.self, double)
    case .reducedFloat:
        let r = try map2(a.cast(to: .float32), b.cast(to: .float32), Float.self, Float.self, Float.self, float)
        return try r.cast(to: a.dtype)
    case .signed:
        guard let int else { break }
        var err: Error?
        let r = try map2(a.cast(to: .int64), b.cast(to: .int64), Int64.self, Int64.self, Int64.self) { x, y in
            do { return try int(x, y) } catch { err = error; return 0 }
        }
        if let err { throw err }
        return try r.cast(to: a.dtype)
    case .unsigned:
        guard let uint else { break }
        var err: Error?
        let r = try map2(a.cast(to: .uint64), b.cast(to: .uint64), UInt64.self, UInt64.self, UInt64.self) { x, y in
            do { return try uint(x, y) } catch { err = error; return 0 }
        }
        if let err { throw err }
        return try r.cast(to: a.dtype)
    case .bool, .string: break
    }
    throw TensorError("\(name) does not support \(a.dtype)")
}

/// Applies a unary float function to any float dtype (reduced floats through float32).
public func floatMap1(
    _ a: Tensor, name: String, float: (Float) -> Float, double: (Double) -> Double
) throws -> Tensor {
    switch a.dtype.computeClass {
    case .float32: return try map1(a, Float.self, Float.self, float)
    case .float64: return try map1(a, Double.self, Double.self, double)
    case .reducedFloat: return try map1(a.cast(to: .float32), Float.self, Float.self, float).cast(to: a.dtype)
    default: throw TensorError("\(name) needs a floating-point tensor, got \(a.dtype)")
    }
}

/// Applies a comparison to two tensors of one dtype, giving bool.
public func compare2(
    _ a: Tensor, _ b: Tensor, name: String,
    double: (Double, Double) -> Bool, int: (Int64, Int64) -> Bool, uint: (UInt64, UInt64) -> Bool,
    string: ((String, String) -> Bool)? = nil
) throws -> Tensor {
    guard a.dtype == b.dtype else { throw TensorError("\(name): operand types differ (\(a.dtype) and \(b.dtype))") }
    switch a.dtype.computeClass {
    case .float32: return try map2(a, b, Float.self, Float.self, Bool.self) { double(Double($0), Double($1)) }
    case .float64: return try map2(a, b, Double.self, Double.self, Bool.self, double)
    case .reducedFloat:
        return try map2(a.cast(to: .float64), b.cast(to: .float64), Double.self, Double.self, Bool.self, double)
    case .signed, .bool:
        return try map2(a.cast(to: .int64), b.cast(to: .int64), Int64.self, Int64.self, Bool.self, int)
    case .unsigned:
        return try map2(a.cast(to: .uint64), b.cast(to: .uint64), UInt64.self, UInt64.self, Bool.self, uint)
    case .string:
        guard let string else { throw TensorError("\(name) does not support string") }
        let shape = try broadcastShapes([a.shape, b.shape])
        let sa = broadcastStrides(a.shape, to: shape), sb = broadcastStrides(b.shape, to: shape)
        var out = [Bool](repeating: false, count: shape.reduce(1, *))
        let xs = a.strings, ys = b.strings
        forEachBroadcast(shape, [sa, sb]) { i, off in out[i] = string(xs[off[0]], ys[off[1]]) }
        return try Tensor(bools: out, shape: shape)
    }
}
