import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor

/// Evaluates expressions against a session's variables and last results.
struct Evaluator {
    let session: Session

    func eval(_ e: Expr) throws -> ShellValue {
        switch e {
        case .number(let v, let isInt, _):
            if isInt, let i = Int64(exactly: v) { return .tensor(Tensor(scalar: i), weak: true) }
            return .tensor(Tensor(scalar: Float(v)), weak: true)
        case .string(let s, _):
            return .string(s)
        case .name(let n, let col):
            return try lookupName(n, column: col)
        case .list(let items, let col):
            return .t(try literalTensor(.list(items, column: col)))
        case .tuple(let items, _):
            return .tuple(try items.map(eval))
        case .negate(let x, let col):
            let v = try eval(x)
            return .tensor(try negate(try tensor(v, col)), weak: isWeak(v))
        case .binary(let op, let l, let r, let col):
            return try binary(op, eval(l), eval(r), column: col)
        case .attribute(let base, let name, let col):
            let b = try eval(base)
            guard case .results(let res) = b else {
                throw ShellError("'.\(name)' works on run results (out), not on \(describe(b))", column: col)
            }
            guard let v = res.lookup(name) else {
                throw ShellError("no result '\(name)' in out" + suggestion(name, res.names + Array(res.aliases.keys)), column: col + 1)
            }
            return shellValue(v)
        case .index(let base, let items, let col):
            let b = try eval(base)
            if case .results(let res) = b {
                guard items.count == 1, case .at(let key) = items[0] else {
                    throw ShellError("index out with a position or a name: out[0], out[\"name\"]", column: col)
                }
                let k = try eval(key)
                if case .string(let s) = k {
                    guard let v = res.lookup(s) else {
                        throw ShellError("no result '\(s)' in out" + suggestion(s, res.names + Array(res.aliases.keys)), column: key.column)
                    }
                    return shellValue(v)
                }
                let i = try intValue(k, key.column)
                let j = i < 0 ? i + res.entries.count : i
                guard j >= 0 && j < res.entries.count else {
                    throw ShellError("out[\(i)] is out of range: the last run produced \(res.entries.count) result(s)", column: key.column)
                }
                return shellValue(res.entries[j].value)
            }
            if case .tuple(let vs) = b {
                guard items.count == 1, case .at(let key) = items[0] else { throw ShellError("index a tuple with one position", column: col) }
                let i = try intValue(try eval(key), key.column)
                let j = i < 0 ? i + vs.count : i
                guard j >= 0 && j < vs.count else { throw ShellError("tuple index \(i) out of range", column: key.column) }
                return vs[j]
            }
            let t = try tensor(b, col)
            var idx: [TensorIndex] = []
            for it in items {
                switch it {
                case .ellipsis: idx.append(.ellipsis)
                case .newAxis: idx.append(.newAxis)
                case .at(let x): idx.append(.at(try intValue(try eval(x), x.column)))
                case .slice(let a, let b2, let c):
                    idx.append(.range(start: try a.map { try intValue(try eval($0), $0.column) },
                                      stop: try b2.map { try intValue(try eval($0), $0.column) },
                                      step: try c.map { try intValue(try eval($0), $0.column) }))
                }
            }
            do { return .t(try t.subscripted(idx)) } catch { throw ShellError("\(error)", column: col) }
        case .call(let name, let args, let kwargs, let col):
            return try Builtins.call(name, args: args, kwargs: kwargs, column: col, evaluator: self)
        }
    }

    func shellValue(_ v: Value) -> ShellValue {
        switch v {
        case .tensor(let t): return .t(t)
        case .sequence(let s): return .sequence(s)
        case .optional(let o): return o.map(shellValue) ?? .none
        }
    }

