import SurgeonGraph
import SurgeonTensor

/// Static dtype and shape inference for the common ops. What cannot be derived stays
/// unknown (`?`); nothing is guessed. Declared types (inputs, value_info, outputs) win over
/// inferred ones where they say more.
public enum ShapeInference {
    /// The type of every top-level value: graph inputs, initializers and node outputs.
    public static func infer(_ model: Model) -> [String: ValueType] {
        var state = State(model: model)
        let order = (try? model.graph.executionOrder()) ?? Array(model.graph.nodes.indices)
        for i in order { state.visit(model.graph.nodes[i]) }
        return state.types.mapValues { $0.valueType }
    }

    /// Broadcast of two shapes (numpy rules); unknown where it cannot be decided.
    static func broadcast(_ a: [Dim]?, _ b: [Dim]?) -> [Dim]? {
        guard let a, let b else { return nil }
        let n = max(a.count, b.count)
        var out: [Dim] = []
        for k in 0..<n {
            let x = k < n - a.count ? Dim.known(1) : a[k - (n - a.count)]
            let y = k < n - b.count ? Dim.known(1) : b[k - (n - b.count)]
            switch (x, y) {
            case (.known(1), _): out.append(y)
            case (_, .known(1)): out.append(x)
            case (.known(let p), .known(let q)): out.append(p == q ? x : .unknown)
            case (.known, _): out.append(x)
            case (_, .known): out.append(y)
            case (.symbolic(let p), .symbolic(let q)) where p == q: out.append(x)
            default: out.append(.unknown)
            }
        }
        return out
    }
}

/// A tensor type under inference.
struct TType {
    var dtype: DType?
    var dims: [Dim]?
    var valueType: ValueType { .tensor(dtype, dims) }
    static let unknown = TType(dtype: nil, dims: nil)
    var rank: Int? { dims?.count }
}

extension ValueType {
    var ttype: TType? {
        if case .tensor(let d, let s) = self { return TType(dtype: d, dims: s) }
        return nil
    }
}

private struct State {
    let model: Model
    var types: [String: TType] = [:]
    /// Small integer tensors whose values are known (constants, shapes): element values,
    /// each a known number or a symbolic dimension.
    var values: [String: [Dim]] = [:]
    var declared: [String: ValueType] = [:]

    init(model: Model) {
        self.model = model
        let g = model.graph
        for v in g.valueInfo + g.outputs { declared[v.name] = v.type }
        for v in g.inputs {
            declared[v.name] = v.type
            types[v.name] = v.type.ttype ?? .unknown
        }
        for (name, t) in g.initializers {
            types[name] = TType(dtype: t.dtype, dims: t.shape.map { .known($0) })
            if t.dtype.isInteger, t.count <= 64, t.rank <= 1 { values[name] = t.intArray().map { .known($0) } }
        }
    }

    func type(_ name: String) -> TType {
        if name.isEmpty { return .unknown }
        return types[name] ?? declared[name]?.ttype ?? .unknown
    }

    func ints(_ name: String) -> [Int]? {
        guard let v = values[name] else { return nil }
        var out: [Int] = []
        for d in v { guard let n = d.value else { return nil }; out.append(n) }
        return out
    }

    mutating func set(_ name: String, _ t: TType) {
        guard !name.isEmpty else { return }
        types[name] = merge(declared: declared[name]?.ttype, inferred: t)
    }

    func merge(declared d: TType?, inferred t: TType) -> TType {
        guard let d else { return t }
        let dtype = d.dtype ?? t.dtype
        guard let dd = d.dims else { return TType(dtype: dtype, dims: t.dims) }
        guard let td = t.dims, td.count == dd.count else { return TType(dtype: dtype, dims: dd) }
        let dims = zip(dd, td).map { a, b -> Dim in
            if case .unknown = a { return b }
            return a
        }
        return TType(dtype: dtype, dims: dims)
    }

