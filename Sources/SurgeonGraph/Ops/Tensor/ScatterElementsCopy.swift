import Foundation
import SurgeonTensor

/// ScatterElements' fast kernel for `reduction = none` (any fixed-size dtype): one block copy
/// of data, then each update element's bytes stored at its target offset, in order (the last
/// write wins, as in the plain kernel, `ScatterElements.scatter`, which the tests compare it
/// with). The plain kernel builds an index array over all of data and a concatenated copy
/// (torchvision's image transform scatters a whole [3, 320, 320] image this way).
enum ScatterElementsCopy {
    /// The scattered tensor, or nil when this kernel does not apply (a reduction, strings,
    /// mismatched types or counts: the plain kernel handles or reports them).
    /// Offsets outside `data`: an error.
    static func scatter(_ data: Tensor, targets: [Int], updates: Tensor, reduction: String) throws -> Tensor? {
        try ScatterElements.checkTargets(targets, in: data, op: "ScatterElements")
        return try targets.withUnsafeBufferPointer { try scatter(data, targets: $0, updates: updates, reduction: reduction) }
    }

    /// `scatter` with the offsets in a buffer of the caller's, inside `data` (as
    /// `GatherElements.withElementOffsets` makes them: they are not checked again).
    static func scatter(_ data: Tensor, targets: UnsafeBufferPointer<Int>, updates: Tensor, reduction: String) throws -> Tensor? {
        guard reduction == "none", data.dtype != .string, updates.dtype == data.dtype,
              targets.count == updates.count else { return nil }
        let n = data.count
        assert(targets.allSatisfy { $0 >= 0 && $0 < n }, "ScatterElements: offsets outside data")
        let total = data.byteCount
        let buffer = TensorBuffer(uninitializedByteCount: total)
        ScatterNDSlices.parallelCopy(buffer.pointer, UnsafeRawPointer(data.rawPointer), total)
        let src = UnsafeRawPointer(updates.rawPointer), dst = buffer.pointer
        switch data.dtype.size {
        case 1: store(UInt8.self, src, dst, targets)
        case 2: store(UInt16.self, src, dst, targets)
        case 4: store(UInt32.self, src, dst, targets)
        case 8: store(UInt64.self, src, dst, targets)
        default: return nil
        }
        return Tensor(dtype: data.dtype, shape: data.shape, buffer: buffer)
    }

    @inline(__always)
    static func store<T: FixedWidthInteger>(_: T.Type, _ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer,
                                            _ t: UnsafeBufferPointer<Int>) {
        let s = src.assumingMemoryBound(to: T.self), d = dst.assumingMemoryBound(to: T.self)
        for i in t.indices { d[t[i]] = s[i] }
    }
}
