@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Edge / reflect / wrap Pad's fast kernel (`PadMapped`) against the plain index-map gather of
/// `Pad.pad`: ranks 1-4, pads -2...3 per side (crops included), reflect pads up to the axis's
/// extent minus one, axes subsets, several types.
@Suite struct PadMappedTests {
    @Test func randomPadsMatchThePlainPath() throws {
        var seed: UInt32 = 19
        func next(_ n: Int) -> Int { seed = seed &* 1664525 &+ 1013904223; return Int(seed >> 8) % n }
        var checked = 0, failedAlike = 0
        for trial in 0..<300 {
            let rank = 1 + next(4)
            let shape = (0..<rank).map { _ in 1 + next(6) }
            let mode = ["edge", "reflect", "wrap"][trial % 3]
            let axes: [Int]? = trial % 4 == 0 ? Array(0..<rank).filter { _ in next(2) == 0 } : nil
            let padded = axes ?? Array(0..<rank)
            let pads = (0..<(2 * padded.count)).map { _ in next(6) - 2 }
            let values = (0..<shape.reduce(1, *)).map { _ in Double(next(200)) - 100 }
            let dtype: DType = [.float32, .int64, .uint8, .float16, .bool, .int32, .float64][trial % 7]
            let x = try Tensor(doubles: dtype == .uint8 || dtype == .bool ? values.map { abs($0).truncatingRemainder(dividingBy: 2) } : values,
                               shape: shape, dtype: dtype)
            let plain = Result { try Pad.pad(x, pads: pads, axes: axes, mode: mode, value: nil, fast: false) }
            let fast = Result { try Pad.pad(x, pads: pads, axes: axes, mode: mode, value: nil) }
            switch (plain, fast) {
            case (.success(let p), .success(let f)):
                #expect(f.shape == p.shape && f.dtype == p.dtype)
                #expect(try f.doubleArray() == p.doubleArray(), "trial \(trial) \(mode) \(dtype) \(shape) axes \(String(describing: axes)) pads \(pads)")
                checked += 1
            case (.failure, .failure):
                failedAlike += 1
            default:
                Issue.record("trial \(trial) \(mode) \(shape) pads \(pads): one path failed, the other did not")
            }
        }
        #expect(checked >= 200)
        // The kernel itself takes these (not the plain path behind it): reflect by 1 on [2, 3].
        let x = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        let y = try #require(try PadMapped.take(x, maps: [[1, 0, 1, 0], [1, 0, 1, 2, 1]]))
        #expect(y.shape == [4, 5])
        #expect(try y.scalars(of: Float.self) == [5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 2, 1, 2, 3, 2])
        // A coordinate out of range is refused (the plain path reports it).
        #expect(try PadMapped.take(x, maps: [[0, 2], [0]]) == nil)
    }
}
