import SurgeonTensor

/// Einsum: Einstein summation over an `equation` such as `bij,bjk->bik`. Supports an ellipsis
/// (`...`, broadcast across operands), implicit output (ellipsis first, then the labels seen
/// once, sorted), repeated labels within an operand (diagonals) and summed labels.
/// Two-operand float contractions run as batched matrix products (`viaGemm`); the rest is a
/// plain loop over the index space, in Double (floats) or Int64 (integers).
enum Einsum {
    static func register(_ r: inout OpRegistry) {
        r.register("Einsum", since: 1) { ctx in
            let eq = try ctx.string("equation", "")
            let inputs = try (0..<ctx.inputCount).map { try ctx.tensor($0) }
            return [.tensor(try einsum(eq, inputs))]
        }
    }

    /// One operand or the output term: letters, with the ellipsis as label -1.
    static func parseTerm(_ s: Substring) throws -> [Int] {
        var labels: [Int] = []
        var chars = Array(s)
        var i = 0
        var sawEllipsis = false
        while i < chars.count {
            let ch = chars[i]
            if ch == "." {
                guard i + 2 < chars.count, chars[i + 1] == ".", chars[i + 2] == "." , !sawEllipsis else {
                    throw TensorError("Einsum: malformed ellipsis in '\(s)'")
                }
                sawEllipsis = true
                labels.append(-1)
                i += 3
                continue
            }
            guard let a = ch.asciiValue, ch.isLetter else { throw TensorError("Einsum: unexpected '\(ch)' in '\(s)'") }
            labels.append(Int(a))
            i += 1
        }
        chars.removeAll()
        return labels
    }

