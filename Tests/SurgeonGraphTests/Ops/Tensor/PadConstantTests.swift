@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Constant Pad's fast kernel (`PadConstant`) against the plain index-map path of `Pad.pad`:
/// ranks 1-4, pads 0-3 per side (all zero included), several types, with and without a value.
@Suite struct PadConstantTests {
    @Test func randomPadsMatchThePlainPath() throws {
        var seed: UInt32 = 11
        func next(_ n: Int) -> Int { seed = seed &* 1664525 &+ 1013904223; return Int(seed >> 8) % n }
        var checked = 0
        for trial in 0..<120 {
            let rank = 1 + next(4)
            let shape = (0..<rank).map { _ in next(5) + (trial % 17 == 0 ? 0 : 1) }
            let pads = trial % 10 == 0 ? [Int](repeating: 0, count: 2 * rank) : (0..<(2 * rank)).map { _ in next(4) }
            let count = shape.reduce(1, *)
            let values = (0..<count).map { _ in Double(next(200)) - 100 }
            let dtype: DType = [.float32, .int64, .uint8, .float16, .bool, .int32][trial % 6]
            let x = try Tensor(doubles: dtype == .uint8 || dtype == .bool ? values.map { abs($0).truncatingRemainder(dividingBy: 2) } : values,
                               shape: shape, dtype: dtype)
            let value: Tensor? = trial % 3 == 0 ? nil : try Tensor(doubles: [dtype == .bool || dtype == .uint8 ? 1 : -7], shape: [1], dtype: dtype)
            let fast = try Pad.pad(x, pads: pads, axes: nil, mode: "constant", value: value)
            let plain = try Pad.pad(x, pads: pads, axes: nil, mode: "constant", value: value, fast: false)
            #expect(fast.shape == plain.shape && fast.dtype == plain.dtype)
            #expect(try fast.doubleArray() == plain.doubleArray(), "trial \(trial) \(dtype) \(shape) pads \(pads)")
            checked += 1
        }
        #expect(checked == 120)
        // The kernel itself takes these (not the plain path behind it).
        let x = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        let y = try #require(try PadConstant.pad(x, begin: [1, 0], end: [0, 2], value: nil))
        #expect(y.shape == [3, 5])
        #expect(try y.scalars(of: Float.self) == [0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0])
        // Negative pads (crops) and other modes are the plain path's.
        #expect(try PadConstant.pad(x, begin: [-1, 0], end: [0, 0], value: nil) == nil)
    }
}
