import Dispatch
import Foundation

/// Threads the kernels may use: the calling thread and the workers of `KernelPool` (OpenBLAS
/// itself runs on one thread per call). Defaults to the number of active processors;
/// `setBLASThreads` (the `--threads` flag) sets it.
public nonisolated(unsafe) var kernelThreads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Work below this many elements runs on the calling thread: handing a chunk to a spinning
/// worker (`KernelPool`) costs under a microsecond, a simple kernel spends a few on 16K elements.
public let parallelGrain = 1 << 14

/// How `parallelChunks` cuts `0..<n`: into `count` chunks (at least 1) of `length` elements
/// (the last may be shorter), so chunk `c` starts at `c * length`. For callers that keep a
/// result per chunk (a reduction's partial results).
@inlinable
public func chunking(_ n: Int, grain: Int = parallelGrain) -> (count: Int, length: Int) {
    let chunks = max(1, min(kernelThreads, n / max(grain, 1)))
    return (chunks, (n + chunks - 1) / chunks)
}

/// Calls `body` on disjoint chunks covering `0..<n` (`chunking`), in parallel when `n` is at
/// least twice `grain` and more than one kernel thread is allowed, else once with `0..<n`.
/// `body` must only write to the elements of its own chunk.
@inlinable
public func parallelChunks(_ n: Int, grain: Int = parallelGrain, _ body: (Range<Int>) -> Void) {
    let (chunks, per) = chunking(n, grain: grain)
    if chunks <= 1 {
        if n > 0 { body(0..<n) }
        return
    }
    parallelFor(chunks, threads: chunks) { c in
        let lo = c * per, hi = min(n, lo + per)
        if lo < hi { body(lo..<hi) }
    }
}

/// Calls `body(i)` for every `i` in `0..<count` (rows, channels, batches), in parallel when
/// the total work `count * costPerItem` (in elements) is large enough. Items are grouped into
/// one contiguous range per thread.
@inlinable
public func parallelItems(_ count: Int, costPerItem: Int, _ body: (Int) -> Void) {
    let total = count.multipliedReportingOverflow(by: max(costPerItem, 1))
    let chunks = total.overflow ? min(kernelThreads, count) : min(kernelThreads, count, total.partialValue / parallelGrain)
    if chunks <= 1 {
        for i in 0..<count { body(i) }
        return
    }
    let per = (count + chunks - 1) / chunks
    parallelFor(chunks, threads: chunks) { c in
        let lo = c * per, hi = min(count, lo + per)
        if lo < hi { for i in lo..<hi { body(i) } }
    }
}
