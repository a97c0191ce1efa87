@testable import SurgeonGraph
import Testing

/// `QuantizedConv.toNHWC` (16 × 16 SSE2 blocks from 16 channels, else 8x8 blocks as 64-bit
/// words) against the byte-by-byte plain kernel:
/// channel and pixel counts with and without tails past whole blocks and 64-pixel tiles,
/// both shifts.
@Suite struct QuantizedConvLayoutTests {
    @Test func blockTransposeMatchesPlain() {
        var seed: UInt32 = 7
        func next() -> UInt8 { seed = seed &* 1664525 &+ 1013904223; return UInt8(truncatingIfNeeded: seed >> 13) }
        var checked = 0
        for (c, h, w) in [(8, 8, 8), (1, 3, 5), (3, 224, 3), (64, 7, 9), (13, 11, 13), (24, 1, 67), (17, 9, 8), (512, 7, 7),
                          (9, 1, 1), (40, 16, 16), (32, 56, 56), (48, 13, 13), (16, 1, 16), (128, 9, 25), (16, 2, 3)] {
            for flip: UInt8 in [0, 0x80] {
                let n = c * h * w
                let src = (0..<n).map { _ in next() }
                var fast = [UInt8](repeating: 0xAA, count: n), plain = [UInt8](repeating: 0x55, count: n)
                src.withUnsafeBufferPointer { ps in
                    fast.withUnsafeMutableBufferPointer { pf in
                        plain.withUnsafeMutableBufferPointer { pp in
                            guard let s = ps.baseAddress, let f = pf.baseAddress, let p = pp.baseAddress else { return }
                            QuantizedConv.toNHWC(s, channels: c, h: h, w: w, flip: flip, dst: f)
                            QuantizedConv.toNHWCPlain(s, channels: c, h: h, w: w, flip: flip, dst: p)
                        }
                    }
                }
                #expect(fast == plain, "c \(c) h \(h) w \(w) flip \(flip)")
                // The plain kernel's layout itself: pixel p, channel ch at p * c + ch.
                #expect(plain[min(n - 1, 1 * c + (c - 1))] == src[(c - 1) * h * w + min(1, h * w - 1)] ^ flip || h * w == 1)
                checked += 1
            }
        }
        #expect(checked == 30)
    }
}
