import SurgeonTensor

/// HammingWindow: 25/46 - 21/46 cos(2πn/N).
enum HammingWindow {
    static func register(_ r: inout OpRegistry) {
        r.register("HammingWindow", since: 17) { ctx in try cfCosineWindow(ctx, 25.0 / 46.0, 21.0 / 46.0, 0) }
    }
}
