import SurgeonTensor

// float16 fast paths of the elementwise kernels: the float32 kernel `K` applied block by
// block (`halfBlock` elements converted into an L1-sized float32 buffer, computed, converted
// back), instead of casting whole tensors to float32 and back (two extra tensors and four
// passes over memory per node). Each result is the float32 result rounded to float16, as the
// cast-compute-cast path gives, bit for bit; tests compare the two.

/// `K.apply` over two float16 tensors when they have the same shape, one is a scalar, or one
/// repeats along the last axes of the other (the cases of `fastBinaryF32`); nil otherwise.
func fastBinaryHalf<K: FloatBinaryKernel>(_ a: Tensor, _ b: Tensor, _ k: K.Type) throws -> Tensor? {
    guard a.dtype == .float16, b.dtype == .float16 else { return nil }
    let na = a.count, nb = b.count
    let outShape: [Int]
    if a.shape == b.shape || nb == 1 && a.shape.count >= b.shape.count || isRowBroadcast(b.shape, a.shape) {
        outShape = a.shape
    } else if na == 1 && b.shape.count >= a.shape.count || isRowBroadcast(a.shape, b.shape) {
        outShape = b.shape
    } else {
        return nil
    }
    let pa = try halfPointer(a), pb = try halfPointer(b)
    let (buf, dst, n) = try newOutput(outShape, Float16.self)
    if n == 0 { return Tensor(dtype: .float16, shape: outShape, buffer: buf) }
    let out = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: UInt16.self)
    withExtendedLifetime((a, b)) {
        if na == n && nb == n {
            halfBlocks(n, out) { lo, count, x in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: halfBlock) { tb in
                    guard let y = tb.baseAddress else { return }
                    convertHalfToFloatSerial(pa + lo, x, count)
                    convertHalfToFloatSerial(pb + lo, y, count)
                    for j in 0..<count { x[j] = K.apply(x[j], y[j]) }
                }
            }
        } else if na == n {
            // b repeats every nb elements (nb == 1: a scalar).
            let fb = halfToFloatArray(pb, nb)
            fb.withUnsafeBufferPointer { fbp in
                guard let y = fbp.baseAddress else { return }
                halfBlocks(n, out) { lo, count, x in
                    convertHalfToFloatSerial(pa + lo, x, count)
                    if nb == 1 {
                        let s = y[0]
                        for j in 0..<count { x[j] = K.apply(x[j], s) }
                        return
                    }
                    forRowSegments(lo, count, nb) { j, r, len in
                        for t in 0..<len { x[j + t] = K.apply(x[j + t], y[r + t]) }
                    }
                }
            }
        } else {
            let fa = halfToFloatArray(pa, na)
            fa.withUnsafeBufferPointer { fap in
                guard let y = fap.baseAddress else { return }
                halfBlocks(n, out) { lo, count, x in
                    convertHalfToFloatSerial(pb + lo, x, count)
                    if na == 1 {
                        let s = y[0]
                        for j in 0..<count { x[j] = K.apply(s, x[j]) }
                        return
                    }
                    forRowSegments(lo, count, na) { j, r, len in
                        for t in 0..<len { x[j + t] = K.apply(y[r + t], x[j + t]) }
                    }
                }
            }
        }
    }
    return Tensor(dtype: .float16, shape: outShape, buffer: buf)
}

/// `K.apply` over every element of a float16 tensor, block by block.
func fastUnaryHalf<K: FloatUnaryKernel>(_ x: Tensor, _ k: K.Type) throws -> Tensor {
    let p = try halfPointer(x)
    let (buf, dst, n) = try newOutput(x.shape, Float16.self)
    let out = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: UInt16.self)
    withExtendedLifetime(x) {
        halfBlocks(n, out) { lo, count, v in
            convertHalfToFloatSerial(p + lo, v, count)
            unaryRunF32(v, v, count, K.self)
        }
    }
    return Tensor(dtype: .float16, shape: x.shape, buffer: buf)
}

/// Relu of a float16 tensor on the bit patterns (no conversion): negative numbers become +0;
/// -0, positive numbers and infinities stay; NaN stays NaN with the quiet bit set, as the
/// float32 round trip gives.
func reluHalf(_ x: Tensor) throws -> Tensor {
    let p = try halfPointer(x)
    let (buf, dst, n) = try newOutput(x.shape, Float16.self)
    let out = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: UInt16.self)
    withExtendedLifetime(x) {
        parallelChunks(n) { r in
            for i in r {
                let h = p[i], mag = h & 0x7FFF
                let negative = h & 0x8000 != 0 && mag != 0 && mag <= 0x7C00
                out[i] = negative ? 0 : (mag > 0x7C00 ? h | 0x0200 : h)
            }
        }
    }
    return Tensor(dtype: .float16, shape: x.shape, buffer: buf)
}

/// A float16 tensor's elements as bit patterns (throws for another dtype).
@inline(__always)
private func halfPointer(_ t: Tensor) throws -> UnsafePointer<UInt16> {
    let p = try elementPointer(t, Float16.self)
    return UnsafeRawPointer(p).assumingMemoryBound(to: UInt16.self)
}

private func halfToFloatArray(_ p: UnsafePointer<UInt16>, _ n: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: n) { d, initialized in
        if let base = d.baseAddress { convertHalfToFloat(p, base, n) }
        initialized = n
    }
}

/// Splits `0..<n` over the kernel threads and each share into blocks of at most `halfBlock`;
/// `body(lo, count, x)` fills `x[0..<count]` with the float32 results for elements
/// `lo..<lo+count`, which are then rounded into `out`.
@inline(__always)
private func halfBlocks(_ n: Int, _ out: UnsafeMutablePointer<UInt16>,
                        _ body: (Int, Int, UnsafeMutablePointer<Float>) -> Void) {
    parallelChunks(n) { r in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: halfBlock) { tmp in
            guard let x = tmp.baseAddress else { return }
            var lo = r.lowerBound
            while lo < r.upperBound {
                let count = min(halfBlock, r.upperBound - lo)
                body(lo, count, x)
                convertFloatToHalfSerial(x, out + lo, count)
                lo += count
            }
        }
    }
}

/// For block elements `lo..<lo+count` of a tensor whose other operand repeats every `period`
/// elements: `body(j, r, len)` for runs of `len` elements starting at block offset `j` and at
/// offset `r` of the repeating row.
@inline(__always)
private func forRowSegments(_ lo: Int, _ count: Int, _ period: Int, _ body: (Int, Int, Int) -> Void) {
    var j = 0, r = lo % period
    while j < count {
        let len = min(count - j, period - r)
        body(j, r, len)
        j += len
        r = 0
    }
}