    mutating func visit(_ n: Node) {
        let outs = n.outputs
        guard !outs.isEmpty else { return }
        let x = n.inputs.first.map { type($0) } ?? .unknown
        func out(_ k: Int, _ t: TType) { if k < outs.count { set(outs[k], t) } }
        func attrInt(_ name: String) -> Int? { if case .int(let v) = n.attribute(name) { return v }; return nil }
        func attrInts(_ name: String) -> [Int]? { if case .ints(let v) = n.attribute(name) { return v }; return nil }
        func input(_ k: Int) -> String { k < n.inputs.count ? n.inputs[k] : "" }
        let opset = model.opsetImports[n.domain] ?? model.opset
        guard n.domain.isEmpty || n.domain == "ai.onnx" else {
            for o in outs { set(o, .unknown) }
            return
        }
        switch n.opType {
        case "Relu", "Sigmoid", "Tanh", "Abs", "Neg", "Exp", "Log", "Sqrt", "Erf", "Gelu", "LeakyRelu", "Elu",
             "Selu", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Identity", "Clip", "Floor", "Ceil",
             "Round", "Reciprocal", "Sin", "Cos", "Tan", "Not", "Mish", "Celu", "ThresholdedRelu", "Softmax",
             "LogSoftmax", "Hardmax", "CumSum", "Sign", "InstanceNormalization", "LpNormalization", "LRN",
             "Trilu", "Shrink", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
             "MeanVarianceNormalization", "ReverseSequence":
            out(0, x)
            if n.opType == "Identity", let v = values[input(0)] { values[outs[0]] = v }
        case "Dropout":
            out(0, x)
            out(1, TType(dtype: .bool, dims: x.dims))
        case "BatchNormalization":
            out(0, x)
        case "LayerNormalization":
            out(0, x)
            if let d = x.dims {
                let axis = attrInt("axis") ?? -1
                let a = axis < 0 ? axis + d.count : axis
                if a >= 0 && a <= d.count {
                    let stat = Array(d[..<a]) + Array(repeating: Dim.known(1), count: d.count - a)
                    out(1, TType(dtype: .float32, dims: stat))
                    out(2, TType(dtype: .float32, dims: stat))
                }
            }
        case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mean", "Sum", "PRelu", "Mod", "BitShift",
             "BitwiseAnd", "BitwiseOr", "BitwiseXor", "And", "Or", "Xor":
            var dims = x.dims
            for name in n.inputs.dropFirst() { dims = ShapeInference.broadcast(dims, type(name).dims) }
            out(0, TType(dtype: x.dtype ?? type(input(1)).dtype, dims: dims))
            if ["Add", "Sub", "Mul", "Div"].contains(n.opType), let a = ints(input(0)), let b = ints(input(1)),
               a.count == b.count || a.count == 1 || b.count == 1 {
                let len = max(a.count, b.count)
                var r: [Dim] = []
                for k in 0..<len {
                    let p = a[a.count == 1 ? 0 : k], q = b[b.count == 1 ? 0 : k]
                    switch n.opType {
                    case "Add": r.append(.known(p + q))
                    case "Sub": r.append(.known(p - q))
                    case "Mul": r.append(.known(p * q))
                    default: r.append(q == 0 ? .unknown : .known(p / q))
                    }
                }
                if !r.contains(.unknown) { values[outs[0]] = r }
            }
        case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "IsNaN", "IsInf":
            let dims = n.inputs.count > 1 ? ShapeInference.broadcast(x.dims, type(input(1)).dims) : x.dims
            out(0, TType(dtype: .bool, dims: dims))
            if n.opType == "Equal", let a = ints(input(0)), let b = ints(input(1)), let r = zipBroadcast(a, b, { $0 == $1 ? 1 : 0 }) {
                values[outs[0]] = r.map { .known($0) }
            }
        case "Where":
            let dims = ShapeInference.broadcast(ShapeInference.broadcast(x.dims, type(input(1)).dims), type(input(2)).dims)
            out(0, TType(dtype: type(input(1)).dtype ?? type(input(2)).dtype, dims: dims))
            if let c = ints(input(0)), let a = values[input(1)], let b = values[input(2)] {
                let len = max(c.count, a.count, b.count)
                if [c.count, a.count, b.count].allSatisfy({ $0 == len || $0 == 1 }) {
                    values[outs[0]] = (0..<len).map { k in
                        c[c.count == 1 ? 0 : k] != 0 ? a[a.count == 1 ? 0 : k] : b[b.count == 1 ? 0 : k]
                    }
                }
            }
        case "MatMul":
            out(0, TType(dtype: x.dtype, dims: matmul(x.dims, type(input(1)).dims)))
        case "Gemm":
            let b = type(input(1))
            let ta = (attrInt("transA") ?? 0) != 0, tb = (attrInt("transB") ?? 0) != 0
            var dims: [Dim]?
            if let a = x.dims, let bd = b.dims, a.count == 2, bd.count == 2 {
                dims = [ta ? a[1] : a[0], tb ? bd[0] : bd[1]]
            }
            out(0, TType(dtype: x.dtype, dims: dims))
        case "Conv", "ConvInteger":
            let w = type(input(1))
            var dims: [Dim]?
            if let xd = x.dims, let wd = w.dims, xd.count >= 3, wd.count == xd.count {
                let kernel = attrInts("kernel_shape") ?? wd.dropFirst(2).map { $0.value ?? -1 }
                dims = [xd[0], wd[0]] + spatial(xd, kernel: kernel, n: n, ceil: false)
            }
            out(0, TType(dtype: n.opType == "ConvInteger" ? .int32 : x.dtype, dims: dims))
        case "ConvTranspose":
            let w = type(input(1))
            var dims: [Dim]?
            if let xd = x.dims, let wd = w.dims, xd.count >= 3, wd.count == xd.count {
                let group = attrInt("group") ?? 1
                let m: Dim = wd[1].value.map { .known($0 * group) } ?? .unknown
                let k = xd.count - 2
                let kernel = attrInts("kernel_shape") ?? wd.dropFirst(2).map { $0.value ?? -1 }
                let strides = attrInts("strides") ?? Array(repeating: 1, count: k)
                let dil = attrInts("dilations") ?? Array(repeating: 1, count: k)
                let pads = attrInts("pads") ?? Array(repeating: 0, count: 2 * k)
                let outPad = attrInts("output_padding") ?? Array(repeating: 0, count: k)
                var sp: [Dim] = []
                if let shape = attrInts("output_shape"), shape.count == k {
                    sp = shape.map { .known($0) }
                } else if kernel.count == k, strides.count == k, dil.count == k, pads.count == 2 * k, outPad.count == k,
                          attrString(n, "auto_pad") ?? "NOTSET" == "NOTSET" {
                    for a in 0..<k {
                        guard let inDim = xd[2 + a].value, kernel[a] > 0 else { sp.append(.unknown); continue }
                        sp.append(.known(strides[a] * (inDim - 1) + outPad[a] + (kernel[a] - 1) * dil[a] + 1 - pads[a] - pads[a + k]))
                    }
                } else {
                    sp = Array(repeating: .unknown, count: k)
                }
                dims = [xd[0], m] + sp
            }
            out(0, TType(dtype: x.dtype, dims: dims))
        case "MaxPool", "AveragePool", "LpPool":
            var dims: [Dim]?
            if let xd = x.dims, xd.count >= 3, let kernel = attrInts("kernel_shape") {
                dims = [xd[0], xd[1]] + spatial(xd, kernel: kernel, n: n, ceil: (attrInt("ceil_mode") ?? 0) != 0)
            }
            out(0, TType(dtype: x.dtype, dims: dims))
            out(1, TType(dtype: .int64, dims: dims))
        case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool":
            out(0, TType(dtype: x.dtype, dims: x.dims.map { d in d.count >= 2 ? Array(d[..<2]) + Array(repeating: .known(1), count: d.count - 2) : d }))
        case "Flatten":
            var dims: [Dim]?
            if let d = x.dims {
                let axis0 = attrInt("axis") ?? 1
                let axis = axis0 < 0 ? axis0 + d.count : axis0
                if axis >= 0 && axis <= d.count {
                    dims = [product(Array(d[..<axis])), product(Array(d[axis...]))]
                }
            }
            out(0, TType(dtype: x.dtype, dims: dims))
        case "Reshape":
            out(0, TType(dtype: x.dtype, dims: reshape(x.dims, values[input(1)], allowZero: (attrInt("allowzero") ?? 0) != 0,
                                                       rankHint: type(input(1)).dims?.first?.value)))
        case "Transpose":
            var dims: [Dim]?
            if let d = x.dims {
                let perm = attrInts("perm") ?? Array((0..<d.count).reversed())
                if perm.count == d.count, perm.allSatisfy({ $0 >= 0 && $0 < d.count }) { dims = perm.map { d[$0] } }
            }
            out(0, TType(dtype: x.dtype, dims: dims))
        case "Concat":
            let ts = n.inputs.map { type($0) }
            var dims: [Dim]?
            if let first = ts.first?.dims, ts.allSatisfy({ $0.dims?.count == first.count }) {
                let a0 = attrInt("axis") ?? 0
                let axis = a0 < 0 ? a0 + first.count : a0
                if axis >= 0 && axis < first.count {
                    var d = first
                    var total = 0
                    var known = true
                    for t in ts { if let v = t.dims?[axis].value { total += v } else { known = false } }
                    d[axis] = known ? .known(total) : .unknown
                    for k in d.indices where k != axis {
                        if case .unknown = d[k], let better = ts.compactMap({ $0.dims?[k] }).first(where: { $0 != .unknown }) { d[k] = better }
                    }
                    dims = d
                }
            }
            out(0, TType(dtype: ts.first?.dtype, dims: dims))
            var vals: [Dim] = []
            var all = true
            for name in n.inputs { if let v = values[name] { vals += v } else { all = false } }
            if all, !n.inputs.isEmpty { values[outs[0]] = vals }
        case "Gather":
            let idx = type(input(1))
            var dims: [Dim]?
            if let d = x.dims, let id = idx.dims {
                let a0 = attrInt("axis") ?? 0
                let axis = a0 < 0 ? a0 + d.count : a0
                if axis >= 0 && axis < d.count { dims = Array(d[..<axis]) + id + Array(d[(axis + 1)...]) }
            }
            out(0, TType(dtype: x.dtype, dims: dims))
            if let v = values[input(0)], let i = ints(input(1)), (attrInt("axis") ?? 0) == 0 {
                var r: [Dim] = []
                for k in i {
                    let j = k < 0 ? k + v.count : k
                    if j >= 0 && j < v.count { r.append(v[j]) } else { r = []; break }
                }
                if r.count == i.count { values[outs[0]] = r }
            }
        case "GatherElements":
            out(0, TType(dtype: x.dtype, dims: type(input(1)).dims))
        case "ScatterElements", "ScatterND", "Scatter":
            out(0, x)
        case "Slice":
            var dims = x.dims
            if let d = x.dims {
                var starts: [Int]?, ends: [Int]?, axes: [Int]?, steps: [Int]?
                if opset < 10 {
                    starts = attrInts("starts"); ends = attrInts("ends"); axes = attrInts("axes")
                } else {
                    starts = ints(input(1)); ends = ints(input(2))
                    axes = input(3).isEmpty ? nil : ints(input(3))
                    steps = input(4).isEmpty ? nil : ints(input(4))
                    if !input(3).isEmpty && axes == nil { starts = nil }
                    if !input(4).isEmpty && steps == nil { starts = nil }
                }
                if let s = starts, let e = ends, s.count == e.count {
                    let ax = axes ?? Array(0..<s.count)
                    let st = steps ?? Array(repeating: 1, count: s.count)
                    var nd = d
                    for k in 0..<min(ax.count, s.count, st.count) {
                        let a = ax[k] < 0 ? ax[k] + d.count : ax[k]
                        guard a >= 0 && a < d.count else { nd = []; break }
                        if let len = d[a].value { nd[a] = .known(sliceLength(len, s[k], e[k], st[k])) } else { nd[a] = .unknown }
                    }
                    dims = nd.count == d.count ? nd : nil
                    if let v = values[input(0)], x.dims?.count == 1, ax == [0], st.count == 1, s.count == 1 {
                        let len = v.count
                        let step = st[0]
                        if step != 0 {
                            var r: [Dim] = []
                            let (b0, b1) = sliceBounds(len, s[0], e[0], step)
                            var i0 = b0
                            while step > 0 ? i0 < b1 : i0 > b1 {
                                if i0 >= 0 && i0 < len { r.append(v[i0]) }
                                i0 += step
                            }
                            values[outs[0]] = r
                        }
                    }
                } else {
                    dims = d.map { _ in .unknown }
                }
            }
            out(0, TType(dtype: x.dtype, dims: dims))
        case "Unsqueeze":
            let axes = opset >= 13 ? ints(input(1)) : attrInts("axes")
            var dims: [Dim]?
            if let d = x.dims, let axes {
                let r = d.count + axes.count
                let norm = Set(axes.map { $0 < 0 ? $0 + r : $0 })
                var it = d.makeIterator()
                var nd: [Dim] = []
                for k in 0..<r { nd.append(norm.contains(k) ? .known(1) : (it.next() ?? .unknown)) }
                dims = nd
            }
            out(0, TType(dtype: x.dtype, dims: dims))
            if let v = values[input(0)] { values[outs[0]] = v }
        case "Squeeze":
            let axes = opset >= 13 ? (input(1).isEmpty ? nil : ints(input(1))) : attrInts("axes")
            var dims: [Dim]?
            if let d = x.dims {
                if let axes {
                    let norm = Set(axes.map { $0 < 0 ? $0 + d.count : $0 })
                    dims = d.enumerated().filter { !norm.contains($0.offset) }.map(\.element)
                } else if d.allSatisfy({ $0.value != nil }) {
                    dims = d.filter { $0.value != 1 }
                } else if opset < 13 || input(1).isEmpty {
                    dims = nil
                }
            }
            out(0, TType(dtype: x.dtype, dims: dims))
            if let v = values[input(0)] { values[outs[0]] = v }
        case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
             "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare":
            let axesFromInput = n.opType == "ReduceSum" ? opset >= 13 : opset >= 18
            var axes: [Int]? = axesFromInput ? (input(1).isEmpty ? [] : ints(input(1))) : (attrInts("axes") ?? [])
            let keep = (attrInt("keepdims") ?? 1) != 0
            var dims: [Dim]?
            if let d = x.dims, var a = axes {
                if a.isEmpty {
                    if (attrInt("noop_with_empty_axes") ?? 0) != 0 { dims = d; axes = nil } else { a = Array(d.indices) }
                }
                if axes != nil {
                    let norm = Set(a.map { $0 < 0 ? $0 + d.count : $0 })
                    dims = keep ? d.enumerated().map { norm.contains($0.offset) ? .known(1) : $0.element }
                        : d.enumerated().filter { !norm.contains($0.offset) }.map(\.element)
                }
            }
            out(0, TType(dtype: x.dtype, dims: dims))
        case "ArgMax", "ArgMin":
            var dims: [Dim]?
            if let d = x.dims {
                let a0 = attrInt("axis") ?? 0
                let a = a0 < 0 ? a0 + d.count : a0
                let keep = (attrInt("keepdims") ?? 1) != 0
                if a >= 0 && a < d.count {
                    dims = keep ? d.enumerated().map { $0.offset == a ? .known(1) : $0.element }
                        : d.enumerated().filter { $0.offset != a }.map(\.element)
                }
            }
            out(0, TType(dtype: .int64, dims: dims))
        case "Cast":
            let to = attrInt("to").flatMap { DType(rawValue: $0) }
            out(0, TType(dtype: to, dims: x.dims))
            if let v = values[input(0)], to?.isInteger == true { values[outs[0]] = v }
        case "CastLike":
            out(0, TType(dtype: type(input(1)).dtype, dims: x.dims))
        case "Shape":
            var dims: [Dim]?
            if let d = x.dims {
                let r = d.count
                var s = attrInt("start") ?? 0, e = attrInt("end") ?? r
                if s < 0 { s += r }
                if e < 0 { e += r }
                s = min(max(s, 0), r)
                e = min(max(e, 0), r)
                let slice = s < e ? Array(d[s..<e]) : []
                dims = [.known(slice.count)]
                values[outs.first ?? ""] = slice
            }
            out(0, TType(dtype: .int64, dims: dims))
        case "Size":
            out(0, TType(dtype: .int64, dims: []))
            if let d = x.dims { let p = product(d); if p.value != nil { values[outs.first ?? ""] = [p] } }
        case "Constant":
            if case .tensor(let t)? = n.attribute("value") {
                out(0, TType(dtype: t.dtype, dims: t.shape.map { .known($0) }))
                if t.dtype.isInteger, t.count <= 64, t.rank <= 1, let o = outs.first { values[o] = t.intArray().map { .known($0) } }
            } else if case .int(let v)? = n.attribute("value_int") {
                out(0, TType(dtype: .int64, dims: []))
                if let o = outs.first { values[o] = [.known(v)] }
            } else if case .ints(let v)? = n.attribute("value_ints") {
                out(0, TType(dtype: .int64, dims: [.known(v.count)]))
                if let o = outs.first { values[o] = v.map { .known($0) } }
            } else if case .float? = n.attribute("value_float") {
                out(0, TType(dtype: .float32, dims: []))
            } else if case .floats(let v)? = n.attribute("value_floats") {
                out(0, TType(dtype: .float32, dims: [.known(v.count)]))
            } else {
                out(0, .unknown)
            }
        case "ConstantOfShape":
            var dtype: DType? = .float32
            if case .tensor(let t)? = n.attribute("value") { dtype = t.dtype }
            out(0, TType(dtype: dtype, dims: values[input(0)]))
            if let shape = ints(input(0)), shape.count <= 1, dtype?.isInteger == true {
                var fill = 0
                if case .tensor(let t)? = n.attribute("value"), t.count == 1 { fill = t.intArray().first ?? 0 }
                let count = shape.reduce(1, *)
                if count >= 0 && count <= 64 { values[outs[0]] = Array(repeating: .known(fill), count: count) }
            }
        case "Expand":
            out(0, TType(dtype: x.dtype, dims: values[input(1)].flatMap { ShapeInference.broadcast(x.dims, $0) }))
        case "Tile":
            var dims: [Dim]?
            if let d = x.dims, let r = ints(input(1)), r.count == d.count {
                dims = zip(d, r).map { a, k in a.value.map { .known($0 * k) } ?? (k == 1 ? a : .unknown) }
            }
            out(0, TType(dtype: x.dtype, dims: dims))
        case "Split":
            let count = outs.count
            if let d = x.dims {
                let a0 = attrInt("axis") ?? 0
                let a = a0 < 0 ? a0 + d.count : a0
                var sizes: [Int]? = opset >= 13 ? (input(1).isEmpty ? nil : ints(input(1))) : attrInts("split")
                if sizes == nil, a >= 0, a < d.count, let len = d[a].value, count > 0 {
                    let chunk = (len + count - 1) / count
                    sizes = (0..<count).map { k in max(0, min(chunk, len - k * chunk)) }
                }
                for k in 0..<count {
                    var nd = d
                    if a >= 0 && a < d.count { nd[a] = sizes.flatMap { k < $0.count ? .known($0[k]) : nil } ?? .unknown }
                    out(k, TType(dtype: x.dtype, dims: a >= 0 && a < d.count ? nd : nil))
                }
            } else {
                for k in 0..<count { out(k, TType(dtype: x.dtype, dims: nil)) }
            }
        case "Pad":
            var dims: [Dim]?
            let pads = opset >= 11 ? ints(input(1)) : attrInts("pads")
            if let d = x.dims, let p = pads, p.count == 2 * d.count, opset < 18 || input(3).isEmpty {
                dims = d.enumerated().map { k, v in v.value.map { .known($0 + p[k] + p[k + d.count]) } ?? .unknown }
            }
            out(0, TType(dtype: x.dtype, dims: dims ?? x.dims.map { $0.map { _ in .unknown } }))
        case "TopK":
            var dims: [Dim]?
            if let d = x.dims, let k = ints(input(1))?.first {
                let a0 = attrInt("axis") ?? -1
                let a = a0 < 0 ? a0 + d.count : a0
                if a >= 0 && a < d.count { var nd = d; nd[a] = .known(k); dims = nd }
            }
            out(0, TType(dtype: x.dtype, dims: dims))
            out(1, TType(dtype: .int64, dims: dims))
        case "NonZero":
            out(0, TType(dtype: .int64, dims: x.dims.map { [.known($0.count), .unknown] }))
        case "Range":
            out(0, TType(dtype: x.dtype, dims: [.unknown]))
        case "RandomUniformLike", "RandomNormalLike", "Bernoulli", "EyeLike":
            out(0, TType(dtype: attrInt("dtype").flatMap { DType(rawValue: $0) } ?? x.dtype, dims: x.dims))
        case "RandomUniform", "RandomNormal":
            out(0, TType(dtype: attrInt("dtype").flatMap { DType(rawValue: $0) } ?? .float32, dims: attrInts("shape")?.map { .known($0) }))
        case "Einsum", "Resize", "Upsample", "NonMaxSuppression", "Loop", "If", "Scan":
            for o in outs { set(o, .unknown) }
        default:
            for o in outs { set(o, .unknown) }
        }
    }