    static func einsum(_ equation: String, _ inputs: [Tensor]) throws -> Tensor {
        let eq = equation.filter { !$0.isWhitespace }
        let sides = eq.components(separatedBy: "->")
        guard sides.count <= 2 else { throw TensorError("Einsum: more than one '->' in '\(equation)'") }
        let terms = try sides[0].split(separator: ",", omittingEmptySubsequences: false).map(parseTerm)
        guard terms.count == inputs.count else {
            throw TensorError("Einsum: equation has \(terms.count) operands, node has \(inputs.count) inputs")
        }
        guard let dtype = inputs.first?.dtype else { throw TensorError("Einsum needs at least one input") }
        for t in inputs where t.dtype != dtype { throw TensorError("Einsum: operand types differ (\(dtype) and \(t.dtype))") }
        guard dtype.isNumeric else { throw TensorError("Einsum does not support \(dtype)") }

        // Ellipsis extents (right-aligned broadcast) and label extents.
        var ellShapes: [[Int]] = []
        for (t, term) in zip(inputs, terms) {
            let letters = term.filter { $0 >= 0 }.count
            if term.contains(-1) {
                guard t.rank >= letters else { throw TensorError("Einsum: operand \(t.typeDescription) has too few axes for its labels") }
                let k = term.firstIndex(of: -1) ?? 0
                ellShapes.append(Array(t.shape[k..<(k + t.rank - letters)]))
            } else {
                guard t.rank == letters else {
                    throw TensorError("Einsum: operand \(t.typeDescription) has \(t.rank) axes but \(letters) labels")
                }
                ellShapes.append([])
            }
        }
        let ellShape = try broadcastShapes(ellShapes)
        let ellRank = ellShape.count
        var extentOf: [Int: Int] = [:]
        var countOf: [Int: Int] = [:]
        for (t, term) in zip(inputs, terms) {
            var axis = 0
            for l in term {
                if l < 0 { axis += t.rank - term.filter { $0 >= 0 }.count; continue }
                let d = t.shape[axis]
                if let e = extentOf[l], e != d {
                    if e == 1 { extentOf[l] = d } else if d != 1 {
                        throw TensorError("Einsum: label '\(Character(Unicode.Scalar(UInt8(l))))' has extents \(e) and \(d)")
                    }
                } else if extentOf[l] == nil { extentOf[l] = d }
                countOf[l, default: 0] += 1
                axis += 1
            }
        }

        // Output labels.
        var outTerm: [Int]
        if sides.count == 2 {
            outTerm = try parseTerm(Substring(sides[1]))
            for l in outTerm where l >= 0 && extentOf[l] == nil {
                throw TensorError("Einsum: output label '\(Character(Unicode.Scalar(UInt8(l))))' is not in any operand")
            }
            if Set(outTerm).count != outTerm.count { throw TensorError("Einsum: repeated output label in '\(equation)'") }
        } else {
            outTerm = (terms.contains { $0.contains(-1) } ? [-1] : [])
                + countOf.filter { $0.value == 1 }.keys.sorted()
        }

        // Slots: ellipsis axes are 0..<ellRank, letters follow.
        var slotOfLabel: [Int: Int] = [:]
        for l in extentOf.keys.sorted() { slotOfLabel[l] = ellRank + slotOfLabel.count }
        var slotExtent = ellShape + [Int](repeating: 0, count: slotOfLabel.count)
        for (l, s) in slotOfLabel { slotExtent[s] = extentOf[l] ?? 0 }
        var outSlots: [Int] = []
        for l in outTerm {
            if l < 0 { outSlots += Array(0..<ellRank) } else if let s = slotOfLabel[l] { outSlots.append(s) }
        }
        let outSet = Set(outSlots)
        let sumSlots = (0..<slotExtent.count).filter { !outSet.contains($0) }

        // Per-operand stride of each slot (repeated labels add up: diagonals).
        var slotStrides: [[Int]] = []
        for (t, term) in zip(inputs, terms) {
            var st = [Int](repeating: 0, count: slotExtent.count)
            let cs = contiguousStrides(t.shape)
            let letters = term.filter { $0 >= 0 }.count
            var axis = 0
            for l in term {
                if l < 0 {
                    let k = t.rank - letters
                    for j in 0..<k where t.shape[axis + j] != 1 { st[ellRank - k + j] += cs[axis + j] }
                    axis += k
                    continue
                }
                if let s = slotOfLabel[l], t.shape[axis] != 1 { st[s] += cs[axis] }
                axis += 1
            }
            slotStrides.append(st)
        }

        if inputs.count == 2, dtype == .float32 || dtype == .float64,
           let r = try viaGemm(inputs, terms: terms, slotOfLabel: slotOfLabel, ellRank: ellRank,
                               slotExtent: slotExtent, outSlots: outSlots) {
            return r
        }

        // Offsets into each operand for every combination of the given slots (row-major).
        func offsets(_ slots: [Int]) -> [[Int]] {
            var res = [[Int]](repeating: [0], count: inputs.count)
            for s in slots {
                for k in 0..<inputs.count {
                    var next: [Int] = []
                    next.reserveCapacity(res[k].count * slotExtent[s])
                    for b in res[k] { for i in 0..<slotExtent[s] { next.append(b + i * slotStrides[k][s]) } }
                    res[k] = next
                }
            }
            return res
        }
        let outShape = outSlots.map { slotExtent[$0] }
        let outCount = try Tensor.checkedCount(outShape, dtype: dtype)
        let sumCount = sumSlots.reduce(1) { $0 * slotExtent[$1] }
        let (work, overflow) = outCount.multipliedReportingOverflow(by: max(sumCount, 1))
        guard !overflow, work <= 1 << 34 else { throw TensorError("Einsum '\(equation)' is too large to evaluate") }
        let bases = offsets(outSlots), offs = offsets(sumSlots)

        if dtype.isFloatingPoint {
            let vals = inputs.map { $0.doubleArray() }
            var out = [Double](repeating: 0, count: outCount)
            for o in 0..<outCount {
                var acc = 0.0
                for s in 0..<sumCount {
                    var p = 1.0
                    for k in 0..<inputs.count { p *= vals[k][bases[k][o] + offs[k][s]] }
                    acc += p
                }
                out[o] = acc
            }
            return try Tensor(doubles: out, shape: outShape, dtype: dtype)
        }
        let vals = inputs.map { $0.int64Array() }
        var out = [Int64](repeating: 0, count: outCount)
        for o in 0..<outCount {
            var acc: Int64 = 0
            for s in 0..<sumCount {
                var p: Int64 = 1
                for k in 0..<inputs.count { p = p &* vals[k][bases[k][o] + offs[k][s]] }
                acc = acc &+ p
            }
            out[o] = acc
        }
        return dtype == .uint64
            ? try Tensor(uint64s: out.map { UInt64(bitPattern: $0) }, shape: outShape, dtype: dtype)
            : try Tensor(int64s: out, shape: outShape, dtype: dtype)
    }

