import SurgeonTensor

/// Where: `condition ? X : Y` elementwise, the three inputs broadcast together; X and Y may
/// have any (shared) dtype, strings included.
enum WhereOp {
    static func register(_ r: inout OpRegistry) {
        r.register("Where", since: 9) { ctx in
            let c = try ctx.tensor(0), x = try ctx.tensor(1), y = try ctx.tensor(2)
            guard c.dtype == .bool else { throw ctx.error("condition must be bool, got \(c.dtype)") }
            guard x.dtype == y.dtype else { throw ctx.error("X and Y types differ (\(x.dtype) and \(y.dtype))") }
            if x.dtype == .string {
                let shape = try broadcastShapes([c.shape, x.shape, y.shape])
                let cond = c.boolArray()
                var out = [String](repeating: "", count: shape.reduce(1, *))
                let s = [c.shape, x.shape, y.shape].map { broadcastStrides($0, to: shape) }
                let xs = x.strings, ys = y.strings
                forEachBroadcast(shape, s) { i, off in out[i] = cond[off[0]] ? xs[off[1]] : ys[off[2]] }
                return [.tensor(Tensor(shape: shape, strings: out))]
            }
            let raw = rawDType(x.dtype)
            let rx = try reinterpret(x, as: raw), ry = try reinterpret(y, as: raw)
            let out: Tensor
            switch raw {
            case .uint8: out = try select(c, rx, ry, UInt8.self)
            case .uint16: out = try select(c, rx, ry, UInt16.self)
            case .uint32: out = try select(c, rx, ry, UInt32.self)
            default: out = try select(c, rx, ry, UInt64.self)
            }
            return [.tensor(try reinterpret(out, as: x.dtype))]
        }
    }

    /// `c ? x : y` with broadcasting over raw element bits.
    static func select<T: TensorScalar>(_ c: Tensor, _ x: Tensor, _ y: Tensor, _ type: T.Type) throws -> Tensor {
        let shape = try broadcastShapes([c.shape, x.shape, y.shape])
        let pc = try elementPointer(c, Bool.self), px = try elementPointer(x, T.self), py = try elementPointer(y, T.self)
        let (buf, dst, n) = try newOutput(shape, T.self)
        withExtendedLifetime((c, x, y)) {
            if c.count == n && x.count == n && y.count == n {
                for i in 0..<n { dst[i] = pc[i] ? px[i] : py[i] }
            } else if c.count == n && x.count == n && y.count == 1 {
                let v = py[0]
                for i in 0..<n { dst[i] = pc[i] ? px[i] : v }
            } else if c.count == n && x.count == 1 && y.count == n {
                let v = px[0]
                for i in 0..<n { dst[i] = pc[i] ? v : py[i] }
            } else {
                let s = [c.shape, x.shape, y.shape].map { broadcastStrides($0, to: shape) }
                forEachBroadcast(shape, s) { i, off in dst[i] = pc[off[0]] ? px[off[1]] : py[off[2]] }
            }
        }
        return Tensor(dtype: T.dtype, shape: shape, buffer: buf)
    }
}
