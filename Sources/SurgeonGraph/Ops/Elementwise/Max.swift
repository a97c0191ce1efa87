import SurgeonTensor

/// Max: elementwise maximum of one or more tensors, all broadcast together (NaN propagates).
enum Max {
    static func register(_ r: inout OpRegistry) {
        r.register("Max", since: 1) { ctx in
            [.tensor(try foldInputs(ctx) { a, b in
                try binaryNumeric(
                    a, b, "Max",
                    float: { $0 >= $1 || $0.isNaN ? $0 : $1 }, double: { $0 >= $1 || $0.isNaN ? $0 : $1 },
                    int: { Swift.max($0, $1) }, uint: { Swift.max($0, $1) })
            })]
        }
    }
}
