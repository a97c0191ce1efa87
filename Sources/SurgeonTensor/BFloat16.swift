/// The bfloat16 format: the top 16 bits of a float32.
public struct BFloat16: Sendable, Equatable {
    public var bitPattern: UInt16

    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// Rounds to nearest even, as PyTorch and onnxruntime do; NaN stays NaN (quiet, top
    /// payload bits kept). Both results are computed and one selected, so loops vectorise.
    @inlinable @inline(__always)
    public init(_ value: Float) {
        let bits = value.bitPattern
        let nan = (bits >> 16) | 0x40
        let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16
        bitPattern = UInt16(truncatingIfNeeded: (bits & 0x7FFF_FFFF) > 0x7F80_0000 ? nan : rounded)
    }

    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }
}