    /// Two-operand contractions without diagonals, broadcasting or one-sided sums, done as a
    /// batched matrix product: A is laid out as [batch, m, k], B as [batch, k, n]. Nil when the
    /// equation does not fit.
    static func viaGemm(
        _ inputs: [Tensor], terms: [[Int]], slotOfLabel: [Int: Int], ellRank: Int, slotExtent: [Int], outSlots: [Int]
    ) throws -> Tensor? {
        var operandSlots: [[Int]] = []
        for (t, term) in zip(inputs, terms) {
            var slots: [Int] = []
            let letters = term.filter { $0 >= 0 }.count
            for l in term {
                if l < 0 {
                    let k = t.rank - letters
                    slots += (0..<k).map { ellRank - k + $0 }
                } else if let s = slotOfLabel[l] {
                    slots.append(s)
                }
            }
            guard slots.count == t.rank, Set(slots).count == slots.count else { return nil }
            for (axis, s) in slots.enumerated() where t.shape[axis] != slotExtent[s] { return nil }
            operandSlots.append(slots)
        }
        let a = Set(operandSlots[0]), b = Set(operandSlots[1]), o = Set(outSlots)
        for s in a.union(b) where !o.contains(s) && !(a.contains(s) && b.contains(s)) { return nil }
        let batch = outSlots.filter { a.contains($0) && b.contains($0) }
        let mSlots = outSlots.filter { a.contains($0) && !b.contains($0) }
        let nSlots = outSlots.filter { b.contains($0) && !a.contains($0) }
        let kSlots = a.intersection(b).subtracting(o).sorted()
        let size = { (slots: [Int]) in slots.reduce(1) { $0 * slotExtent[$1] } }
        let nb = size(batch), m = size(mSlots), n = size(nSlots), k = size(kSlots)
        // An operand already laid out as [batch, k, m] (A) or [batch, n, k] (B) is read
        // transposed by the product rather than copied (attention's `bhid,bhjd->bhij`).
        let transA = operandSlots[0] != batch + mSlots + kSlots && operandSlots[0] == batch + kSlots + mSlots
        let transB = operandSlots[1] != batch + kSlots + nSlots && operandSlots[1] == batch + nSlots + kSlots
        let pa = transA ? inputs[0] : try permute(inputs[0], operandSlots[0], to: batch + mSlots + kSlots, slotExtent)
        let pb = transB ? inputs[1] : try permute(inputs[1], operandSlots[1], to: batch + kSlots + nSlots, slotExtent)
        let lda = transA ? m : k, ldb = transB ? k : n
        // Many small products (attention windows × heads) are shared among the kernel threads,
        // one product per thread at a time; a single product splits itself.
        let batches = { (body: (Int, Int) -> Void) in
            if nb > 1 {
                parallelItems(nb, costPerItem: max(1, m * n * k / 8)) { body($0, 1) }
            } else {
                body(0, kernelThreads)
            }
        }
        let cSlots = batch + mSlots + nSlots
        let cShape = cSlots.map { slotExtent[$0] }
        var c: Tensor
        if pa.dtype == .float32 {
            c = try pa.withUnsafeBuffer(of: Float.self) { x in
                try pb.withUnsafeBuffer(of: Float.self) { y in
                    try Tensor.build(cShape, of: Float.self) { z in
                        guard let x0 = x.baseAddress, let y0 = y.baseAddress, let z0 = z.baseAddress else { return }
                        batches { i, threads in
                            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: x0 + i * m * k, lda: lda,
                                  b: y0 + i * k * n, ldb: ldb, beta: 0, c: z0 + i * m * n, ldc: n, threads: threads)
                        }
                    }
                }
            }
        } else {
            c = try pa.withUnsafeBuffer(of: Double.self) { x in
                try pb.withUnsafeBuffer(of: Double.self) { y in
                    try Tensor.build(cShape, of: Double.self) { z in
                        guard let x0 = x.baseAddress, let y0 = y.baseAddress, let z0 = z.baseAddress else { return }
                        batches { i, threads in
                            dgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: x0 + i * m * k, lda: lda,
                                  b: y0 + i * k * n, ldb: ldb, beta: 0, c: z0 + i * m * n, ldc: n, threads: threads)
                        }
                    }
                }
            }
        }
        c = try permute(c, cSlots, to: outSlots, slotExtent)
        return c
    }

    /// `t`, whose axes carry `slots`, transposed so that its axes carry `order`.
    static func permute(_ t: Tensor, _ slots: [Int], to order: [Int], _ slotExtent: [Int]) throws -> Tensor {
        let shape = order.map { slotExtent[$0] }
        if slots == order { return try t.reshaped(shape) }
        let cs = contiguousStrides(t.shape)
        var strides: [Int] = []
        for s in order {
            guard let axis = slots.firstIndex(of: s) else { throw TensorError("Einsum: internal slot mismatch") }
            strides.append(cs[axis])
        }
        return try stridedCopy(t, shape: shape, strides: strides, offset: 0)
    }
}