    func lookupName(_ n: String, column: Int) throws -> ShellValue {
        if n == "out" {
            guard let r = session.lastResults else { throw ShellError("'out' is empty: nothing has been run yet (try `run`)", column: column) }
            return .results(r)
        }
        if let v = session.variables[n] { return v }
        if let d = DType(name: n) { return .dtype(d) }
        switch n {
        case "True", "true": return .tensor(Tensor(scalar: true), weak: true)
        case "False", "false": return .tensor(Tensor(scalar: false), weak: true)
        case "None": return .none
        case "nan": return .tensor(Tensor(scalar: Float.nan), weak: true)
        case "inf": return .tensor(Tensor(scalar: Float.infinity), weak: true)
        case "pi": return .tensor(Tensor(scalar: Float.pi), weak: true)
        default: break
        }
        let known = Array(session.variables.keys) + ["out"] + Builtins.names
        throw ShellError("unknown name '\(n)'" + suggestion(n, known), column: column)
    }

    func suggestion(_ n: String, _ among: [String]) -> String {
        let close = closest(n, among)
        return close.isEmpty ? "" : " (did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?)"
    }

    func isWeak(_ v: ShellValue) -> Bool { if case .tensor(_, true) = v { return true }; return false }

    func describe(_ v: ShellValue) -> String {
        switch v {
        case .tensor(let t, _): return "a tensor \(t.typeDescription)"
        case .results: return "run results"
        case .string: return "a string"
        case .tuple: return "a tuple"
        case .sequence: return "a sequence"
        case .dtype: return "a dtype"
        case .bool: return "a bool"
        case .none: return "None"
        }
    }

    func tensor(_ v: ShellValue, _ column: Int) throws -> Tensor {
        switch v {
        case .tensor(let t, _): return t
        case .bool(let b): return Tensor(scalar: b)
        case .tuple(let items):
            // (1, 2) used as a value: a 1-D tensor
            return try literalTensorFromValues(items, column: column)
        default: throw ShellError("expected a tensor, got \(describe(v))", column: column)
        }
    }

    func intValue(_ v: ShellValue, _ column: Int) throws -> Int {
        guard case .tensor(let t, _) = v, t.count == 1, t.dtype != .string else {
            throw ShellError("expected an integer, got \(describe(v))", column: column)
        }
        let d = t.doubleArray()[0]
        guard d == d.rounded(), abs(d) < 1e15 else { throw ShellError("expected an integer, got \(d)", column: column) }
        return Int(d)
    }

    func doubleValue(_ v: ShellValue, _ column: Int) throws -> Double {
        guard case .tensor(let t, _) = v, t.count == 1, t.dtype != .string else {
            throw ShellError("expected a number, got \(describe(v))", column: column)
        }
        return t.doubleArray()[0]
    }

    /// `[[1, 2], [3, 4]]` → int64 tensor, or float32 when any element is a float.
    func literalTensor(_ e: Expr) throws -> Tensor {
        var values: [Double] = []
        var isFloat = false
        var isBool = true
        func shape(_ e: Expr) throws -> [Int] {
            if case .list(let items, let col) = e {
                let shapes = try items.map(shape)
                guard let first = shapes.first else { return [0] }
                guard shapes.allSatisfy({ $0 == first }) else { throw ShellError("ragged nested list", column: col) }
                return [items.count] + first
            }
            let v = try eval(e)
            guard case .tensor(let t, _) = v, t.count == 1 else { throw ShellError("list elements must be numbers", column: e.column) }
            if t.dtype.isFloatingPoint { isFloat = true }
            if t.dtype != .bool { isBool = false }
            values.append(t.doubleArray()[0])
            return []
        }
        let s = try shape(e)
        let dtype: DType = isBool && !values.isEmpty ? .bool : isFloat ? .float32 : (values.isEmpty ? .float32 : .int64)
        return try Tensor(doubles: values, shape: s, dtype: dtype)
    }

    func literalTensorFromValues(_ items: [ShellValue], column: Int) throws -> Tensor {
        let ts = try items.map { try tensor($0, column) }
        let isFloat = ts.contains { $0.dtype.isFloatingPoint }
        return try Tensor(doubles: ts.flatMap { $0.doubleArray() }, shape: [ts.count], dtype: isFloat ? .float32 : .int64)
    }

    // MARK: arithmetic

