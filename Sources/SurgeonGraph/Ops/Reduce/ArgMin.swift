/// ArgMin: int64 index of the smallest element along `axis` (default 0), `keepdims` (default 1),
/// `select_last_index` (opset 12) picks the last of equal minima instead of the first.
enum ArgMin {
    static func register(_ r: inout OpRegistry) {
        r.register("ArgMin", since: 1) { ctx in [.tensor(try ArgMax.run(ctx, largest: false))] }
    }
}
