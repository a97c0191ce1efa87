import SurgeonTensor

/// Min: elementwise minimum of one or more tensors, all broadcast together (NaN propagates).
enum Min {
    static func register(_ r: inout OpRegistry) {
        r.register("Min", since: 1) { ctx in
            [.tensor(try foldInputs(ctx) { a, b in
                try binaryNumeric(
                    a, b, "Min",
                    float: { $0 <= $1 || $0.isNaN ? $0 : $1 }, double: { $0 <= $1 || $0.isNaN ? $0 : $1 },
                    int: { Swift.min($0, $1) }, uint: { Swift.min($0, $1) })
            })]
        }
    }
}
