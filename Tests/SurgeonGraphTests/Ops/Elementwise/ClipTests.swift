@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ClipTests {
    @Test func boundsAsInputs() throws {
        let y = try runNode("Clip", [try f32([4], [-2, 0, 3, .nan]), try f32([], [-1]), try f32([], [2])])[0]
        #expect(isClose(y, try f32([4], [-1, 0, 2, .nan])))
    }

    @Test func onlyMaxAndMinAboveMax() throws {
        #expect(try runNode("Clip", [try f32([2], [-2, 3]), nil, try f32([], [1])])[0].scalars(of: Float.self) == [-2, 1])
        #expect(try runNode("Clip", [try f32([2], [-2, 3]), try f32([], [5]), try f32([], [1])])[0].scalars(of: Float.self) == [1, 1])
    }

    @Test func attributesBeforeOpset11() throws {
        let y = try runNode("Clip", [try f32([3], [-2, 0, 3])], attributes: [Attribute(name: "min", value: .float(-1))], opset: 6)[0]
        #expect(try y.scalars(of: Float.self) == [-1, 0, 3])
    }

    @Test func int8() throws {
        let y = try runNode("Clip", [try Tensor(shape: [3], scalars: [Int8(-100), 5, 100]), Tensor(scalar: Int8(-10)), Tensor(scalar: Int8(10))])[0]
        #expect(try y.scalars(of: Int8.self) == [-10, 5, 10])
    }

    /// The float32 loop against the general (float64) path: clipping is exact in both.
    @Test func float32LoopMatchesGeneralPath() throws {
        let n = 200_003
        var v = (0..<n).map { Float(($0 * 7919) % 2001) * 0.01 - 10 }
        v[5] = .nan; v[6] = .infinity; v[7] = -.infinity; v[8] = -0.0
        let x = try f32([n], v)
        for (lo, hi) in [(Float(-1), Float(6)), (0, .infinity), (-.infinity, 2), (3, 1)] {
            let fast = try Clip.clipFloat(x, lo, hi)
            let general = try Clip.clip(x.cast(to: .float64), Tensor(scalar: Double(lo)), Tensor(scalar: Double(hi))).cast(to: .float32)
            let a = try fast.scalars(of: Float.self), b = try general.scalars(of: Float.self)
            #expect(a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "\(lo) \(hi)")
        }
    }
}
