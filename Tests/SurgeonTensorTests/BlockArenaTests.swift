import Foundation
@testable import SurgeonTensor
import Testing

/// Large tensor buffers come from `BlockArena`: lowest address first, freed blocks merged
/// with their free neighbours, so a hole is reused by the next block that fits.
@Suite struct BlockArenaTests {
    @Test func holesAreReusedAndMerged() throws {
        let arena = BlockArena()
        let mb = 1 << 20
        let a = try #require(arena.allocate(mb)), b = try #require(arena.allocate(mb)), c = try #require(arena.allocate(3 * mb))
        #expect(Int(bitPattern: a) % 4096 == 0)
        #expect(b == a + mb && c == b + mb)
        arena.deallocate(a)
        // A smaller block goes into the hole at the lowest address.
        let d = try #require(arena.allocate(mb / 2))
        #expect(d == a)
        arena.deallocate(b)
        arena.deallocate(d)
        // a, b and d's space merged: a 2 MB block fits where a was.
        let e = try #require(arena.allocate(2 * mb))
        #expect(e == a)
        arena.deallocate(e)
        arena.deallocate(c)
        let (mapped, free) = arena.mappedAndFree
        #expect(mapped == BlockArena.chunkBytes && free == mapped)
        // The whole chunk is one free range again.
        let f = try #require(arena.allocate(BlockArena.chunkBytes))
        #expect(f == a)
        arena.deallocate(f)
        #expect(!arena.deallocate(UnsafeMutableRawPointer(bitPattern: 4096)!))
    }

    @Test func blocksLargerThanAChunkAndManyThreads() throws {
        let arena = BlockArena()
        let big = try #require(arena.allocate(BlockArena.chunkBytes + 5))
        big.storeBytes(of: 7, toByteOffset: BlockArena.chunkBytes, as: UInt8.self)
        arena.deallocate(big)
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for k in 0..<50 {
                let n = (k % 7 + 1) * 300_000 + t
                guard let p = arena.allocate(n) else { return }
                p.storeBytes(of: UInt8(t), toByteOffset: n - 1, as: UInt8.self)
                #expect(p.load(fromByteOffset: n - 1, as: UInt8.self) == UInt8(t))
                arena.deallocate(p)
            }
        }
        let (mapped, free) = arena.mappedAndFree
        #expect(free == mapped)
    }

    /// Free chunks stay mapped up to the most bytes ever in use at once (an `inspect all` run
    /// needs as many again at its next run); only chunks beyond that go back to the system.
    @Test func freeChunksStayMappedUpToThePeakInUse() throws {
        let arena = BlockArena(keepFree: 0)
        let chunk = BlockArena.chunkBytes
        let first = try (0..<3).map { _ in try #require(arena.allocate(chunk)) }
        for p in first { arena.deallocate(p) }
        // With nothing to keep beyond the peak, all three chunks stay (they were once all in use).
        #expect(arena.mappedAndFree.mapped == 3 * chunk && arena.mappedAndFree.free == 3 * chunk)
        // The next run of the same sizes gets the same memory: nothing new mapped.
        let again = try (0..<3).map { _ in try #require(arena.allocate(chunk)) }
        #expect(Set(again) == Set(first))
        #expect(arena.mappedAndFree.mapped == 3 * chunk)
        for p in again { arena.deallocate(p) }
        // A block that fits in no free chunk maps a new one, which goes back once free: the
        // three chunks already hold the peak.
        let big = try #require(arena.allocate(chunk + 5))
        #expect(arena.mappedAndFree.mapped > 3 * chunk)
        arena.deallocate(big)
        #expect(arena.mappedAndFree.mapped == 3 * chunk && arena.mappedAndFree.free == 3 * chunk)
    }

    @Test func largeTensorBuffersAreZeroedAndAligned() {
        for n in [BlockArena.threshold - 1, BlockArena.threshold, 3 << 20] {
            let b = TensorBuffer(zeroedByteCount: n)
            #expect(Int(bitPattern: b.pointer) % 64 == 0)
            #expect((0..<n).allSatisfy { b.pointer.load(fromByteOffset: $0, as: UInt8.self) == 0 })
            b.pointer.storeBytes(of: 9, toByteOffset: n - 1, as: UInt8.self)
        }
        // A block freed and handed out again is zeroed again.
        let again = TensorBuffer(zeroedByteCount: 3 << 20)
        #expect(again.pointer.load(fromByteOffset: (3 << 20) - 1, as: UInt8.self) == 0)
    }
}

/// Tensors of 64 KiB and more and kernels' large scratch buffers share the arena, not the
/// malloc heap (where they left holes that small long-lived allocations split, so the heap
/// grew run after run to 2-3x its live peak).
@Suite struct ScratchMemoryTests {
    @Test func sixtyFourKiBTensorBuffersComeFromTheArena() {
        let big = TensorBuffer(uninitializedByteCount: 64 << 10)
        #expect(BlockArena.shared.owns(big.pointer))
        let small = TensorBuffer(uninitializedByteCount: (64 << 10) - 1)
        #expect(!BlockArena.shared.owns(small.pointer))
    }

    @Test func largeScratchComesFromTheArenaAndGoesBack() {
        let count = (BlockArena.threshold / MemoryLayout<Float>.stride) + 3
        let p = ScratchMemory.allocate(Float.self, count: count)
        #expect(BlockArena.shared.owns(p))
        p.initialize(repeating: 1.5, count: count)
        #expect(p[count - 1] == 1.5)
        ScratchMemory.release(p, count: count)
        #expect(!BlockArena.shared.owns(p))
        // Small ones (and zero counts) come from malloc.
        for n in [0, 1, 100] {
            let q = ScratchMemory.allocate(Int32.self, count: n)
            #expect(!BlockArena.shared.owns(q))
            q.initialize(to: 7)
            ScratchMemory.release(q, count: n)
        }
        let box = ScratchBuffer<Double>(count: 1 << 16)
        box.withPointer { pb in
            #expect(BlockArena.shared.owns(pb))
            pb[(1 << 16) - 1] = 2
        }
        #expect(box.count == 1 << 16)
    }
}
