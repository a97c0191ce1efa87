import Foundation
import SurgeonTensor

/// Formats tensors the way PyTorch prints them: `tensor([[-0.2726,  0.0910]])`, four decimals,
/// scientific notation when the magnitudes call for it, integers as `1.`, summarised with `...`
/// past 1000 elements (three items at each edge). Non-float32 tensors end with `dtype=...`.
public struct TensorFormatter {
    public var threshold = 1000
    public var edgeItems = 3
    public var precision = 4
    public var lineWidth = 80

    public init() {}

    /// `tensor(...)`; `indent` is the column where the text starts (continuation lines align).
    public func format(_ t: Tensor, indent: Int = 0) -> String {
        let summarize = t.count > threshold
        let cell = makeCellFormatter(t, summarize: summarize)
        var body: String
        if t.count == 0 {
            body = "[]"
        } else if t.rank == 0 {
            body = cell(0)
        } else {
            body = formatDims(t, dim: 0, offset: 0, indent: indent + 7, summarize: summarize, cell: cell, width: cell.width)
        }
        var suffix: [String] = []
        if t.count == 0 && t.rank != 1 { suffix.append("size=(\(t.shape.map(String.init).joined(separator: ", "))\(t.rank == 1 ? "," : ""))") }
        if t.dtype != .float32 { suffix.append("dtype=\(t.dtype)") }
        if summarize { suffix.append("shape=\(shapeString(t.shape))") }
        return "tensor(" + body + (suffix.isEmpty ? "" : ", " + suffix.joined(separator: ", ")) + ")"
    }

    struct Cell {
        let width: Int
        let text: (Int) -> String
        func callAsFunction(_ i: Int) -> String {
            let s = text(i)
            return String(repeating: " ", count: max(0, width - s.count)) + s
        }
    }

    func makeCellFormatter(_ t: Tensor, summarize: Bool) -> Cell {
        // Which elements are shown decides the width and mode, as in PyTorch.
        let shown = summarize ? shownIndices(t.shape) : Array(0..<t.count)
        if t.dtype == .bool {
            let v = t.boolArray()
            let w = shown.contains { !v[$0] } ? 5 : 4
            return Cell(width: w) { v[$0] ? "True" : "False" }
        }
        if t.dtype == .string {
            let v = t.strings
            let w = shown.map { v[$0].count + 2 }.max() ?? 2
            return Cell(width: w) { "'\(v[$0])'" }
        }
        if !t.dtype.isFloatingPoint {
            let v = t.dtype == .uint64 ? t.uint64Array().map { String($0) } : t.int64Array().map { String($0) }
            let w = shown.map { v[$0].count }.max() ?? 1
            return Cell(width: w) { v[$0] }
        }
        let v = t.doubleArray()
        let finite = shown.map { v[$0] }.filter { $0.isFinite }
        let nonzero = finite.map(abs).filter { $0 != 0 }
        let intMode = finite.allSatisfy { $0 == $0.rounded() }
        var sci = false
        if let mx = nonzero.max(), let mn = nonzero.min() {
            sci = intMode ? (mx / mn > 1000 || mx > 1e8) : (mx / mn > 1000 || mx > 1e8 || mn < 1e-4)
        }
        let p = precision
        let fmt: (Double) -> String = { x in
            if x.isNaN { return "nan" }
            if x.isInfinite { return x > 0 ? "inf" : "-inf" }
            if sci { return String(format: "%.\(p)e", x) }
            if intMode { return String(format: "%.0f.", x) }
            return String(format: "%.\(p)f", x)
        }
        // PyTorch sizes the column by the non-zero finite values only: `[nan, inf, -inf]`
        // prints unpadded, `[1., -inf]` pads `1.` to two characters, not four.
        let w = shown.map { v[$0] }.filter { $0.isFinite && $0 != 0 }.map { fmt($0).count }.max() ?? 1
        return Cell(width: w) { fmt(v[$0]) }
    }

    func shownIndices(_ shape: [Int]) -> [Int] {
        var result: [Int] = []
        let strides = contiguousStrides(shape)
        func visit(_ d: Int, _ base: Int) {
            if d == shape.count { result.append(base); return }
            let n = shape[d]
            let idx = n > 2 * edgeItems ? Array(0..<edgeItems) + Array((n - edgeItems)..<n) : Array(0..<n)
            for i in idx { visit(d + 1, base + i * strides[d]) }
        }
        visit(0, 0)
        return result
    }

    func formatDims(_ t: Tensor, dim: Int, offset: Int, indent: Int, summarize: Bool, cell: Cell, width: Int) -> String {
        let n = t.shape[dim]
        let stride = contiguousStrides(t.shape)[dim]
        let cut = summarize && n > 2 * edgeItems
        let indices: [Int?] = cut ? Array(0..<edgeItems).map { $0 } + [nil] + Array((n - edgeItems)..<n).map { $0 } : Array(0..<n)
        if dim == t.rank - 1 {
            let items = indices.map { $0.map { cell(offset + $0) } ?? " ..." }
            // Wrap long rows at lineWidth like PyTorch.
            let perLine = max(1, (lineWidth - indent - 1) / (width + 2))
            if items.count <= perLine { return "[" + items.joined(separator: ", ") + "]" }
            var lines: [String] = []
            var i = 0
            while i < items.count {
                lines.append(items[i..<min(i + perLine, items.count)].joined(separator: ", "))
                i += perLine
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        let sep = "," + String(repeating: "\n", count: t.rank - dim - 1) + String(repeating: " ", count: indent + 1)
        let parts = indices.map { i -> String in
            guard let i else { return "..." }
            return formatDims(t, dim: dim + 1, offset: offset + i * stride, indent: indent + 1, summarize: summarize, cell: cell, width: width)
        }
        return "[" + parts.joined(separator: sep) + "]"
    }
}
