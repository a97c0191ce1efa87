import SurgeonTensor

/// TfIdfVectorizer: counts the n-grams of a pool (`pool_strings` or `pool_int64s`, grouped by
/// size through `ngram_counts`) in each row of the input ([C] or [B, C]), n-grams of
/// `min_gram_length`...`max_gram_length` items taken with up to `max_skip_count` skipped items
/// between them (unigrams once). Counts land at `ngram_indexes`; `mode` TF, IDF or TFIDF
/// applies `weights`. Output float32 [outputSize] or [B, outputSize].
enum TfIdfVectorizer {
    enum Item: Hashable { case string(String), int(Int64) }

    static func register(_ r: inout OpRegistry) {
        r.register("TfIdfVectorizer", since: 9) { ctx in
            let x = try ctx.tensor(0)
            let minN = try ctx.int("min_gram_length", 1), maxN = try ctx.int("max_gram_length", 1)
            let maxSkip = try ctx.int("max_skip_count", 0)
            let mode = try ctx.string("mode", "TF")
            guard ["TF", "IDF", "TFIDF"].contains(mode) else { throw ctx.error("unknown mode '\(mode)'") }
            guard minN >= 1, maxN >= minN, maxSkip >= 0 else {
                throw ctx.error("invalid gram lengths \(minN)...\(maxN) or skip count \(maxSkip)")
            }
            let counts = try ctx.ints("ngram_counts") ?? []
            let indexes = try ctx.ints("ngram_indexes") ?? []
            let weights = try ctx.floats("weights") ?? []
            let pool: [Item]
            if let p = try ctx.strings("pool_strings") { pool = p.map { .string($0) } }
            else if let p = try ctx.ints("pool_int64s") { pool = p.map { .int(Int64($0)) } }
            else { throw ctx.error("needs pool_strings or pool_int64s") }
            guard let maxIndex = indexes.max(), indexes.allSatisfy({ $0 >= 0 }) else {
                throw ctx.error("needs non-negative ngram_indexes")
            }
            let outSize = maxIndex + 1
            if !weights.isEmpty && weights.count < outSize {
                throw ctx.error("\(weights.count) weights for \(outSize) outputs")
            }

            // n-gram (as items) -> output index.
            var table: [[Item]: Int] = [:]
            var id = 0
            for (g, start) in counts.enumerated() {
                let size = g + 1
                let end = g + 1 < counts.count ? counts[g + 1] : pool.count
                guard start >= 0, end >= start, end <= pool.count else { throw ctx.error("ngram_counts \(counts) do not fit the pool") }
                var p = start
                while p + size <= end {
                    guard id < indexes.count else { throw ctx.error("fewer ngram_indexes than n-grams in the pool") }
                    if size >= minN && size <= maxN && table[Array(pool[p..<(p + size)])] == nil {
                        table[Array(pool[p..<(p + size)])] = indexes[id]
                    }
                    id += 1
                    p += size
                }
            }

            let rows: Int, width: Int
            switch x.rank {
            case 0: rows = 1; width = 1
            case 1: rows = 1; width = x.shape[0]
            case 2: rows = x.shape[0]; width = x.shape[1]
            default: throw ctx.error("input must be [C] or [B, C], got \(shapeString(x.shape))")
            }
            let items: [Item] = x.dtype == .string ? x.strings.map { .string($0) } : x.int64Array().map { .int($0) }
            var freq = [Double](repeating: 0, count: rows * outSize)
            for r in 0..<rows {
                let row = Array(items[(r * width)..<((r + 1) * width)])
                for n in minN...maxN {
                    let skips = n == 1 ? 0 : maxSkip
                    for skip in 0...skips {
                        let dist = skip + 1
                        var start = 0
                        while start + dist * (n - 1) < width {
                            let gram = (0..<n).map { row[start + $0 * dist] }
                            if let o = table[gram] { freq[r * outSize + o] += 1 }
                            start += 1
                        }
                    }
                }
            }
            var out = freq
            for k in 0..<out.count {
                let w = weights.isEmpty ? 1 : Double(weights[k % outSize])
                switch mode {
                case "IDF": out[k] = freq[k] > 0 ? w : 0
                case "TFIDF": out[k] = freq[k] * w
                default: break
                }
            }
            let shape = x.rank == 2 ? [rows, outSize] : [outSize]
            return [.tensor(try Tensor(doubles: out, shape: shape, dtype: .float32))]
        }
    }
}
