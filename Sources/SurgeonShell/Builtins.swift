import Foundation
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor

/// The functions of the expression language.
enum Builtins {
    static let names = [
        "rand", "randn", "zeros", "ones", "full", "arange", "randint", "load",
        "abs", "sum", "mean", "min", "max", "argmax", "argmin", "softmax", "topk", "reshape", "transpose",
        "cosine", "allclose", "exp", "log", "sqrt", "tensor", "float", "int", "cast",
    ]

    static func call(_ name: String, args: [Expr], kwargs: [(String, Expr)], column: Int, evaluator ev: Evaluator) throws -> ShellValue {
        let values = try args.map { try ev.eval($0) }
        var kw: [String: ShellValue] = [:]
        for (k, e) in kwargs { kw[k] = try ev.eval(e) }
        func arg(_ i: Int, _ what: String) throws -> ShellValue {
            guard i < values.count else { throw ShellError("\(name)() needs \(what)", column: column) }
            return values[i]
        }
        func tensorArg(_ i: Int) throws -> Tensor { try ev.tensor(try arg(i, "a tensor argument \(i + 1)"), args[i].column) }
        func dtypeKw(_ d: DType) throws -> DType {
            guard let v = kw["dtype"] else { return d }
            switch v {
            case .dtype(let x): return x
            case .string(let s):
                guard let x = DType(name: s) else { throw ShellError("unknown dtype '\(s)'", column: column) }
                return x
            default: throw ShellError("dtype= takes a type name such as float32 or int64", column: column)
            }
        }
        func dimKw(_ position: Int?) throws -> Int? {
            if let v = kw["dim"] ?? kw["axis"] { if case .none = v { return nil }; return try ev.intValue(v, column) }
            if let position, position < values.count { return try ev.intValue(values[position], args[position].column) }
            return nil
        }
        func keepdim() throws -> Bool {
            guard let v = kw["keepdim"] ?? kw["keepdims"] else { return false }
            return try ev.intValue(v, column) != 0
        }
        /// Shape from `f(1, 2, 3)` or `f((1, 2, 3))`.
        func shapeArgs(from: Int, count: Int? = nil) throws -> [Int] {
            let end = count.map { from + $0 } ?? values.count
            let slice = Array(values[min(from, values.count)..<min(end, values.count)])
            if slice.count == 1, case .tuple(let items) = slice[0] {
                return try items.map { try ev.intValue($0, column) }
            }
            if slice.count == 1, case .tensor(let t, _) = slice[0], t.rank == 1 { return t.intArray() }
            return try slice.enumerated().map { try ev.intValue($0.element, args[from + $0.offset].column) }
        }
        func fill(_ shape: [Int], _ dtype: DType, _ gen: (inout SeededRandom) -> Float) throws -> Tensor {
            let n = try Tensor.checkedCount(shape, dtype: dtype)
            var v = [Float](repeating: 0, count: n)
            for i in 0..<n { v[i] = gen(&ev.session.rng) }
            return try Tensor(floats: v, shape: shape, dtype: dtype)
        }
        func reduce(_ op: String) throws -> ShellValue {
            let t = try tensorArg(0)
            guard let d = try dimKw(1) else {
                let flat = try t.reshaped([t.count])
                let r = try runOp(op, [flat], [Attribute(name: "axes", value: .ints([0])), Attribute(name: "keepdims", value: .int(0))], opset: 11)
                return .t(r)
            }
            let axis = try normalizeAxis(d, rank: t.rank)
            return .t(try runOp(op, [t], [Attribute(name: "axes", value: .ints([axis])), Attribute(name: "keepdims", value: .int(try keepdim() ? 1 : 0))], opset: 11))
        }

        do {
            switch name {
            case "rand": return .t(try fill(try shapeArgs(from: 0), try dtypeKw(.float32)) { $0.uniform() })
            case "randn": return .t(try fill(try shapeArgs(from: 0), try dtypeKw(.float32)) { $0.normal() })
            case "zeros": return .t(try Tensor(zeros: try dtypeKw(.float32), shape: try shapeArgs(from: 0)))
            case "ones":
                let shape = try shapeArgs(from: 0)
                return .t(try Tensor(doubles: [Double](repeating: 1, count: try Tensor.checkedCount(shape, dtype: .float32)), shape: shape, dtype: try dtypeKw(.float32)))
            case "full":
                let shape = try shapeArgs(from: 0, count: 1)
                let fillValue = try arg(1, "a fill value")
                let v = try ev.doubleValue(fillValue, args[1].column)
                let dflt: DType = { if case .tensor(let t, _) = fillValue { return t.dtype.isFloatingPoint ? .float32 : (t.dtype == .bool ? .bool : .int64) }; return .float32 }()
                let n = try Tensor.checkedCount(shape, dtype: .float64)
                return .t(try Tensor(doubles: [Double](repeating: v, count: n), shape: shape, dtype: try dtypeKw(dflt)))
            case "arange":
                var start = 0.0, stop = 0.0, step = 1.0
                let nums = try values.enumerated().map { try ev.doubleValue($0.element, args[$0.offset].column) }
                switch nums.count {
                case 1: stop = nums[0]
                case 2: start = nums[0]; stop = nums[1]
                case 3: start = nums[0]; stop = nums[1]; step = nums[2]
                default: throw ShellError("arange takes (stop), (start, stop) or (start, stop, step)", column: column)
                }
                guard step != 0 else { throw ShellError("arange step cannot be zero", column: column) }
                let span = ((stop - start) / step).rounded(.up)
                guard span.isFinite else {
                    throw ShellError("arange needs finite start, stop and step (got \(start), \(stop), \(step))", column: column)
                }
                guard span < 1e15 else { throw ShellError("arange would make \(span) elements: too many", column: column) }
                let n = max(0, Int(span))
                _ = try Tensor.checkedCount([n], dtype: .float64)
                let isFloat = values.contains { if case .tensor(let t, _) = $0 { return t.dtype.isFloatingPoint }; return false }
                return .t(try Tensor(doubles: (0..<n).map { start + Double($0) * step }, shape: [n], dtype: try dtypeKw(isFloat ? .float32 : .int64)))
            case "randint":
                let low = try ev.intValue(try arg(0, "low"), args[0].column)
                let high = try ev.intValue(try arg(1, "high"), args[1].column)
                guard high > low else { throw ShellError("randint needs low < high", column: column) }
                let shape = try shapeArgs(from: 2)
                let n = try Tensor.checkedCount(shape, dtype: .int64)
                var v = [Int64](repeating: 0, count: n)
                for i in 0..<n { v[i] = ev.session.rng.integer(Int64(low), Int64(high)) }
                return .t(try Tensor(int64s: v, shape: shape, dtype: try dtypeKw(.int64)))
            case "load":
                guard case .string(let path) = try arg(0, "a file name") else { throw ShellError("load() takes a file name in quotes", column: column) }
                return .t(try loadTensorFile(ev.session.resolvePath(path), key: values.count > 1 ? { if case .string(let k) = values[1] { return k }; return nil }() : nil))
            case "tensor":
                return .t(try ev.tensor(try arg(0, "values"), args[0].column).cast(to: try dtypeKw(try ev.tensor(values[0], args[0].column).dtype)))
            case "cast":
                let t = try tensorArg(0)
                guard values.count > 1, case .dtype(let d) = values[1] else { return .t(try t.cast(to: try dtypeKw(t.dtype))) }
                return .t(try t.cast(to: d))
            case "float": return .t(try tensorArg(0).cast(to: .float32))
            case "int": return .t(try tensorArg(0).cast(to: .int64))
            case "abs": return .t(try runOp("Abs", [try tensorArg(0)]))
            case "exp": return .t(try runOp("Exp", [try tensorArg(0).cast(to: .float32)]))
            case "log": return .t(try runOp("Log", [try tensorArg(0).cast(to: .float32)]))
            case "sqrt": return .t(try runOp("Sqrt", [try tensorArg(0).cast(to: .float32)]))
            case "sum": return try reduce("ReduceSum")
            case "mean":
                let t = try tensorArg(0)
                if !t.dtype.isFloatingPoint { throw ShellError("mean() needs a floating-point tensor, got \(t.dtype) (use float(x))", column: column) }
                return try reduce("ReduceMean")
            case "min", "max":
                if values.count >= 2, case .tensor(let other, _) = values[1], kw["dim"] == nil, other.count > 1 || other.rank > 0 {
                    return .t(try runOp(name == "min" ? "Min" : "Max", [try tensorArg(0), other]))
                }
                return try reduce(name == "min" ? "ReduceMin" : "ReduceMax")
            case "argmax", "argmin":
                let t = try tensorArg(0)
                let op = name == "argmax" ? "ArgMax" : "ArgMin"
                guard let d = try dimKw(1) else {
                    return .t(try runOp(op, [try t.reshaped([t.count])], [Attribute(name: "axis", value: .int(0)), Attribute(name: "keepdims", value: .int(0))]))
                }
                return .t(try runOp(op, [t], [Attribute(name: "axis", value: .int(d)), Attribute(name: "keepdims", value: .int(try keepdim() ? 1 : 0))]))
            case "softmax":
                let t = try tensorArg(0)
                return .t(try runOp("Softmax", [t.dtype.isFloatingPoint ? t : try t.cast(to: .float32)], [Attribute(name: "axis", value: .int(try dimKw(1) ?? -1))]))
            case "topk":
                let t = try tensorArg(0)
                let k = try ev.intValue(try kw["k"] ?? arg(1, "k"), column)
                let d = try dimKw(2) ?? -1
                let outs = try runOpAll("TopK", [t, try Tensor(ints: [k])], [Attribute(name: "axis", value: .int(d))], opset: 11, outputs: 2)
                return .tuple([.t(outs[0]), .t(outs[1])])
            case "reshape":
                let t = try tensorArg(0)
                let shape = try shapeArgs(from: 1)
                return .t(try runOp("Reshape", [t, try Tensor(ints: shape)]))
            case "transpose":
                let t = try tensorArg(0)
                var perm = Array((0..<t.rank).reversed())
                if values.count >= 3 {
                    let a = try normalizeAxis(try ev.intValue(values[1], args[1].column), rank: t.rank)
                    let b = try normalizeAxis(try ev.intValue(values[2], args[2].column), rank: t.rank)
                    perm = Array(0..<t.rank)
                    perm.swapAt(a, b)
                }
                return .t(try runOp("Transpose", [t], [Attribute(name: "perm", value: .ints(perm))]))
            case "cosine":
                let a = try tensorArg(0).doubleArray(), b = try tensorArg(1).doubleArray()
                guard a.count == b.count else { throw ShellError("cosine() needs tensors with the same number of elements (\(a.count) and \(b.count))", column: column) }
                var dot = 0.0, na = 0.0, nb = 0.0
                for i in 0..<a.count { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
                return .t(Tensor(scalar: Float(dot / max((na * nb).squareRoot(), 1e-12))))
            case "allclose":
                let a = try tensorArg(0), b = try tensorArg(1)
                let rtol = try kw["rtol"].map { try ev.doubleValue($0, column) } ?? 1e-5
                let atol = try kw["atol"].map { try ev.doubleValue($0, column) } ?? 1e-8
                let shape = try broadcastShapes([a.shape, b.shape])
                let x = try a.broadcast(to: shape).doubleArray(), y = try b.broadcast(to: shape).doubleArray()
                var ok = true
                for i in 0..<x.count where !(abs(x[i] - y[i]) <= atol + rtol * abs(y[i])) { ok = false; break }
                return .bool(ok)
            default:
                throw ShellError("unknown function '\(name)'" + ev.suggestion(name, names), column: column)
            }
        } catch let e as ShellError {
            throw ShellError(e.message, column: e.column ?? column)
        } catch {
            throw ShellError("\(name)(): \(error)", column: column)
        }
    }

    /// `.npy`, `.npz` (first array, or `key`), or `.pb` (TensorProto).
    static func loadTensorFile(_ path: String, key: String?) throws -> Tensor {
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") { return try NPY.read(path: path) }
        if lower.hasSuffix(".npz") {
            let all = try NPY.readArchive(path: path)
            if let key {
                guard let t = all.first(where: { $0.0 == key })?.1 else {
                    throw ShellError("\(path) has no array '\(key)'; it has \(all.map(\.0))")
                }
                return t
            }
            guard let first = all.first else { throw ShellError("\(path) has no arrays") }
            return first.1
        }
        if lower.hasSuffix(".pb") { return try ValueFiles.readTensorPB(path: path) }
        throw ShellError("load() reads .npy, .npz and .pb files, not '\(path)'")
    }
}
