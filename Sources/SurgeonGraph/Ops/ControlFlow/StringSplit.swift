import SurgeonTensor

/// StringSplit: splits each string by `delimiter` (Python `str.split` semantics; absent or
/// empty splits on runs of whitespace), at most `maxsplit` times. Outputs: the pieces, padded
/// with "" to the longest split (shape X.shape + [n]), and each element's piece count.
enum StringSplit {
    static func register(_ r: inout OpRegistry) {
        r.register("StringSplit", since: 20) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype == .string else { throw ctx.error("needs a string input, got \(x.dtype)") }
            let delimiter = try ctx.string("delimiter", "")
            let maxsplit = try ctx.intIfPresent("maxsplit")
            let pieces = x.strings.map { s in
                delimiter.isEmpty ? splitWhitespace(s, maxsplit: maxsplit) : split(s, by: delimiter, maxsplit: maxsplit)
            }
            let width = pieces.map(\.count).max() ?? 0
            var flat: [String] = []
            flat.reserveCapacity(pieces.count * width)
            for p in pieces { flat += p + Array(repeating: "", count: width - p.count) }
            return [
                .tensor(Tensor(shape: x.shape + [width], strings: flat)),
                .tensor(try Tensor(int64s: pieces.map { Int64($0.count) }, shape: x.shape)),
            ]
        }
    }

    /// Python `s.split(delimiter, maxsplit)`.
    static func split(_ s: String, by delimiter: String, maxsplit: Int?) -> [String] {
        let chars = Array(s.unicodeScalars), delim = Array(delimiter.unicodeScalars)
        var out: [String] = []
        var start = 0, i = 0
        let limit = maxsplit.map { $0 < 0 ? Int.max : $0 } ?? Int.max
        while i + delim.count <= chars.count && out.count < limit {
            if Array(chars[i..<(i + delim.count)]) == delim {
                out.append(string(chars[start..<i]))
                i += delim.count
                start = i
            } else {
                i += 1
            }
        }
        out.append(string(chars[start...]))
        return out
    }

    /// Python `s.split(None, maxsplit)`: runs of whitespace separate, leading whitespace is
    /// dropped, and the unsplit remainder keeps its trailing whitespace (as CPython).
    static func splitWhitespace(_ s: String, maxsplit: Int?) -> [String] {
        let chars = Array(s.unicodeScalars)
        let limit = maxsplit.map { $0 < 0 ? Int.max : $0 } ?? Int.max
        var out: [String] = []
        var i = 0
        let n = chars.count
        while i < n {
            while i < n && chars[i].properties.isWhitespace { i += 1 }
            if i >= n { break }
            if out.count == limit {
                out.append(string(chars[i..<n]))
                break
            }
            let start = i
            while i < n && !chars[i].properties.isWhitespace { i += 1 }
            out.append(string(chars[start..<i]))
        }
        return out
    }

    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: scalars)
        return String(v)
    }
}
