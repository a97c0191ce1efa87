import Foundation
import SurgeonGraph
import SurgeonTensor

/// Text for values: tensors like PyTorch, tuples and lists like Python, stats like Polygraphy.
enum Printer {
    static func format(_ v: ShellValue, indent: Int = 0) -> String {
        switch v {
        case .tensor(let t, _): return TensorFormatter().format(t, indent: indent)
        case .string(let s): return "'\(s)'"
        case .tuple(let items): return "(" + items.map { format($0, indent: indent + 1) }.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .sequence(let ts): return "[" + ts.map { TensorFormatter().format($0, indent: indent + 1) }.joined(separator: ", ") + "]"
        case .dtype(let d): return String(describing: d)
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .results(let r):
            return r.entries.map { labelled($0.label, $0.value) }.joined(separator: "\n")
        }
    }

    static func labelled(_ label: String, _ v: Value) -> String {
        let prefix = label + ": "
        switch v {
        case .tensor(let t): return prefix + TensorFormatter().format(t, indent: prefix.count)
        case .sequence(let ts): return prefix + "[" + ts.map { TensorFormatter().format($0, indent: prefix.count + 1) }.joined(separator: ", ") + "]"
        case .optional(let o): return o.map { labelled(label, $0) } ?? prefix + "None"
        }
    }

    /// `float32[2,3] mean=0.1 std=1.0 min=-1.5 at (1, 2) max=2.0 at (0, 0) nan=0 inf=0`
    static func stats(_ t: Tensor) -> String {
        guard t.dtype != .string else { return "\(t.typeDescription) (strings)" }
        let v = t.doubleArray()
        var nan = 0, inf = 0, n = 0
        var sum = 0.0, mn = Double.infinity, mx = -Double.infinity, mnAt = -1, mxAt = -1
        for (i, x) in v.enumerated() {
            if x.isNaN { nan += 1; continue }
            if x.isInfinite { inf += 1 }
            if x < mn || mnAt < 0 { mn = x; mnAt = i }
            if x > mx || mxAt < 0 { mx = x; mxAt = i }
            if x.isFinite { sum += x; n += 1 }
        }
        let mean = n > 0 ? sum / Double(n) : .nan
        var sq = 0.0
        for x in v where x.isFinite { sq += (x - mean) * (x - mean) }
        let std = n > 0 ? (sq / Double(n)).squareRoot() : .nan
        func at(_ i: Int) -> String {
            guard i >= 0 else { return "" }
            let strides = contiguousStrides(t.shape)
            var rem = i
            let idx = strides.map { s -> Int in let q = rem / s; rem %= s; return q }
            return " at (" + idx.map(String.init).joined(separator: ", ") + (idx.count == 1 ? ",)" : ")")
        }
        func num(_ x: Double) -> String {
            if x.isNaN { return "nan" }
            if x.isInfinite { return x > 0 ? "inf" : "-inf" }
            return String(format: "%.5g", x)
        }
        if t.count == 0 { return "\(t.typeDescription) empty" }
        return "\(t.typeDescription) mean=\(num(mean)) std=\(num(std)) min=\(num(mnAt >= 0 ? mn : .nan))\(at(mnAt)) max=\(num(mxAt >= 0 ? mx : .nan))\(at(mxAt)) nan=\(nan) inf=\(inf)"
    }
}
