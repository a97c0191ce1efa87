import SurgeonTensor

/// DepthToSpace: moves blocks of channels into `blocksize` x `blocksize` spatial blocks of an
/// NCHW tensor; `mode` DCR (default) or CRD (opset 11).
enum DepthToSpace {
    static func register(_ r: inout OpRegistry) {
        r.register("DepthToSpace", since: 1) { ctx in
            let x = try ctx.tensor(0)
            let b = try ctx.int("blocksize", 0)
            let mode = try ctx.string("mode", "DCR")
            guard x.rank == 4 else { throw ctx.error("needs a 4-D input, got \(x.typeDescription)") }
            let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            guard b >= 1, b <= 1 << 20, c % (b * b) == 0 else { throw ctx.error("channels \(c) not divisible by blocksize² (\(b))") }
            let cc = c / (b * b)
            let view: Tensor, perm: [Int]
            switch mode {
            case "DCR": view = try x.reshaped([n, b, b, cc, h, w]); perm = [0, 3, 4, 1, 5, 2]
            case "CRD": view = try x.reshaped([n, cc, b, b, h, w]); perm = [0, 1, 4, 2, 5, 3]
            default: throw ctx.error("unknown mode '\(mode)'")
            }
            return [.tensor(try transposed(view, perm: perm).reshaped([n, cc, h * b, w * b]))]
        }
    }
}
