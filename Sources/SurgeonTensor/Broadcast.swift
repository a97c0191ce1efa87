/// Row-major element strides of a contiguous tensor of `shape`.
public func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = Array(repeating: 1, count: shape.count)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = s
        s *= shape[i]
    }
    return strides
}

/// The numpy broadcast of several shapes; throws naming both shapes when they do not fit.
public func broadcastShapes(_ shapes: [[Int]]) throws -> [Int] {
    let rank = shapes.map(\.count).max() ?? 0
    var out = Array(repeating: 1, count: rank)
    for s in shapes {
        let pad = rank - s.count
        for (i, d) in s.enumerated() {
            let j = i + pad
            if out[j] == d || d == 1 { continue }
            if out[j] == 1 { out[j] = d; continue }
            throw TensorError("shapes \(shapes.map(shapeString).joined(separator: " and ")) cannot be broadcast together")
        }
    }
    return out
}

/// Element strides that read a tensor of `shape` as if broadcast to `out` (0 on broadcast axes).
public func broadcastStrides(_ shape: [Int], to out: [Int]) -> [Int] {
    let base = contiguousStrides(shape)
    let pad = out.count - shape.count
    var strides = Array(repeating: 0, count: out.count)
    for i in 0..<shape.count where shape[i] != 1 {
        strides[i + pad] = base[i]
    }
    return strides
}

