import Foundation

/// Where large tensor buffers live: chunks of anonymous memory mapped once, handed out
/// lowest address first and coalesced again on release, apart from the malloc heap.
///
/// On the heap (kept resident by `allocatorTuned` so runs do not page-fault their activations
/// back in), the small long-lived allocations of a run (shapes, contexts, results) land in the
/// holes freed activations leave and split them, so the heap grew to 2-3x the largest set of
/// live bytes over repeated runs (mobilenet_v2: 19 MB of heap for 7.4 MB live). Here only
/// large blocks share the space, so holes merge back and the resident size stays near the
/// live peak; freed pages stay mapped (reused without page faults), and a chunk left wholly
/// free is unmapped once more than `keepFree` bytes are free. DECISIONS.md, 2026-11-27 "lean".
/// Nor below the largest number of bytes ever in use at once (`peakUsed`): a run that needed
/// them (an `inspect all` run keeps every value: 500 MB for MaxViT-T) finds them mapped again
/// instead of faulting 100+ MB of fresh pages in at every run (2026-11-28, "inspect").
final class BlockArena: @unchecked Sendable {
    static let shared = BlockArena()
    /// The buffers made inside `LongLivedMemory.with` (weights' derived copies), apart from
    /// the activations so that they do not break up the runs' free space.
    static let longLived = BlockArena()
    /// Buffers from this many bytes on come from the arena; smaller ones from malloc. (256 KiB
    /// before: the 64-256 KiB activations of the mobile convnets and the kernels' megabyte
    /// scratch buffers on the heap grew it to 3x its live peak; DECISIONS.md "smallrss".)
    static let threshold = 64 << 10
    static let chunkBytes = 64 << 20
    static let keepFree = 256 << 20
    static let granule = 4096

    private struct Range { var start: Int; var size: Int; let chunk: Int }
    private let lock = NSLock()
    private var chunks: [Int: (base: Int, size: Int)] = [:]
    private var nextChunk = 0
    /// Free ranges by address (never two adjacent ranges of one chunk).
    private var free: [Range] = []
    /// Handed-out blocks: start → (size, chunk).
    private var used: [Int: (size: Int, chunk: Int)] = [:]
    private var freeBytes = 0
    /// Bytes handed out now, and the most ever handed out at once.
    private var usedBytes = 0
    private var peakUsed = 0
    /// Free bytes kept mapped at least (`BlockArena.keepFree`; smaller in tests).
    private let minimumFree: Int

    init(keepFree: Int = BlockArena.keepFree) {
        minimumFree = keepFree
    }

    /// `n` bytes (n ≥ 1), 4096-aligned; nil when the memory cannot be mapped.
    func allocate(_ n: Int) -> UnsafeMutableRawPointer? {
        let size = (n + BlockArena.granule - 1) / BlockArena.granule * BlockArena.granule
        lock.lock()
        defer { lock.unlock() }
        var index = free.firstIndex { $0.size >= size }
        if index == nil {
            let bytes = max(BlockArena.chunkBytes, size)
            let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let p, p != MAP_FAILED else { return nil }
            let id = nextChunk
            nextChunk += 1
            chunks[id] = (Int(bitPattern: p), bytes)
            index = insertFree(Range(start: Int(bitPattern: p), size: bytes, chunk: id))
            freeBytes += bytes
        }
        guard let i = index else { return nil }
        let r = free[i]
        if r.size == size { free.remove(at: i) } else { free[i].start += size; free[i].size -= size }
        freeBytes -= size
        usedBytes += size
        peakUsed = max(peakUsed, usedBytes)
        used[r.start] = (size, r.chunk)
        return UnsafeMutableRawPointer(bitPattern: r.start)
    }

    /// Returns a block from `allocate`; false (nothing done) for any other pointer.
    @discardableResult
    func deallocate(_ p: UnsafeMutableRawPointer) -> Bool {
        let start = Int(bitPattern: p)
        lock.lock()
        defer { lock.unlock() }
        guard let (size, chunk) = used.removeValue(forKey: start) else { return false }
        freeBytes += size
        usedBytes -= size
        var i = insertFree(Range(start: start, size: size, chunk: chunk))
        // Merge with the neighbours of the same chunk.
        if i + 1 < free.count, free[i + 1].chunk == chunk, free[i].start + free[i].size == free[i + 1].start {
            free[i].size += free[i + 1].size
            free.remove(at: i + 1)
        }
        if i > 0, free[i - 1].chunk == chunk, free[i - 1].start + free[i - 1].size == free[i].start {
            free[i - 1].size += free[i].size
            free.remove(at: i)
            i -= 1
        }
        if let c = chunks[chunk], free[i].start == c.base, free[i].size == c.size, freeBytes - c.size >= max(minimumFree, peakUsed) {
            free.remove(at: i)
            freeBytes -= c.size
            chunks[chunk] = nil
            if let base = UnsafeMutableRawPointer(bitPattern: c.base) { munmap(base, c.size) }
        }
        return true
    }

    /// Inserts `r` at its place by address; returns its index.
    private func insertFree(_ r: Range) -> Int {
        var lo = 0, hi = free.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if free[mid].start < r.start { lo = mid + 1 } else { hi = mid }
        }
        free.insert(r, at: lo)
        return lo
    }

    /// Whether `p` starts a block handed out and not yet returned (for tests).
    func owns(_ p: UnsafeRawPointer) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return used[Int(bitPattern: p)] != nil
    }

    /// Bytes mapped and bytes free (for tests).
    var mappedAndFree: (mapped: Int, free: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (chunks.values.reduce(0) { $0 + $1.size }, freeBytes)
    }
}

/// Kernels' temporary buffers (column buffers, packed or converted operands): those of
/// `BlockArena.threshold` bytes or more come from the arena, beside the tensors, smaller ones
/// from malloc. On the heap a megabyte column buffer freed between small long-lived
/// allocations leaves a hole they split, so the heap grew run after run (and per thread: glibc
/// gives every thread its own heap); in the arena the block merges back with its neighbours.
/// The memory is uninitialised; give the same `count` back to `release`.
public enum ScratchMemory {
    public static func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let n = max(count, 1)
        let (bytes, overflow) = n.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        if !overflow, bytes >= BlockArena.threshold, MemoryLayout<T>.alignment <= BlockArena.granule,
           let p = BlockArena.shared.allocate(bytes) {
            return p.bindMemory(to: T.self, capacity: n)
        }
        return UnsafeMutablePointer<T>.allocate(capacity: n)
    }

    /// Frees a buffer from `allocate(_:count:)` (with the same count).
    public static func release<T>(_ p: UnsafeMutablePointer<T>, count: Int) {
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        if overflow || bytes < BlockArena.threshold || !BlockArena.shared.deallocate(UnsafeMutableRawPointer(p)) {
            p.deallocate()
        }
    }
}

/// `count` uninitialised values from `ScratchMemory`, given back when the object goes.
public final class ScratchBuffer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    public let count: Int

    public init(count: Int) {
        self.count = max(count, 0)
        pointer = ScratchMemory.allocate(T.self, count: count)
    }

    /// The values' address, valid inside `body`.
    public func withPointer<R>(_ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(pointer) }
    }

    deinit { ScratchMemory.release(pointer, count: count) }
}
