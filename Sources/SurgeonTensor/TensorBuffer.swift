import Foundation

/// Raw bytes behind a tensor: owned heap memory, or a view into memory another object keeps
/// alive (a memory-mapped model file).
public final class TensorBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int
    private let owner: AnyObject?
    /// The malloc block of a small buffer (`pointer` is its first 64-byte boundary), else nil.
    private let mallocBlock: UnsafeMutableRawPointer?
    /// The chunk a small buffer of an `inspect all` run was carved from (`ValueSlab`), else nil.
    private let slabChunk: SlabChunk?
    /// Converted copies of tensors viewing these bytes (see `Tensor.float32Copy()`), by
    /// (byte offset, element count); they live and die with the buffer.
    private var converted: [[Int]: Tensor] = [:]
    /// One lock for every buffer's `converted`: copies are made on first uses only, and a lock
    /// per buffer cost an object allocated and freed with every tensor of every run.
    private static let convertedLock = NSLock()

    /// The copy stored under `key`, made by `make` on the first call (bytes never change
    /// once a tensor is built, so a copy stays right).
    func memoized(_ key: [Int], _ make: () throws -> Tensor) rethrows -> Tensor {
        TensorBuffer.convertedLock.lock()
        defer { TensorBuffer.convertedLock.unlock() }
        if let t = converted[key] { return t }
        // Lives as long as this buffer (a weight's): not from a run's slab, whose chunk it
        // would hold.
        let t = try LongLivedMemory.with { try make() }
        converted[key] = t
        return t
    }

    /// A string tensor's elements (`Tensor.strings`); empty for every other buffer.
    public private(set) var strings: [String] = []

    /// A buffer of no bytes holding a string tensor's elements.
    public convenience init(strings: [String]) {
        self.init(zeroedByteCount: 0)
        self.strings = strings
    }

    /// Allocates `byteCount` zeroed bytes.
    public init(zeroedByteCount byteCount: Int) {
        _ = allocatorTuned
        self.byteCount = byteCount
        (pointer, mallocBlock, slabChunk) = TensorBuffer.allocateBytes(byteCount)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
        owner = nil
        MemoryBudget.allocated(byteCount)
    }

    /// Allocates `byteCount` bytes left uninitialised (the caller fills them).
    public init(uninitializedByteCount byteCount: Int) {
        _ = allocatorTuned
        self.byteCount = byteCount
        (pointer, mallocBlock, slabChunk) = TensorBuffer.allocateBytes(byteCount)
        owner = nil
        MemoryBudget.allocated(byteCount)
    }

    /// Large buffers from `BlockArena`; small ones from a malloc block 64 bytes longer, from
    /// its first 64-byte boundary (the block is returned for `free`). A 64-byte aligned
    /// allocation takes glibc's memalign path, which splits the block and frees the pieces:
    /// with `malloc_consolidate` about 5% of a sub-millisecond model's run (gpt2), against the
    /// thread cache for a plain malloc of the same size.
    /// On a thread running with a `ValueSlab` (`ValueSlab.withCurrent`), small buffers are
    /// carved from its chunks instead.
    /// Inside `LongLivedMemory.with`, large ones come from `BlockArena.longLived` and none from
    /// a slab.
    private static func allocateBytes(_ byteCount: Int) -> (UnsafeMutableRawPointer, UnsafeMutableRawPointer?, SlabChunk?) {
        let scope = AllocationScope.word
        if byteCount >= BlockArena.threshold,
           let p = (scope == AllocationScope.longLivedMark ? BlockArena.longLived : BlockArena.shared).allocate(byteCount) {
            return (p, nil, nil)
        }
        if byteCount < BlockArena.threshold {
            if let slab = ValueSlab.slab(in: scope), let (p, chunk) = slab.carve(byteCount) { return (p, nil, chunk) }
            if let block = malloc(byteCount + 64) { return (block + (64 - Int(bitPattern: block) & 63), block, nil) }
        }
        return (UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64), nil, nil)
    }

    /// Wraps memory owned by `owner` (not copied, not freed here).
    public init(borrowing pointer: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.pointer = pointer
        self.byteCount = byteCount
        self.owner = owner
        mallocBlock = nil
        slabChunk = nil
    }

    /// True when the bytes belong to another object (a mapped file), not to this buffer.
    public var isBorrowed: Bool { owner != nil }

    /// True when the bytes were carved from a `ValueSlab` (for tests).
    var isCarved: Bool { slabChunk != nil }

    /// Tells the kernel that the pages lying wholly inside bytes `byteOffset ..< byteOffset +
    /// count` are not needed for now (a converted copy of them is in use): they leave the
    /// process's resident memory and are read from the file again if touched. Only for bytes
    /// borrowed from a memory-mapped `MappedFile` (read-only, private: nothing can be lost);
    /// anything else is left alone. Returns true when the advice was given.
    @discardableResult
    public func releaseMappedPages(byteOffset: Int, byteCount count: Int) -> Bool {
        #if os(Linux)
        guard let file = owner as? MappedFile, file.isMapped, byteOffset >= 0, count > 0,
              byteOffset <= byteCount - count else { return false }
        let page = max(1, Int(sysconf(Int32(_SC_PAGESIZE))))
        let start = Int(bitPattern: pointer + byteOffset)
        let lo = (start + page - 1) / page * page, hi = (start + count) / page * page
        guard hi > lo, let p = UnsafeMutableRawPointer(bitPattern: lo) else { return false }
        return madvise(p, hi - lo, MADV_DONTNEED) == 0
        #else
        return false
        #endif
    }

    deinit {
        if owner == nil {
            if let mallocBlock {
                free(mallocBlock)
            } else if slabChunk != nil {
                // The chunk goes back when its last buffer does.
            } else if byteCount < BlockArena.threshold
                        || !(BlockArena.shared.deallocate(pointer) || BlockArena.longLived.deallocate(pointer)) {
                pointer.deallocate()
            }
            MemoryBudget.freed(byteCount)
        }
    }
}

/// glibc returns freed blocks above 128 KiB to the kernel (munmap / heap trimming), so every
/// run of a model page-faults its activations in again (10-15% of a CNN run). Keep up to
/// 32 MiB blocks on the heap and do not trim; peak RSS is unchanged. Skipped when the user
/// set the MALLOC_* variables.
let allocatorTuned: Bool = {
    #if os(Linux)
    // mallopt from <malloc.h> (not in the Glibc module); M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3.
    typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
    let mallopt = unsafeBitCast(sym, to: MallOpt.self)
    if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = mallopt(-3, 32 << 20) }
    if getenv("MALLOC_TRIM_THRESHOLD_") == nil { _ = mallopt(-1, 256 << 20) }
    #endif
    return true
}()

/// The largest tensor we agree to allocate when no memory budget is set (`set memory off`), so
/// that a typo such as `rand(100000,100000)` is refused with a message instead of the kernel
/// killing the process. A budget replaces it (see `MemoryBudget`).
public nonisolated(unsafe) var tensorByteLimit: Int = 16 << 30

/// A read-only memory-mapped file; tensors borrow ranges of it.
public final class MappedFile: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int

    public init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TensorError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TensorError("cannot stat '\(path)'") }
        let size = Int(st.st_size)
        byteCount = size
        if size == 0 {
            pointer = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64)
            isMapped = false
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw TensorError("cannot map '\(path)': \(String(cString: strerror(errno)))")
        }
        pointer = p
        isMapped = true
    }

    /// False for an empty file (a one-byte allocation stands in for the mapping).
    let isMapped: Bool

    deinit {
        if isMapped { munmap(pointer, byteCount) } else { pointer.deallocate() }
    }
}
