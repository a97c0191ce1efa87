import SurgeonTensor

/// StringNormalizer: drops stop words (whole elements; compared case-insensitively unless
/// `is_case_sensitive`), then changes case (`case_change_action` LOWER, UPPER or NONE).
/// Input [C] or [1, C]; when nothing is left the output is one empty string.
enum StringNormalizer {
    static func register(_ r: inout OpRegistry) {
        r.register("StringNormalizer", since: 10) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype == .string else { throw ctx.error("needs a string input, got \(x.dtype)") }
            guard x.rank == 1 || (x.rank == 2 && x.shape[0] == 1) else {
                throw ctx.error("input must be [C] or [1, C], got \(shapeString(x.shape))")
            }
            let action = try ctx.string("case_change_action", "NONE")
            guard ["LOWER", "UPPER", "NONE"].contains(action) else {
                throw ctx.error("unknown case_change_action '\(action)'")
            }
            let sensitive = try ctx.int("is_case_sensitive", 0) != 0
            let stops = try ctx.strings("stopwords") ?? []
            let stopSet = Set(sensitive ? stops : stops.map { $0.lowercased() })
            var kept = x.strings.filter { !stopSet.contains(sensitive ? $0 : $0.lowercased()) }
            switch action {
            case "LOWER": kept = kept.map { $0.lowercased() }
            case "UPPER": kept = kept.map { $0.uppercased() }
            default: break
            }
            if kept.isEmpty { kept = [""] }
            let shape = x.rank == 1 ? [kept.count] : [1, kept.count]
            return [.tensor(Tensor(shape: shape, strings: kept))]
        }
    }
}
