import Foundation
import SurgeonGraph
@testable import SurgeonONNX
import SurgeonTensor
import Testing

@Suite struct NPYTests {
    func tmp(_ name: String) -> String { NSTemporaryDirectory() + "npytest-\(getpid())-\(name)" }

    @Test(arguments: [DType.float32, .float64, .float16, .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64, .bool])
    func roundTripsEveryDType(_ dtype: DType) throws {
        let t = try Tensor(doubles: [0, 1, 2, 3, 4, 5], shape: [2, 3], dtype: dtype)
        let path = tmp("rt-\(dtype).npy")
        try NPY.write(t, path: path)
        let back = try NPY.read(path: path)
        #expect(back.dtype == dtype)
        #expect(back.shape == [2, 3])
        #expect(back.doubleArray() == t.doubleArray())
    }

    @Test func zeroDAndEmpty() throws {
        for t in [Tensor(scalar: Float(2.5)), try Tensor(zeros: .float32, shape: [0, 3])] {
            let back = try NPY.decode(try NPY.encode(t))
            #expect(back.shape == t.shape)
            #expect(back.floatArray() == t.floatArray())
        }
    }

    @Test func truncatedDataIsAnError() throws {
        let t = try Tensor(shape: [4], scalars: [Float](repeating: 1, count: 4))
        let d = try NPY.encode(t)
        #expect(throws: (any Error).self) { try NPY.decode(d.prefix(d.count - 3)) }
        #expect(throws: (any Error).self) { try NPY.decode(Data([1, 2, 3])) }
    }

    @Test func bfloat16IsRefusedWithAdvice() throws {
        let t = try Tensor(floats: [1, 2], shape: [2], dtype: .bfloat16)
        #expect(throws: (any Error).self) { try NPY.encode(t) }
    }
}

/// `NPY.read` reads the header, then the values straight into the tensor's buffer (no copy of
/// the file on the heap).
@Suite struct NPYFileReadTests {
    func tmp(_ name: String) -> String { NSTemporaryDirectory() + "npyread-\(getpid())-\(name)" }

    @Test func valuesAreReadIntoTheTensorThroughTheReader() throws {
        let t = try Tensor(shape: [3], scalars: [Float(1), 2, 3])
        let bytes = try NPY.encode(t)
        let header = bytes.count - 12
        var asked: [(Int, Int)] = []
        let back = try bytes.prefix(header).withUnsafeBytes { head in
            try NPY.decode(head, totalBytes: bytes.count) { dst, offset, count in
                asked.append((offset, count))
                for i in 0..<3 { dst.storeBytes(of: Float(10 + i), toByteOffset: 4 * i, as: Float.self) }
            }
        }
        #expect(asked.count == 1 && asked[0].0 == header && asked[0].1 == 12)
        #expect(back.floatArray() == [10, 11, 12])
        // A file shorter than its header says is refused before anything is read.
        #expect(throws: (any Error).self) {
            try bytes.prefix(header).withUnsafeBytes { head in
                try NPY.decode(head, totalBytes: bytes.count - 1) { _, _, _ in Issue.record("read") }
            }
        }
    }

    @Test func largeFilesLongHeadersAndShortFiles() throws {
        let n = 300_000
        let t = try Tensor(shape: [n], scalars: (0..<n).map { Float($0) * 0.5 })
        let path = tmp("large.npy")
        try NPY.write(t, path: path)
        #expect(try NPY.read(path: path).floatArray() == t.floatArray())
        // A header longer than the first read (4096 bytes): padded with spaces, as numpy may.
        let values: [Int32] = [5, -6, 7]
        var header = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"
        header += String(repeating: " ", count: 6000 - header.count) + "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        d.append(contentsOf: Array(header.utf8))
        values.withUnsafeBytes { d.append(contentsOf: Array($0)) }
        let longPath = tmp("long.npy")
        try d.write(to: URL(fileURLWithPath: longPath))
        let back = try NPY.read(path: longPath)
        #expect(back.shape == [3] && back.int64Array() == [5, -6, 7])
        // Cut short: an error naming the file, nothing read past the end.
        let shortPath = tmp("short.npy")
        try d.prefix(d.count - 2).write(to: URL(fileURLWithPath: shortPath))
        let e = #expect(throws: GraphError.self) { try NPY.read(path: shortPath) }
        #expect(e?.message.contains("truncated") == true && e?.message.contains(shortPath) == true)
        #expect(throws: (any Error).self) { try NPY.read(path: NSTemporaryDirectory()) }
        for p in [path, longPath, shortPath] { try? FileManager.default.removeItem(atPath: p) }
    }
}
