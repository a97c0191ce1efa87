import SurgeonTensor

/// GlobalMaxPool: max over all spatial axes of `[N, C, spatial...]`, keeping them as 1s.
enum GlobalMaxPool {
    static func register(_ r: inout OpRegistry) {
        r.register("GlobalMaxPool", since: 1) { ctx in
            [.tensor(try globalPool(ctx.tensor(0), op: "GlobalMaxPool", max: true))]
        }
    }
}
