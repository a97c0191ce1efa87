import Foundation
import SurgeonTensor

/// Pad in edge, reflect and wrap modes (every output element is some input element), the fast
/// kernel next to the plain gather of `Pad.pad` (a flat index per output element, then a
/// gather: ~4 ns an element, UNet's reflect pad of 8 × 40 × 40 took 60 µs). Here the output is
/// built a row (last axis) at a time: the source row is found from the other axes' maps, and
/// the last axis's map is split once into runs of consecutive source elements, each copied as
/// one block (a reflect pad of 1 is a run of 1, the row, a run of 1). Fixed-size types only.
enum PadMapped {
    /// `x` taken through `maps` (one per axis: output coordinate → input coordinate, none
    /// negative, each below its axis's extent); nil when the type is not fixed-size or a map
    /// holds a coordinate out of range (the caller then runs the plain gather).
    static func take(_ x: Tensor, maps: [[Int]]) throws -> Tensor? {
        let rank = x.rank
        guard PadConstant.types.contains(x.dtype), rank >= 1, maps.count == rank else { return nil }
        for (d, m) in maps.enumerated() where m.contains(where: { $0 < 0 || $0 >= x.shape[d] }) { return nil }
        let outShape = maps.map(\.count)
        let n = try Tensor.checkedCount(outShape, dtype: x.dtype)
        let es = x.dtype.size
        let buf = TensorBuffer(uninitializedByteCount: max(1, n * es))
        if n == 0 { return Tensor(dtype: x.dtype, shape: outShape, buffer: buf) }
        // The last axis as runs: (output start, input start, length).
        let last = maps[rank - 1]
        var runs: [(Int, Int, Int)] = []
        var o = 0
        while o < last.count {
            var len = 1
            while o + len < last.count && last[o + len] == last[o] + len { len += 1 }
            runs.append((o, last[o], len))
            o += len
        }
        let inStrides = x.strides
        let rowOut = last.count
        let src = x.rawPointer, dst = buf.pointer
        withExtendedLifetime(x) {
            forEachIndex(Array(outShape.dropLast())) { r, index in
                var base = 0
                for d in 0..<(rank - 1) { base += maps[d][index[d]] * inStrides[d] }
                let to = dst + r * rowOut * es, from = src + base * es
                for (o0, i0, len) in runs {
                    if len == 1 {
                        // One element: copied by its size (the edges of a small pad).
                        switch es {
                        case 4: (to + o0 * 4).storeBytes(of: from.load(fromByteOffset: i0 * 4, as: UInt32.self), as: UInt32.self)
                        case 8: (to + o0 * 8).storeBytes(of: from.load(fromByteOffset: i0 * 8, as: UInt64.self), as: UInt64.self)
                        case 2: (to + o0 * 2).storeBytes(of: from.load(fromByteOffset: i0 * 2, as: UInt16.self), as: UInt16.self)
                        default: memcpy(to + o0 * es, from + i0 * es, es)
                        }
                    } else {
                        memcpy(to + o0 * es, from + i0 * es, len * es)
                    }
                }
            }
        }
        return Tensor(dtype: x.dtype, shape: outShape, buffer: buf)
    }
}
