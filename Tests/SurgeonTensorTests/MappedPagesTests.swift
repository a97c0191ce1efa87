import Foundation
import Testing
@testable import SurgeonTensor

@Suite struct MappedPagesTests {
    /// Releasing the resident pages of a mapped file range keeps its bytes readable and equal
    /// (they come back from the file); owned memory and bad ranges are refused.
    @Test func releasedPagesReadBackFromTheFile() throws {
        let count = 3 * 4096 + 100
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let path = NSTemporaryDirectory() + "mapped-pages-\(getpid()).bin"
        defer { unlink(path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try MappedFile(path: path)
        let buffer = TensorBuffer(borrowing: file.pointer, byteCount: count, owner: file)
        var sum = 0
        for i in 0..<count { sum &+= Int(buffer.pointer.load(fromByteOffset: i, as: UInt8.self)) }
        #expect(sum == bytes.reduce(0) { $0 &+ Int($1) })
        #if os(Linux)
        #expect(buffer.releaseMappedPages(byteOffset: 10, byteCount: count - 20))
        #endif
        let back = (0..<count).map { buffer.pointer.load(fromByteOffset: $0, as: UInt8.self) }
        #expect(back == bytes)
        // Less than a whole page, out of range, or owned memory: nothing to do.
        #expect(!buffer.releaseMappedPages(byteOffset: 1, byteCount: 100))
        #expect(!buffer.releaseMappedPages(byteOffset: 0, byteCount: count + 1))
        #expect(!buffer.releaseMappedPages(byteOffset: -1, byteCount: 10))
        let owned = TensorBuffer(zeroedByteCount: 3 * 4096)
        owned.pointer.storeBytes(of: 42, toByteOffset: 5000, as: UInt8.self)
        #expect(!owned.releaseMappedPages(byteOffset: 0, byteCount: 3 * 4096))
        #expect(owned.pointer.load(fromByteOffset: 5000, as: UInt8.self) == 42)
    }
}
