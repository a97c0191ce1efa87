import SurgeonTensor

/// Gather: picks slices along `axis` by index; output shape is
/// `data.shape[..<axis] + indices.shape + data.shape[axis+1...]`. Negative indices wrap,
/// out-of-range ones are an error. Non-string data is copied one inner block at a time.
enum Gather {
    static func register(_ r: inout OpRegistry) {
        r.register("Gather", since: 1) { ctx in
            let data = try ctx.tensor(0), indices = try ctx.tensor(1)
            guard indices.dtype.isInteger else { throw ctx.error("indices must be integers, got \(indices.typeDescription)") }
            guard data.rank >= 1 else { throw ctx.error("data must have rank 1 or more") }
            let axis = try normalizeAxis(try ctx.int("axis", 0), rank: data.rank, op: "Gather")
            return [.tensor(try gather(data, indices.intArray(), indexShape: indices.shape, axis: axis))]
        }
    }

    static func gather(_ data: Tensor, _ rawIndices: [Int], indexShape: [Int], axis: Int) throws -> Tensor {
        let n = data.shape[axis]
        let idx = try rawIndices.map { try wrapIndex($0, n, op: "Gather") }
        let outer = product(data.shape[..<axis]), inner = product(data.shape[(axis + 1)...])
        let outShape = Array(data.shape[..<axis]) + indexShape + Array(data.shape[(axis + 1)...])
        let total = try Tensor.checkedCount(outShape, dtype: data.dtype)
        if data.dtype == .string {
            var flat: [Int] = []
            flat.reserveCapacity(total)
            for o in 0..<outer {
                for i in idx { for k in 0..<inner { flat.append((o * n + i) * inner + k) } }
            }
            return try data.take(flatIndices: flat, shape: outShape)
        }
        let size = data.dtype.size
        let block = inner * size
        if idx.count == 1, outer == 1, let i = idx.first {
            // One slice of the leading axes (ViT's and Swin's q / k / v out of one [3, ...]
            // tensor): a view of it, no copy (2 ms of vit_b_16's run). The interpreter only
            // writes into buffers no one else holds, so the alias is safe.
            return Tensor(dtype: data.dtype, shape: outShape, buffer: data.buffer, byteOffset: data.byteOffset + i * block)
        }
        let buf = TensorBuffer(uninitializedByteCount: total * size)
        var dst = buf.pointer
        let src = data.rawPointer
        if inner == 1 {
            // One element per index (gather along the last axis): typed element copies.
            func run<T>(_ t: T.Type) {
                let sp = src.assumingMemoryBound(to: T.self), dp = buf.pointer.assumingMemoryBound(to: T.self)
                var k = 0
                for o in 0..<outer {
                    let row = o * n
                    for i in idx { dp[k] = sp[row + i]; k += 1 }
                }
            }
            switch size {
            case 1: run(UInt8.self)
            case 2: run(UInt16.self)
            case 4: run(UInt32.self)
            default: run(UInt64.self)
            }
        } else if block > 0 {
            for o in 0..<outer {
                for i in idx {
                    dst.copyMemory(from: src + (o * n + i) * block, byteCount: block)
                    dst += block
                }
            }
        }
        return Tensor(dtype: data.dtype, shape: outShape, buffer: buf)
    }
}
