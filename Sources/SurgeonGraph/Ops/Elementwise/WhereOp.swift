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
                forEachBroadcast(shape, s) { i, off in out[i] = cond[off[0]] ? x.strings[off[1]] : y.strings[off[2]] }
                return [.tensor(Tensor(shape: shape, strings: out))]
            }
            if x.dtype == .float32 {
                return [.tensor(try map3(c, x, y, Bool.self, Float.self, Float.self, Float.self) { $0 ? $1 : $2 })]
            }
            let raw = rawDType(x.dtype)
            let rx = try reinterpret(x, as: raw), ry = try reinterpret(y, as: raw)
            let out: Tensor
            switch raw {
            case .uint8: out = try map3(c, rx, ry, Bool.self, UInt8.self, UInt8.self, UInt8.self) { $0 ? $1 : $2 }
            case .uint16: out = try map3(c, rx, ry, Bool.self, UInt16.self, UInt16.self, UInt16.self) { $0 ? $1 : $2 }
            case .uint32: out = try map3(c, rx, ry, Bool.self, UInt32.self, UInt32.self, UInt32.self) { $0 ? $1 : $2 }
            default: out = try map3(c, rx, ry, Bool.self, UInt64.self, UInt64.self, UInt64.self) { $0 ? $1 : $2 }
            }
            return [.tensor(try reinterpret(out, as: x.dtype))]
        }
    }
}
