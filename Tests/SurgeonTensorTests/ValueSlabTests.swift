import Foundation
@testable import SurgeonTensor
import Testing

/// Small buffers made inside `ValueSlab.withCurrent` are carved from the slab's chunks, one
/// after another at 64-byte boundaries; the chunks live as long as a buffer carved from them.
@Suite struct ValueSlabTests {
    @Test func smallBuffersAreCarvedInOrderOnTheSlabThreadOnly() throws {
        let slab = ValueSlab()
        let (a, b, big, other): (TensorBuffer, TensorBuffer, TensorBuffer, TensorBuffer) = slab.withCurrent {
            let a = TensorBuffer(uninitializedByteCount: 100)
            let b = TensorBuffer(zeroedByteCount: 300)
            // Arena-sized buffers are not carved.
            let big = TensorBuffer(uninitializedByteCount: BlockArena.threshold)
            // Another thread has no slab.
            final class Box: @unchecked Sendable { var buffer: TensorBuffer? }
            let box = Box()
            let done = DispatchSemaphore(value: 0)
            Thread { box.buffer = TensorBuffer(uninitializedByteCount: 100); done.signal() }.start()
            done.wait()
            let other = box.buffer
            return (a, b, big, other ?? TensorBuffer(uninitializedByteCount: 100))
        }
        #expect(a.isCarved && b.isCarved)
        #expect(!big.isCarved && !other.isCarved)
        #expect(Int(bitPattern: a.pointer) % 64 == 0)
        // 100 bytes take two 64-byte lines.
        #expect(b.pointer == a.pointer + 128)
        #expect(UnsafeRawBufferPointer(start: b.pointer, count: 300).allSatisfy { $0 == 0 })
        #expect(slab.chunksMade == 1)
        // Outside `withCurrent`: malloc again.
        #expect(!TensorBuffer(uninitializedByteCount: 100).isCarved)
    }

    @Test func fullChunksAreReplacedAndOutliveTheSlab() throws {
        var kept: [TensorBuffer] = []
        let piece = ValueSlab.largestCarved / 2
        let perChunk = ValueSlab.chunkBytes / piece
        do {
            let slab = ValueSlab()
            slab.withCurrent {
                for k in 0...perChunk {
                    let b = TensorBuffer(uninitializedByteCount: piece)
                    b.pointer.storeBytes(of: UInt32(k), as: UInt32.self)
                    kept.append(b)
                }
            }
            #expect(slab.chunksMade == 2)
            #expect(kept.allSatisfy { $0.isCarved })
            #expect(kept[1].pointer == kept[0].pointer + piece)
        }
        // The slab is gone; its chunks stay while buffers use them.
        for (k, b) in kept.enumerated() { #expect(b.pointer.load(as: UInt32.self) == UInt32(k)) }
    }

    @Test func nestedSlabsAndTheInnermostWins() throws {
        let outer = ValueSlab(), inner = ValueSlab()
        outer.withCurrent {
            _ = TensorBuffer(uninitializedByteCount: 8)
            inner.withCurrent { _ = TensorBuffer(uninitializedByteCount: 8) }
            _ = TensorBuffer(uninitializedByteCount: 8)
        }
        #expect(outer.chunksMade == 1 && inner.chunksMade == 1)
        // Long-lived buffers: never from a slab; large ones from their own arena.
        let (small, large) = outer.withCurrent {
            LongLivedMemory.with { (TensorBuffer(uninitializedByteCount: 8), TensorBuffer(uninitializedByteCount: BlockArena.threshold)) }
        }
        #expect(!small.isCarved && !LongLivedMemory.isOn)
        #expect(BlockArena.longLived.owns(large.pointer) && !BlockArena.shared.owns(large.pointer))
        let plain = TensorBuffer(uninitializedByteCount: BlockArena.threshold)
        #expect(BlockArena.shared.owns(plain.pointer) && !BlockArena.longLived.owns(plain.pointer))
        // A converted copy lives with its tensor's buffer: never from a run's slab.
        let half = try Tensor(shape: [4], scalars: [Float16(1), 2, 3, 4])
        let copy = try outer.withCurrent { try half.float32Copy() }
        #expect(!copy.buffer.isCarved && copy.count == 4)
        #expect(ValueSlab.current == nil)
    }
}
