import SurgeonTensor

/// BlackmanWindow: 0.42 - 0.5 cos(2πn/N) + 0.08 cos(4πn/N).
enum BlackmanWindow {
    static func register(_ r: inout OpRegistry) {
        r.register("BlackmanWindow", since: 17) { ctx in try cfCosineWindow(ctx, 0.42, 0.5, 0.08) }
    }
}
