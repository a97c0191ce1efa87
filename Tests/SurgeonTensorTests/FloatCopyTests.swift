import SurgeonTensor
import Testing

/// `copyFloats`: exactly n floats, for every n from 0 to 70 (whole vectors of 16 and each
/// combination of the 8 / 4 / 2 / 1 tails), at every alignment of source and destination, and
/// nothing past them.
@Suite struct FloatCopyTests {
    @Test func copiesExactlyNFloats() {
        let source = (0..<96).map { Float($0) + 0.5 }
        for n in 0...70 {
            for (so, dOff) in [(0, 0), (1, 3), (5, 2), (7, 7)] {
                var d = [Float](repeating: -1, count: 96)
                source.withUnsafeBufferPointer { s in
                    d.withUnsafeMutableBufferPointer { dp in
                        guard let sb = s.baseAddress, let db = dp.baseAddress else { return }
                        copyFloats(db + dOff, sb + so, n)
                    }
                }
                let want = (0..<96).map { i in i >= dOff && i < dOff + n ? source[so + i - dOff] : -1 }
                #expect(d == want, "n \(n) source offset \(so) destination offset \(dOff)")
            }
        }
    }
}
