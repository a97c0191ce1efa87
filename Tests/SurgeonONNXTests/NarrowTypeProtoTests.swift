import Foundation
import ONNXProto
import SurgeonONNX
import SurgeonTensor
import Testing

@Suite struct NarrowTypeProtoTests {
    func bytes(_ t: Tensor) -> [UInt8] { Array(UnsafeRawBufferPointer(start: t.rawPointer, count: t.byteCount)) }

    @Test func int4PacksTwoPerByteWithOddCount() throws {
        let t = try Tensor(shape: [3], scalars: [Int32(-8), 7, -1]).cast(to: .int4)
        let p = t.proto(name: "w")
        #expect(p.dataType == 22)
        #expect([UInt8](p.rawData) == [0x78, 0x0F])
        let back = try Tensor(proto: p)
        #expect(back.dtype == .int4 && back.shape == [3])
        #expect(back.int64Array() == [-8, 7, -1])
        #expect(bytes(back) == [0xF8, 0x07, 0xFF])
    }

    @Test func twoBitTypesPackFourPerByte() throws {
        let t = try Tensor(shape: [5], scalars: [Int32(1), -2, 0, -1, 1]).cast(to: .int2)
        let p = t.proto()
        #expect([UInt8](p.rawData) == [0b11_00_10_01, 0b01])
        #expect(try Tensor(proto: p).int64Array() == [1, -2, 0, -1, 1])
        let u = try Tensor(shape: [2, 3], scalars: [Int32(0), 1, 2, 3, 2, 1]).cast(to: .uint2)
        #expect(try Tensor(proto: u.proto()).int64Array() == [0, 1, 2, 3, 2, 1])
    }

    @Test func int32DataHoldsPackedBytesForSubByteAndOneValueForFloat8() throws {
        var p = Onnx_TensorProto()
        p.dataType = 21  // uint4
        p.dims = [3]
        p.int32Data = [0x21, 0x03]
        #expect(try Tensor(proto: p).int64Array() == [1, 2, 3])
        p.int32Data = [0x21]
        #expect(throws: (any Error).self) { try Tensor(proto: p) }
        var q = Onnx_TensorProto()
        q.dataType = 17  // float8e4m3fn
        q.dims = [2]
        q.int32Data = [0x7E, 0xB8]
        #expect(try Tensor(proto: q).floatArray() == [448, -1])
    }

    @Test func float8AndFloat4RawData() throws {
        let x = try Tensor(shape: [3], scalars: [Float(0.5), -6, 100])
        for dt: DType in [.float8e4m3fn, .float8e5m2fnuz, .float8e8m0] {
            let t = try x.cast(to: dt)
            let p = t.proto()
            #expect(p.rawData.count == 3)
            #expect(bytes(try Tensor(proto: p)) == bytes(t))
        }
        let f4 = try x.cast(to: .float4e2m1)
        let p = f4.proto()
        #expect([UInt8](p.rawData) == [0xF1, 0x07])
        #expect(try Tensor(proto: p).floatArray() == [0.5, -6, 6])
    }

    @Test func wrongPackedSizeIsAnError() throws {
        var p = Onnx_TensorProto()
        p.dataType = 22
        p.dims = [3]
        p.rawData = Data([0x12])
        #expect(throws: (any Error).self) { try Tensor(proto: p) }
    }

    @Test func npyRefusesNarrowTypesWithAdvice() throws {
        let t = try Tensor(shape: [1], scalars: [Int32(1)]).cast(to: .int4)
        #expect(throws: (any Error).self) { try NPY.encode(t) }
    }

    @Test func externalDataIsUnpacked() throws {
        let dir = NSTemporaryDirectory() + "narrow-ext-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data([0xAA, 0x21, 0x03]).write(to: URL(fileURLWithPath: dir + "/w.bin"))
        var p = Onnx_TensorProto()
        p.dataType = 21  // uint4
        p.dims = [3]
        p.dataLocation = .external
        p.externalData = [("location", "w.bin"), ("offset", "1"), ("length", "2")].map {
            var e = Onnx_StringStringEntryProto()
            e.key = $0.0
            e.value = $0.1
            return e
        }
        let t = try Tensor(proto: p, external: ExternalDataResolver(baseDirectory: dir))
        #expect(t.int64Array() == [1, 2, 3])
    }
}