/// Calls `body(outIndex, offsets)` for every element of `outShape`, where `offsets[k]` is the
/// element offset into operand `k` read through `strides[k]`. Odometer order (row-major).
@inlinable
public func forEachBroadcast(
    _ outShape: [Int], _ strides: [[Int]], _ body: (Int, UnsafeMutableBufferPointer<Int>) -> Void
) {
    let n = outShape.reduce(1, *)
    if n == 0 { return }
    let rank = outShape.count
    let k = strides.count
    var offsets = [Int](repeating: 0, count: k)
    var index = [Int](repeating: 0, count: rank)
    offsets.withUnsafeMutableBufferPointer { off in
        for i in 0..<n {
            body(i, off)
            // increment the odometer
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                for j in 0..<k { off[j] += strides[j][axis] }
                if index[axis] < outShape[axis] { break }
                for j in 0..<k { off[j] -= strides[j][axis] * outShape[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

extension Tensor {
    /// Elements at the given flat indices, as a new tensor of `shape` (any dtype).
    public func take(flatIndices: [Int], shape newShape: [Int]) throws -> Tensor {
        try flatIndices.withUnsafeBufferPointer { try take(flatIndices: $0, shape: newShape) }
    }

    /// Elements at the given flat indices (an index buffer of the caller's: `ScratchMemory`
    /// for large ones), as a new tensor of `shape` (any dtype).
    public func take(flatIndices: UnsafeBufferPointer<Int>, shape newShape: [Int]) throws -> Tensor {
        let n = try Tensor.checkedCount(newShape, dtype: dtype)
        guard n == flatIndices.count else { throw TensorError("internal: index count \(flatIndices.count) != \(n)") }
        let total = count
        for i in flatIndices where i < 0 || i >= total {
            throw TensorError("index \(i) out of range for \(typeDescription)")
        }
        if dtype == .string {
            return Tensor(shape: newShape, strings: flatIndices.map { strings[$0] })
        }
        let size = dtype.size
        let buf = TensorBuffer(uninitializedByteCount: n * size)
        let src = rawPointer
        let dst = buf.pointer
        switch size {
        case 1:
            let s = src.assumingMemoryBound(to: UInt8.self), d = dst.assumingMemoryBound(to: UInt8.self)
            for (o, i) in flatIndices.enumerated() { d[o] = s[i] }
        case 2:
            let s = src.assumingMemoryBound(to: UInt16.self), d = dst.assumingMemoryBound(to: UInt16.self)
            for (o, i) in flatIndices.enumerated() { d[o] = s[i] }
        case 4:
            let s = src.assumingMemoryBound(to: UInt32.self), d = dst.assumingMemoryBound(to: UInt32.self)
            for (o, i) in flatIndices.enumerated() { d[o] = s[i] }
        default:
            let s = src.assumingMemoryBound(to: UInt64.self), d = dst.assumingMemoryBound(to: UInt64.self)
            for (o, i) in flatIndices.enumerated() { d[o] = s[i] }
        }
        return Tensor(dtype: dtype, shape: newShape, buffer: buf)
    }

    /// This tensor materialised at a broadcast shape.
    public func broadcast(to outShape: [Int]) throws -> Tensor {
        if outShape == shape { return self }
        let target = try broadcastShapes([shape, outShape])
        guard target == outShape else {
            throw TensorError("cannot broadcast \(shapeString(shape)) to \(shapeString(outShape))")
        }
        var idx = [Int](repeating: 0, count: outShape.reduce(1, *))
        forEachBroadcast(outShape, [broadcastStrides(shape, to: outShape)]) { i, off in idx[i] = off[0] }
        return try take(flatIndices: idx, shape: outShape)
    }

    /// Concatenates tensors of one dtype along `axis` (no broadcasting).
    public static func concat(_ parts: [Tensor], axis: Int) throws -> Tensor {
        guard let first = parts.first else { throw TensorError("concat of no tensors") }
        let rank = first.rank
        guard axis >= 0 && axis < max(rank, 1) else { throw TensorError("concat axis \(axis) out of range for rank \(rank)") }
        var outShape = first.shape
        outShape[axis] = 0
        for p in parts {
            guard p.dtype == first.dtype else { throw TensorError("concat of \(first.dtype) and \(p.dtype)") }
            guard p.rank == rank else { throw TensorError("concat of ranks \(rank) and \(p.rank)") }
            for d in 0..<rank where d != axis && p.shape[d] != first.shape[d] {
                throw TensorError("concat: shapes \(shapeString(first.shape)) and \(shapeString(p.shape)) differ outside axis \(axis)")
            }
            outShape[axis] += p.shape[axis]
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        if first.dtype == .string {
            var out: [String] = []
            for o in 0..<outer {
                for p in parts {
                    let chunk = p.shape[axis] * inner
                    out.append(contentsOf: p.strings[(o * chunk)..<((o + 1) * chunk)])
                }
            }
            return Tensor(shape: outShape, strings: out)
        }
        let n = try Tensor.checkedCount(outShape, dtype: first.dtype)
        let size = first.dtype.size
        let buf = TensorBuffer(uninitializedByteCount: n * size)
        let total = n * size
        // The output is the parts' chunks one after another (per outer index, each part's
        // chunk); large outputs are cut into byte ranges copied on the kernel threads, each
        // range from the chunks it overlaps (densenet121's 58 Concats ran on one thread).
        if kernelThreads > 1 && total >= Self.concatSplitBytes {
            var starts: [Int] = [], sources: [UnsafeRawPointer] = []
            starts.reserveCapacity(outer * parts.count + 1)
            sources.reserveCapacity(outer * parts.count)
            var at = 0
            for o in 0..<outer {
                for p in parts {
                    let chunk = p.shape[axis] * inner * size
                    if chunk > 0 {
                        starts.append(at)
                        sources.append(p.rawPointer + o * chunk)
                        at += chunk
                    }
                }
            }
            starts.append(at)
            let base = buf.pointer
            withExtendedLifetime(parts) {
                parallelChunks(total, grain: Self.concatSplitBytes / 2) { r in
                    // The last chunk starting at or before r.lowerBound, then on while they overlap r.
                    var lo = 0, hi = starts.count - 1
                    while hi - lo > 1 {
                        let mid = (lo + hi) / 2
                        if starts[mid] <= r.lowerBound { lo = mid } else { hi = mid }
                    }
                    var c = lo
                    while c < sources.count && starts[c] < r.upperBound {
                        let a = max(starts[c], r.lowerBound), b = min(starts[c + 1], r.upperBound)
                        if a < b { (base + a).copyMemory(from: sources[c] + (a - starts[c]), byteCount: b - a) }
                        c += 1
                    }
                }
            }
            return Tensor(dtype: first.dtype, shape: outShape, buffer: buf)
        }
        var dst = buf.pointer
        for o in 0..<outer {
            for p in parts {
                let chunk = p.shape[axis] * inner * size
                if chunk > 0 {
                    dst.copyMemory(from: p.rawPointer + o * chunk, byteCount: chunk)
                    dst += chunk
                }
            }
        }
        return Tensor(dtype: first.dtype, shape: outShape, buffer: buf)
    }

    /// Outputs of at least this many bytes are copied on the kernel threads (`concat`).
    static let concatSplitBytes = 1 << 17
}
