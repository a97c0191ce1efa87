import SurgeonTensor

/// BitShift: `X << Y` or `X >> Y` (attribute `direction`), with numpy broadcasting. Shifts of
/// the element width or more (or negative) give 0, or -1 for right shifts of negative signed
/// values; left shifts wrap.
enum BitShift {
    static func register(_ r: inout OpRegistry) {
        r.register("BitShift", since: 11) { ctx in
            let x = try ctx.tensor(0), y = try ctx.tensor(1)
            let direction = try ctx.string("direction", "")
            guard direction == "LEFT" || direction == "RIGHT" else {
                throw ctx.error("direction must be LEFT or RIGHT, got '\(direction)'")
            }
            let left = direction == "LEFT"
            let width = Int64(x.dtype.size * 8)
            return [.tensor(try binaryInteger(
                x, y, "BitShift",
                int: { a, s in
                    if s < 0 || s >= width { return left ? 0 : (a < 0 ? -1 : 0) }
                    return left ? Int64(bitPattern: UInt64(bitPattern: a) << UInt64(s)) : a >> s
                },
                uint: { a, s in
                    if s >= UInt64(width) { return 0 }
                    return left ? a << s : a >> s
                }))]
        }
    }
}
