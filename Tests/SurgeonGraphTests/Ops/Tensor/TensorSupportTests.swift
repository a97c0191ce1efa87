@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct TensorSupportTests {
    /// `stridedCopy`'s tiled transpose path against its general loop: random permutations of
    /// random shapes (size-1 axes, sizes across the 32-wide tiles), 1/2/4/8-byte dtypes.
    @Test func tiledTransposeMatchesGeneralLoop() throws {
        var rng = TestLCG(seed: 42)
        func next(_ n: Int) -> Int { rng.next(n) }
        let dtypes: [DType] = [.float32, .uint8, .float16, .int64, .float64, .int16]
        var tiledRuns = 0
        for trial in 0..<400 {
            let rank = 2 + next(4)
            let shape = (0..<rank).map { _ in [1, 1, 2, 3, 4, 5, 7, 9, 31, 33, 40, 70][next(12)] }
            if shape.reduce(1, *) > 200_000 { continue }
            var perm = Array(0..<rank)
            for i in stride(from: rank - 1, to: 0, by: -1) { perm.swapAt(i, next(i + 1)) }
            if trial % 5 == 0 { perm.swapAt(rank - 1, rank - 2) }  // last-two swap
            let n = shape.reduce(1, *)
            let x = try Tensor(doubles: (0..<n).map { Double($0 % 113) }, shape: shape, dtype: dtypes[trial % dtypes.count])
            let st = x.strides
            let outShape = perm.map { shape[$0] }, outStrides = perm.map { st[$0] }
            let fast = try stridedCopy(x, shape: outShape, strides: outStrides, offset: 0)
            let plain = try stridedCopy(x, shape: outShape, strides: outStrides, offset: 0, tiled: false)
            #expect(fast.dtype == x.dtype && fast.shape == outShape)
            #expect(fast.doubleArray() == plain.doubleArray(), "shape \(shape) perm \(perm) \(x.dtype)")
            // The reference by index arithmetic, for the fast path alone.
            if trial % 10 == 0 {
                let xv = x.doubleArray()
                var want: [Double] = []
                forEachBroadcast(outShape, [outStrides]) { _, off in want.append(xv[off[0]]) }
                #expect(fast.doubleArray() == want, "shape \(shape) perm \(perm)")
            }
            if outShape.count >= 2 { tiledRuns += 1 }
        }
        #expect(tiledRuns > 100)
    }

    /// Broadcasts (Expand's copies: zero strides, the innermost among them, whose runs are
    /// fills of one value) against reads by index arithmetic: random shapes with size-1 axes
    /// expanded, 1/2/4/8-byte dtypes, with and without an offset.
    @Test func broadcastRunsMatchIndexArithmetic() throws {
        var rng = TestLCG(seed: 7)
        func next(_ n: Int) -> Int { rng.next(n) }
        let dtypes: [DType] = [.float32, .uint8, .float16, .int64]
        var fills = 0
        for trial in 0..<200 {
            let rank = 1 + next(4)
            let shape = (0..<rank).map { _ in [1, 1, 2, 3, 5, 17][next(6)] }
            let out = shape.map { $0 == 1 ? [1, 3, 8, 33][next(4)] : $0 }
            let n = shape.reduce(1, *)
            let lead = trial % 3 == 0 ? 5 : 0
            let x = try Tensor(doubles: (0..<(n + lead)).map { Double(($0 * 7) % 101) }, shape: [n + lead], dtype: dtypes[trial % dtypes.count])
            let strides = broadcastStrides(shape, to: out)
            let got = try stridedCopy(x, shape: out, strides: strides, offset: lead)
            let xv = x.doubleArray()
            var want: [Double] = []
            forEachBroadcast(out, [strides]) { _, off in want.append(xv[lead + off[0]]) }
            #expect(got.shape == out && got.doubleArray() == want, "shape \(shape) to \(out) \(x.dtype) offset \(lead)")
            if strides.last == 0 && (out.last ?? 1) > 1 { fills += 1 }
        }
        #expect(fills > 40)
    }

    /// NCHW↔NHWC, a broadcast (zero) inner stride, a reversed inner stride and an offset.
    @Test func tiledPathHandlesLayoutsBroadcastAndReversal() throws {
        let x = try f32([2, 37, 5, 9], (0..<(2 * 37 * 5 * 9)).map(Float.init))
        for perm in [[0, 2, 3, 1], [0, 3, 1, 2], [0, 1, 3, 2], [3, 2, 1, 0]] {
            let st = x.strides
            let a = try stridedCopy(x, shape: perm.map { x.shape[$0] }, strides: perm.map { st[$0] }, offset: 0)
            let b = try stridedCopy(x, shape: perm.map { x.shape[$0] }, strides: perm.map { st[$0] }, offset: 0, tiled: false)
            #expect(try a.scalars(of: Float.self) == b.scalars(of: Float.self), "perm \(perm)")
        }
        let m = try f32([40, 50], (0..<2000).map(Float.init))
        // [r][c] = m[r + c*0] (broadcast along c), and = m[offset + r - c*40] (reversed rows).
        for (shape, strides, offset) in [([50, 33], [1, 0], 0), ([50, 37], [1, -50], 1950), ([6, 8], [1, 50], 3)] {
            let a = try stridedCopy(m, shape: shape, strides: strides, offset: offset)
            let b = try stridedCopy(m, shape: shape, strides: strides, offset: offset, tiled: false)
            #expect(try a.scalars(of: Float.self) == b.scalars(of: Float.self), "\(shape) \(strides)")
            #expect(try a.scalars(of: Float.self)[shape[1] + 1] == Float(offset + 1 + strides[1]))
        }
    }
}
