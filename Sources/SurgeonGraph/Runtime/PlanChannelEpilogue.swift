import SurgeonTensor

extension Epilogue {
    /// An Add / Sub / Mul epilogue whose other operand holds one value per channel of y
    /// ([1, C, 1, 1] against [N, C, H, W]: a bias or scale the exporter left as its own node),
    /// applied in place: no second activation-sized buffer. false when `o` is not of that form.
    static func applyPerChannel(_ op: Binary, _ p: UnsafeMutablePointer<Float>, _ shape: [Int], _ o: Tensor,
                                _ q: UnsafePointer<Float>, reversed: Bool) -> Bool {
        guard let (outer, channels, inner) = singleAxisBroadcast(shape, o.shape) else { return false }
        withExtendedLifetime(o) {
            switch op {
            case .add: channelInPlaceF32(p, outer: outer, channels: channels, inner: inner, q, reversed: false, AddF.self)
            case .mul: channelInPlaceF32(p, outer: outer, channels: channels, inner: inner, q, reversed: false, MulF.self)
            case .sub: channelInPlaceF32(p, outer: outer, channels: channels, inner: inner, q, reversed: reversed, SubF.self)
            }
        }
        return true
    }
}
