import Foundation

/// Where the small tensor buffers of an `inspect all` run come from: carved one after another
/// out of 1 MB chunks, instead of one malloc each.
///
/// With every value kept, a run of a small model allocates hundreds of buffers below
/// `BlockArena.threshold` that all live until the next run's results replace them, then die
/// together: more than glibc's per-size thread cache holds, so each malloc and free walked the
/// bins (`_int_malloc`, `malloc_consolidate`, `unlink_chunk`: 8% of bert_qdynamic's inspect-all
/// run). Here a buffer is a pointer bump in the current chunk; a chunk goes back to the
/// `BlockArena` when the last buffer carved from it dies. Space freed in a chunk is not reused
/// before that, so only runs whose values are nearly all kept use a slab (`Interpreter`).
///
/// A slab serves the thread that called `withCurrent` (buffers made on other threads, in a
/// kernel's workers, come from malloc as before); one slab per run.
public final class ValueSlab: @unchecked Sendable {
    /// Bytes per chunk.
    static let chunkBytes = 1 << 20
    /// Buffers up to this many bytes are carved (larger ones waste less in malloc; at most a
    /// sixteenth of a chunk is left unused at its end).
    static let largestCarved = 64 << 10

    private var chunk: SlabChunk?
    /// Chunks made so far (for tests).
    public private(set) var chunksMade = 0

    public init() {}

    /// `byteCount` bytes at a 64-byte boundary from the current chunk (a new one when it is
    /// full), and the chunk the buffer must keep alive; nil when it is too large to carve or
    /// no memory could be mapped.
    func carve(_ byteCount: Int) -> (pointer: UnsafeMutableRawPointer, chunk: SlabChunk)? {
        guard byteCount >= 0, byteCount <= ValueSlab.largestCarved else { return nil }
        let size = (max(byteCount, 1) + 63) & ~63
        if let c = chunk, c.used <= c.size - size {
            let p = c.base + c.used
            c.used += size
            return (p, c)
        }
        guard let c = SlabChunk(size: ValueSlab.chunkBytes) else { return nil }
        chunksMade += 1
        chunk = c
        c.used = size
        return (c.base, c)
    }

    /// `body` with the small buffers made on this thread carved from this slab (nested
    /// calls: the innermost slab; the previous one again afterwards).
    public func withCurrent<R>(_ body: () throws -> R) rethrows -> R {
        try withExtendedLifetime(self) {
            try AllocationScope.with(Unmanaged.passUnretained(self).toOpaque(), body)
        }
    }

    /// `body` with no slab on this thread: for work whose buffers mostly die within the run
    /// (a Loop's iterations, a function's body), which a slab would never give back before the
    /// run's results go.
    public static func suspended<R>(_ body: () throws -> R) rethrows -> R {
        guard current != nil else { return try body() }
        return try AllocationScope.with(nil, body)
    }

    /// The slab of this thread's innermost `withCurrent`, if any.
    static var current: ValueSlab? { slab(in: AllocationScope.word) }

    /// The slab an `AllocationScope.word` names, if it names one.
    @inline(__always)
    static func slab(in word: UnsafeMutableRawPointer?) -> ValueSlab? {
        guard let word, word != AllocationScope.longLivedMark else { return nil }
        return Unmanaged<ValueSlab>.fromOpaque(word).takeUnretainedValue()
    }
}

/// Where this thread's new tensor buffers come from, in one thread-local word that
/// `TensorBuffer` reads once per allocation: nil as usual, `longLivedMark` inside
/// `LongLivedMemory.with`, else the `ValueSlab` of `withCurrent`.
enum AllocationScope {
    static let longLivedMark = UnsafeMutableRawPointer(bitPattern: 1)

    static var word: UnsafeMutableRawPointer? { pthread_getspecific(key) }

    /// `body` with `word` set on this thread, the previous word again afterwards.
    static func with<R>(_ word: UnsafeMutableRawPointer?, _ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, word)
        defer { pthread_setspecific(key, previous) }
        return try body()
    }

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()
}

/// One chunk of a `ValueSlab`: arena memory returned when the slab and every buffer carved
/// from it are gone.
final class SlabChunk: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let size: Int
    var used = 0

    init?(size: Int) {
        guard let p = BlockArena.shared.allocate(size) else { return nil }
        base = p
        self.size = size
    }

    deinit { BlockArena.shared.deallocate(base) }
}

/// Buffers made for as long as a model lives (a weight's derived copies: packed, regrouped by
/// tap, converted from half): `TensorBuffer`s made inside `with` on this thread come from a
/// `BlockArena` of their own (`BlockArena.longLived`), or malloc when small, never from a run's
/// slab.
///
/// Most of them are made on first use, during a model's first run: from the activations'
/// arena they landed between that run's activations and stayed there, and the second run,
/// allocating in another order around them, touched new pages (ssdlite320: 6 MB more resident
/// from the second run on). DECISIONS.md, 2026-11-29 "long-lived".
public enum LongLivedMemory {
    public static func with<R>(_ body: () throws -> R) rethrows -> R {
        if isOn { return try body() }
        return try AllocationScope.with(AllocationScope.longLivedMark, body)
    }

    /// Whether this thread is inside `with`.
    static var isOn: Bool { AllocationScope.word == AllocationScope.longLivedMark }
}
