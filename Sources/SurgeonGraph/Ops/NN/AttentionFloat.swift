import Foundation
import SurgeonTensor

/// Attention's fast kernel for the form exporters emit: float32 4-D `[B, heads, seq, head]`
/// Q, K and V, an optional bool or float32 mask, optional causal masking, no KV cache, padding
/// lengths, window, softcap or wider softmax, and only the first output named. The same
/// operations in the same order as the plain kernel's float32 rows (Attention.swift): Q and K
/// scaled by sqrt(scale), the same BLAS calls per head, each row's bias, max, exp, sum and
/// division; so the results are bit-identical. What it saves is the per-element cost of the
/// general path at small sizes (a tiny llama's heads are 16 x 16 x 32): copies of Q, K, V and
/// the mask into arrays, the bias closure per score, bounds-checked array indexing, and the
/// output copied into a new tensor. Returns nil when the node is not of this form.
enum AttentionFloat {
    static func run(_ ctx: OpContext) throws -> [Value]? {
        guard ctx.node.outputs.dropFirst().allSatisfy(\.isEmpty), ctx.inputCount <= 4,
              let q = try ctx.optionalTensor(0), let k = try ctx.optionalTensor(1), let v = try ctx.optionalTensor(2),
              q.dtype == .float32, k.dtype == .float32, v.dtype == .float32,
              q.rank == 4, k.rank == 4, v.rank == 4 else { return nil }
        let B = q.shape[0], Hq = q.shape[1], S = q.shape[2], D = q.shape[3]
        let Hkv = k.shape[1], L = k.shape[2], Dv = v.shape[3]
        guard k.shape[0] == B, v.shape[0] == B, v.shape[1] == Hkv, v.shape[2] == L, k.shape[3] == D,
              B > 0, Hq > 0, S > 0, D > 0, Hkv > 0, L > 0, Dv > 0, Hq % Hkv == 0 else { return nil }
        guard try ctx.float("softcap", 0) == 0,
              try ctx.int("left_window_size", -1) == -1, try ctx.int("right_window_size", -1) == -1,
              try ctx.int("qk_matmul_output_mode", 0) == 0 else { return nil }
        if let p = try ctx.intIfPresent("softmax_precision"), p != DType.float32.rawValue { return nil }
        let isCausal = try ctx.int("is_causal", 0) != 0

        // Mask, right-aligned against [B, Hq, S, L] as in the plain kernel.
        let mask = try ctx.optionalTensor(3)
        var maskStrides = (0, 0, 0, 0)
        var maskLen = 0
        if let m = mask {
            guard m.dtype == .bool || m.dtype == .float32, m.rank >= 1, m.rank <= 4 else { return nil }
            let shape4 = Array(repeating: 1, count: 4 - m.rank) + m.shape
            let target = [B, Hq, S]
            for a in 0..<3 where shape4[a] != 1 && shape4[a] != target[a] { return nil }
            guard shape4[3] <= L else { return nil }
            maskLen = shape4[3]
            let st = contiguousStrides(shape4)
            maskStrides = (shape4[0] == 1 ? 0 : st[0], shape4[1] == 1 ? 0 : st[1],
                           shape4[2] == 1 ? 0 : st[2], shape4[3] == 1 ? 0 : st[3])
        }

        var scale = try ctx.float("scale", 0)
        if !ctx.has("scale") { scale = 1 / Float(D).squareRoot() }
        let sq = scale.squareRoot()
        let group = Hq / Hkv
        let qCount = B * Hq * S * D, kCount = B * Hkv * L * D
        let yShape = [B, Hq, S, Dv]
        let out = TensorBuffer(uninitializedByteCount: try Tensor.checkedCount(yShape, dtype: .float32) * 4)
        // Scratch: scaled Q, scaled K, one head's scores and probabilities, one row's bias.
        let scratchCount = qCount + kCount + 2 * S * L + L
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
        defer { scratch.deallocate() }
        let qs = scratch, ks = scratch + qCount, scores = ks + kCount, probs = scores + S * L, rowBias = probs + S * L

        withExtendedLifetime((q, k, v, mask)) {
            let qp = q.rawPointer.assumingMemoryBound(to: Float.self)
            let kp = k.rawPointer.assumingMemoryBound(to: Float.self)
            let vp = UnsafePointer(v.rawPointer.assumingMemoryBound(to: Float.self))
            let y = out.pointer.assumingMemoryBound(to: Float.self)
            for i in 0..<qCount { qs[i] = qp[i] * sq }
            for i in 0..<kCount { ks[i] = kp[i] * sq }
            let maskBool = mask?.dtype == .bool ? mask?.rawPointer.assumingMemoryBound(to: Bool.self) : nil
            let maskFloat = mask?.dtype == .float32 ? mask?.rawPointer.assumingMemoryBound(to: Float.self) : nil
            for b in 0..<B {
                for h in 0..<Hq {
                    let kh = h / group
                    sgemmAdaptive(transA: false, transB: true, m: S, n: L, k: D, alpha: 1,
                                  a: qs + (b * Hq + h) * S * D, lda: D, b: ks + (b * Hkv + kh) * L * D, ldb: D,
                                  beta: 0, c: scores, ldc: L)
                    for i in 0..<S {
                        // The plain kernel's bias(b, h, i, j): the mask value (or 0), then
                        // += -inf for a causally hidden key.
                        let rowBase = b * maskStrides.0 + h * maskStrides.1 + i * maskStrides.2
                        var allMasked = true
                        for j in 0..<L {
                            var x: Float = 0
                            if mask != nil {
                                if j < maskLen {
                                    let at = rowBase + j * maskStrides.3
                                    if let mb = maskBool { x = mb[at] ? 0 : -.infinity } else if let mf = maskFloat { x = mf[at] }
                                } else {
                                    x = -.infinity
                                }
                            }
                            if isCausal && j > i { x += -.infinity }
                            rowBias[j] = x
                            if !(x == -.infinity) { allMasked = false }
                        }
                        let sc = scores + i * L, pr = probs + i * L
                        var mx = -Float.infinity
                        for j in 0..<L {
                            let withBias = sc[j] + rowBias[j]
                            pr[j] = withBias
                            if withBias > mx { mx = withBias }
                        }
                        attentionSoftmaxRowF32(pr, L, max: mx, allMasked: allMasked)
                    }
                    sgemmAdaptive(transA: false, transB: false, m: S, n: Dv, k: L, alpha: 1,
                                  a: probs, lda: L, b: vp + (b * Hkv + kh) * L * Dv, ldb: Dv,
                                  beta: 0, c: y + (b * Hq + h) * S * Dv, ldc: Dv)
                }
            }
        }
        return [.tensor(Tensor(dtype: .float32, shape: yShape, buffer: out))]
    }
}