    func attrString(_ n: Node, _ name: String) -> String? {
        if case .string(let s)? = n.attribute(name) { return s }
        return nil
    }

    func spatial(_ xd: [Dim], kernel: [Int], n: Node, ceil: Bool) -> [Dim] {
        let k = xd.count - 2
        func ints(_ name: String) -> [Int]? { if case .ints(let v)? = n.attribute(name) { return v }; return nil }
        let strides = ints("strides") ?? Array(repeating: 1, count: k)
        let dil = ints("dilations") ?? Array(repeating: 1, count: k)
        let pads = ints("pads") ?? Array(repeating: 0, count: 2 * k)
        let autoPad = attrString(n, "auto_pad") ?? "NOTSET"
        guard kernel.count == k, strides.count == k, dil.count == k, pads.count == 2 * k else {
            return Array(repeating: .unknown, count: k)
        }
        var out: [Dim] = []
        for a in 0..<k {
            guard let len = xd[2 + a].value, kernel[a] > 0, strides[a] > 0 else { out.append(.unknown); continue }
            let eff = (kernel[a] - 1) * dil[a] + 1
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER": out.append(.known((len + strides[a] - 1) / strides[a]))
            case "VALID": out.append(.known((len - eff) / strides[a] + 1))
            default:
                let total = len + pads[a] + pads[a + k] - eff
                guard total >= 0 else { out.append(.unknown); continue }
                var o = (ceil ? (total + strides[a] - 1) / strides[a] : total / strides[a]) + 1
                // With ceil_mode, the last window must start inside the (left-padded) input.
                if ceil && (o - 1) * strides[a] >= len + pads[a] { o -= 1 }
                out.append(.known(o))
            }
        }
        return out
    }

    func matmul(_ a: [Dim]?, _ b: [Dim]?) -> [Dim]? {
        guard var a, var b, !a.isEmpty, !b.isEmpty else { return nil }
        let aVec = a.count == 1, bVec = b.count == 1
        if aVec { a = [.known(1)] + a }
        if bVec { b = b + [.known(1)] }
        guard let batch = ShapeInference.broadcast(Array(a.dropLast(2)), Array(b.dropLast(2))) else { return nil }
        var out = batch
        if !aVec { out.append(a[a.count - 2]) }
        if !bVec { out.append(b[b.count - 1]) }
        return out
    }

    func product(_ d: [Dim]) -> Dim {
        var p = 1
        for x in d { guard let v = x.value else { return d.count == 1 ? d[0] : .unknown }; p *= v }
        return .known(p)
    }

    func reshape(_ input: [Dim]?, _ shape: [Dim]?, allowZero: Bool, rankHint: Int?) -> [Dim]? {
        guard var s = shape else { return rankHint.map { Array(repeating: .unknown, count: $0) } }
        for k in s.indices {
            if s[k] == .known(0) && !allowZero {
                if let input, k < input.count { s[k] = input[k] } else { s[k] = .unknown }
            }
        }
        if let m = s.firstIndex(of: .known(-1)) {
            let others = s.enumerated().filter { $0.offset != m }.map(\.element)
            if let input, case .known(let total) = product(input), case .known(let rest) = product(others), rest > 0 {
                s[m] = .known(total / rest)
            } else if let input {
                // Cancel the dims both sides share (symbolic ones included); the rest is -1.
                var remaining = input
                var unmatched: [Dim] = []
                for d in others {
                    if let i = remaining.firstIndex(of: d) { remaining.remove(at: i) } else { unmatched.append(d) }
                }
                if unmatched.allSatisfy({ $0 == .known(1) }) {
                    s[m] = remaining.count == 1 ? remaining[0] : product(remaining)
                    if remaining.isEmpty { s[m] = .known(1) }
                } else if case .known(let rest) = product(unmatched), rest > 0, case .known(let total) = product(remaining), total % rest == 0 {
                    s[m] = .known(total / rest)
                } else {
                    s[m] = .unknown
                }
            } else {
                s[m] = .unknown
            }
        }
        return s.map { d in if case .known(let v) = d, v < 0 { return .unknown }; return d }
    }
}

func zipBroadcast(_ a: [Int], _ b: [Int], _ f: (Int, Int) -> Int) -> [Int]? {
    guard a.count == b.count || a.count == 1 || b.count == 1 else { return nil }
    let len = max(a.count, b.count)
    return (0..<len).map { k in f(a[a.count == 1 ? 0 : k], b[b.count == 1 ? 0 : k]) }
}

func sliceBounds(_ len: Int, _ start: Int, _ end: Int, _ step: Int) -> (Int, Int) {
    var s = start < 0 ? start + len : start
    var e = end < 0 ? end + len : end
    if step > 0 {
        s = min(max(s, 0), len)
        e = min(max(e, 0), len)
    } else {
        s = min(max(s, -1), len - 1)
        e = min(max(e, -1), len - 1)
    }
    return (s, e)
}

func sliceLength(_ len: Int, _ start: Int, _ end: Int, _ step: Int) -> Int {
    guard step != 0 else { return 0 }
    let (s, e) = sliceBounds(len, start, end, step)
    if step > 0 { return e > s ? (e - s + step - 1) / step : 0 }
    return s > e ? (s - e - step - 1) / (-step) : 0
}