    func negate(_ t: Tensor) throws -> Tensor {
        switch t.dtype.computeClass {
        case .float32: return try map1(t, Float.self, Float.self) { -$0 }
        case .float64: return try map1(t, Double.self, Double.self) { -$0 }
        case .reducedFloat: return try map1(t.cast(to: .float32), Float.self, Float.self) { -$0 }.cast(to: t.dtype)
        case .signed, .unsigned: return try map1(t.cast(to: .int64), Int64.self, Int64.self) { 0 &- $0 }.cast(to: t.dtype)
        default: throw ShellError("cannot negate a \(t.dtype) tensor")
        }
    }

    func binary(_ op: String, _ l: ShellValue, _ r: ShellValue, column: Int) throws -> ShellValue {
        var a = try tensor(l, column), b = try tensor(r, column)
        let weakA = isWeak(l), weakB = isWeak(r)
        let target = promote(a.dtype, weakA, b.dtype, weakB)
        var dt = target
        if op == "/" && !dt.isFloatingPoint { dt = .float32 }
        if op == "@" && dt == .bool { dt = .float32 }
        a = try a.cast(to: dt)
        b = try b.cast(to: dt)
        let opType: String
        switch op {
        case "+": opType = "Add"
        case "-": opType = "Sub"
        case "*": opType = "Mul"
        case "/": opType = "Div"
        case "@": opType = "MatMul"
        default: throw ShellError("unknown operator \(op)", column: column)
        }
        do {
            return .tensor(try runOp(opType, [a, b]), weak: weakA && weakB)
        } catch let e as ShellError {
            throw ShellError(e.message, column: e.column ?? column)
        } catch {
            throw ShellError("\(op): \(error)", column: column)
        }
    }

    /// PyTorch-like promotion: a weak scalar takes the other side's type unless it is a float
    /// meeting an integer; otherwise the wider kind wins (float over int over bool).
    func promote(_ a: DType, _ weakA: Bool, _ b: DType, _ weakB: Bool) -> DType {
        if a == b { return a }
        if weakA && !weakB { return (a.isFloatingPoint && !b.isFloatingPoint) ? .float32 : b }
        if weakB && !weakA { return (b.isFloatingPoint && !a.isFloatingPoint) ? .float32 : a }
        func rank(_ d: DType) -> Int {
            switch d {
            case .bool: return 0
            case .int2, .uint2, .int4, .uint4: return 1
            case .uint8: return 2
            case .int8: return 3
            case .int16, .uint16: return 4
            case .int32, .uint32: return 5
            case .int64, .uint64: return 6
            case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1: return 7
            case .float16: return 8
            case .bfloat16: return 9
            case .float32: return 10
            case .float64: return 11
            case .string: return 12
            }
        }
        return rank(a) >= rank(b) ? a : b
    }
}

/// Runs one ONNX kernel from the standard registry on tensors (shell arithmetic and functions
/// reuse the interpreter's kernels).
func runOp(_ op: String, _ inputs: [Tensor?], _ attributes: [Attribute] = [], opset: Int = 18, outputs: Int = 1) throws -> Tensor {
    try runOpAll(op, inputs, attributes, opset: opset, outputs: outputs)[0]
}

func runOpAll(_ op: String, _ inputs: [Tensor?], _ attributes: [Attribute] = [], opset: Int = 18, outputs: Int = 1) throws -> [Tensor] {
    guard let kernel = OpRegistry.standard.kernel(domain: "", op: op, opset: opset) else {
        throw ShellError("this build has no \(op) kernel")
    }
    let node = Node(name: op, opType: op, inputs: inputs.enumerated().map { $0.element == nil ? "" : "i\($0.offset)" },
                    outputs: (0..<outputs).map { "o\($0)" }, attributes: attributes)
    let ctx = OpContext(node: node, inputs: inputs.map { $0.map { Value.tensor($0) } }, opset: opset) { _, _ in
        throw ShellError("subgraphs are not available here")
    }
    do {
        return try kernel(ctx).map { try $0.asTensor() }
    } catch let e as ShellError { throw e } catch {
        throw ShellError("\(error)")
    }
}

/// Up to three names within a small edit distance, closest first.
func closest(_ name: String, _ among: [String]) -> [String] {
    closestNames(name, among: Array(Set(among)))
}
