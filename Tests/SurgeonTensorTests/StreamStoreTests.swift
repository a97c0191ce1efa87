import Foundation
import SurgeonTensor
import Testing

/// `streamFloats` (non-temporal stores) copies exactly what it is given, at any alignment and
/// length, and nothing past the end.
@Suite struct StreamStoreTests {
    @Test func copiesEveryLengthAndAlignment() {
        let capacity = 300
        let src = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        let dst = UnsafeMutablePointer<Float>.allocate(capacity: capacity + 8)
        defer { src.deallocate(); dst.deallocate() }
        for i in 0..<capacity { src[i] = Float(i) * 0.5 - 17 }
        src[5] = -0.0
        src[6] = .nan
        for shift in 0..<5 {
            for n in [0, 1, 3, 4, 5, 7, 16, 17, 63, 255, capacity - shift] {
                dst.initialize(repeating: 99, count: capacity + 8)
                streamFloats(dst + shift, src, n)
                let copied = (0..<n).allSatisfy { dst[shift + $0].bitPattern == src[$0].bitPattern }
                let before = (0..<shift).allSatisfy { dst[$0] == 99 }
                let after = ((shift + n)..<(capacity + 8)).allSatisfy { dst[$0] == 99 }
                #expect(copied && before && after, "shift \(shift) n \(n)")
            }
        }
    }
}
