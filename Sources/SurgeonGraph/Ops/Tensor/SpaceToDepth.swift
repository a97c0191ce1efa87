import SurgeonTensor

/// SpaceToDepth: moves `blocksize` x `blocksize` spatial blocks of an NCHW tensor into
/// channels; `mode` DCR (default) or CRD (newer opsets), as the inverse of DepthToSpace.
enum SpaceToDepth {
    static func register(_ r: inout OpRegistry) {
        r.register("SpaceToDepth", since: 1) { ctx in
            let x = try ctx.tensor(0)
            let b = try ctx.int("blocksize", 0)
            let mode = try ctx.string("mode", "DCR")
            guard x.rank == 4 else { throw ctx.error("needs a 4-D input, got \(x.typeDescription)") }
            let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            guard b >= 1, b <= 1 << 20, h % b == 0, w % b == 0 else { throw ctx.error("spatial size \(h)x\(w) not divisible by blocksize \(b)") }
            let view = try x.reshaped([n, c, h / b, b, w / b, b])
            let perm: [Int]
            switch mode {
            case "DCR": perm = [0, 3, 5, 1, 2, 4]
            case "CRD": perm = [0, 1, 3, 5, 2, 4]
            default: throw ctx.error("unknown mode '\(mode)'")
            }
            return [.tensor(try transposed(view, perm: perm).reshaped([n, c * b * b, h / b, w / b]))]
        }
    }
}
