import Foundation
import SurgeonTensor

/// Mod: remainder with numpy broadcasting. `fmod=0` (default, integers only by the spec, but
/// floats accepted as numpy does) takes the sign of the divisor like Python's `%`; `fmod=1` takes
/// the sign of the dividend like C `fmod`. Integer remainders by zero give 0.
enum Mod {
    static func register(_ r: inout OpRegistry) {
        r.register("Mod", since: 10) { ctx in
            let a = try ctx.tensor(0), b = try ctx.tensor(1)
            let fmod = try ctx.int("fmod", 0)
            guard fmod == 0 || fmod == 1 else { throw ctx.error("fmod must be 0 or 1, got \(fmod)") }
            if fmod == 1 {
                return [.tensor(try binaryNumeric(
                    a, b, "Mod",
                    float: { Foundation.fmod($0, $1) }, double: { Foundation.fmod($0, $1) },
                    int: { $1 == 0 ? 0 : $0.remainderReportingOverflow(dividingBy: $1).partialValue },
                    uint: { $1 == 0 ? 0 : $0 % $1 }))]
            }
            return [.tensor(try binaryNumeric(
                a, b, "Mod",
                float: { Float(floorMod(Double($0), Double($1))) }, double: floorMod,
                int: { x, y in
                    if y == 0 { return 0 }
                    let m = x.remainderReportingOverflow(dividingBy: y).partialValue
                    return (m != 0 && (m < 0) != (y < 0)) ? m &+ y : m
                },
                uint: { $1 == 0 ? 0 : $0 % $1 }))]
        }
    }

    /// numpy's float `mod`: the remainder with the divisor's sign.
    static func floorMod(_ a: Double, _ b: Double) -> Double {
        var m = Foundation.fmod(a, b)
        if b == 0 { return m }
        if m != 0 {
            if (b < 0) != (m < 0) { m += b }
        } else {
            m = b < 0 ? -0.0 : 0.0
        }
        return m
    }
}
