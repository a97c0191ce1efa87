import SurgeonTensor

/// LSTM / GRU / RNN with constant float32 W and R: both packed once for the packed-GEMM kernel
/// (`sgemmPacked`) and kept, where the fast recurrent kernels otherwise hand them to OpenBLAS
/// at every run (W for the input projection) and every step (R). Only where a vector kernel
/// runs (`PackedMatrix.isFast`). A choice of kernel in every plan of a fusing interpreter,
/// observed or not (as `usePackedWeights`).
extension PlanFusion {
    /// Gives every LSTM, GRU and RNN step whose W (input 1) and R (input 2) are constant
    /// float32 tensors of rank 3 a kernel running the fast recurrent kernel on their packed
    /// copies; the step's previous kernel runs when that kernel does not (other types).
    static func useRecurrentWeights(in plan: ExecutionPlan, weight: (String) -> RecurrentWeight) {
        guard PackedMatrix.isFast else { return }
        var constant: [Int: Value] = [:]
        for c in plan.constants { constant[c.slot] = c.value }
        for k in plan.steps.indices where !plan.steps[k].folded {
            let st = plan.steps[k]
            guard st.node.domain.isEmpty, ["LSTM", "GRU", "RNN"].contains(st.node.opType), let previous = st.kernel,
                  !st.hasSubgraphs, st.inputs.count >= 3, st.inputs[1] >= 0, st.inputs[2] >= 0,
                  case .tensor(let w)? = constant[st.inputs[1]], case .tensor(let r)? = constant[st.inputs[2]],
                  w.dtype == .float32, r.dtype == .float32, w.rank == 3, r.rank == 3, w.count > 0, r.count > 0 else { continue }
            let wBox = weight("W:" + st.node.inputs[1]), rBox = weight("R:" + st.node.inputs[2])
            let op = st.node.opType
            plan.steps[k].kernel = { ctx in
                let packed = try RecurrentPacked(ctx, w: wBox, r: rBox)
                let out: [Value]?
                switch op {
                case "LSTM": out = try LSTM.fast(ctx, packed: packed)
                case "GRU": out = try GRU.fast(ctx, packed: packed)
                default: out = try RNN.fast(ctx, packed: packed)
                }
                return try out ?? previous(ctx)
            }
        }
    }
}

/// A recurrent node's W or R (`[dirs, rows, k]`) packed for `sgemmPacked`, made on first use
/// and kept for every plan of the interpreter: W as one matrix (op = Wᵀ, `k × dirs·rows`, the
/// input projection of both directions at once), R as one matrix per direction and row piece
/// (op = R_d[piece]ᵀ, `hidden × piece rows`).
final class RecurrentWeight: DerivedWeight<RecurrentWeight.Packed>, @unchecked Sendable {
    /// Rows `start ..< start + rows` of the middle axis.
    struct Piece: Equatable {
        let start: Int, rows: Int
    }

    struct Packed {
        /// nil: packed whole (`matrices` holds one list of one matrix).
        let pieces: [Piece]?
        /// Per direction, per piece.
        let matrices: [[PackedMatrix]]
    }

    /// `t` packed whole (`pieces` nil) or per direction and piece; nil when it could not be
    /// (memory budget, sizes), `t` is not this box's constant, or it was packed another way.
    func packed(_ t: Tensor, pieces: [Piece]?) -> Packed? {
        guard t.dtype == .float32, t.rank == 3 else { return nil }
        let dirs = t.shape[0], rows = t.shape[1], k = t.shape[2]
        if let pieces, !pieces.allSatisfy({ $0.start >= 0 && $0.rows > 0 && $0.start + $0.rows <= rows }) { return nil }
        let made = value(for: t, form: pieces != nil) { t in
            let p = UnsafePointer(t.rawPointer.assumingMemoryBound(to: Float.self))
            guard let pieces else {
                return Packed(pieces: nil, matrices: [[try PackedMatrix(p, ldb: k, transposed: true, k: k, n: dirs * rows)]])
            }
            return Packed(pieces: pieces, matrices: try (0..<dirs).map { d in
                try pieces.map { try PackedMatrix(p + (d * rows + $0.start) * k, ldb: k, transposed: true, k: k, n: $0.rows) }
            })
        }
        return made?.pieces == pieces ? made : nil
    }
}
