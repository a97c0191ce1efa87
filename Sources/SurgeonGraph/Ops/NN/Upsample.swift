import SurgeonTensor

/// Upsample (opset 7: `scales` attribute; opset 9: `scales` input): nearest (index floor) or
/// linear interpolation with asymmetric coordinates, output extent floor(in * scale).
enum Upsample {
    static func register(_ r: inout OpRegistry) {
        r.register("Upsample", since: 7) { ctx in
            let x = try ctx.tensor(0)
            guard let s = try ctx.floats("scales") else { throw ctx.error("needs the scales attribute") }
            return [.tensor(try Resize.upsampleLike(x, scales: s.map { Double($0) }, mode: try ctx.string("mode", "nearest"), op: "Upsample"))]
        }
        r.register("Upsample", since: 9) { ctx in
            let x = try ctx.tensor(0)
            let s = try ctx.tensor(1).doubleArray()
            return [.tensor(try Resize.upsampleLike(x, scales: s, mode: try ctx.string("mode", "nearest"), op: "Upsample"))]
        }
    }
}
