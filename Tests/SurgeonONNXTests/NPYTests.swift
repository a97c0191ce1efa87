import Foundation
import SurgeonONNX
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
