import SurgeonTensor

/// BitCast: reinterprets the bytes of each element as attribute `to`, a type of the same size
/// (no strings). The shape is unchanged.
enum BitCast {
    static func register(_ r: inout OpRegistry) {
        r.register("BitCast", since: 26) { ctx in
            let x = try ctx.tensor(0)
            guard ctx.has("to") else { throw ctx.error("needs the attribute 'to'") }
            let to = try ctx.dtype("to", x.dtype)
            guard x.dtype != .string, to != .string else { throw ctx.error("cannot bit-cast strings") }
            guard x.dtype.bitWidth == to.bitWidth else {
                throw ctx.error("\(x.dtype) (\(x.dtype.bitWidth) bits) and \(to) (\(to.bitWidth) bits) differ in size")
            }
            if to == .bool {
                // only 0 and 1 are valid bool bytes
                let bytes = try reinterpret(x, as: .uint8)
                return [.tensor(try emap1(bytes, UInt8.self, Bool.self) { $0 != 0 })]
            }
            return [.tensor(try x.bitcast(to: to))]
        }
    }
}
