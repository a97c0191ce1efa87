import SurgeonTensor
import Testing

/// `VectorMath.streamCopy`: exactly the source's bytes at every level this CPU runs (0 is the
/// plain copy), for lengths around whole 64-byte lines at every alignment of both ends, and
/// nothing written outside the destination range.
@Suite struct StreamCopyTests {
    @Test func copiesExactlyTheBytesAtEveryLevel() {
        let size = 1024
        let source = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let lengths = [0, 1, 31, 32, 63, 64, 65, 127, 128, 129, 200, 255, 256, 257, 700]
        for level in 0...VectorMath.streamLevel {
            for bytes in lengths {
                for (so, dOff) in [(0, 0), (1, 3), (5, 64), (33, 17), (64, 63)] {
                    var d = [UInt8](repeating: 0xEE, count: size)
                    source.withUnsafeBytes { s in
                        d.withUnsafeMutableBytes { dp in
                            guard let sb = s.baseAddress, let db = dp.baseAddress else { return }
                            VectorMath.streamCopy(db + dOff, sb + so, bytes, level: level)
                        }
                    }
                    VectorMath.streamFence()
                    let want = (0..<size).map { i in i >= dOff && i < dOff + bytes ? source[so + i - dOff] : 0xEE }
                    #expect(d == want, "level \(level) bytes \(bytes) source offset \(so) destination offset \(dOff)")
                }
            }
        }
    }
}
