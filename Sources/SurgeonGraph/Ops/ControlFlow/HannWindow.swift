import SurgeonTensor

/// HannWindow: 0.5 - 0.5 cos(2πn/N).
enum HannWindow {
    static func register(_ r: inout OpRegistry) {
        r.register("HannWindow", since: 17) { ctx in try cfCosineWindow(ctx, 0.5, 0.5, 0) }
    }
}
