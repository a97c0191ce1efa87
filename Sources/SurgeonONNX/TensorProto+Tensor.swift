import Foundation
import ONNXProto
import SurgeonGraph
import SurgeonTensor

/// Where external tensor data is looked up, and the mapped files shared between tensors.
public final class ExternalDataResolver {
    public let baseDirectory: String?
    private var files: [String: MappedFile] = [:]

    public init(baseDirectory: String?) { self.baseDirectory = baseDirectory }

    func map(_ location: String) throws -> MappedFile {
        if let f = files[location] { return f }
        guard let base = baseDirectory else {
            throw GraphError("tensor data is in external file '\(location)', but the model was not loaded from a file")
        }
        let path = location.hasPrefix("/") ? location : base + "/" + location
        guard FileManager.default.fileExists(atPath: path) else {
            throw GraphError("external data file '\(location)' is missing (looked in \(base))")
        }
        let f = try MappedFile(path: path)
        files[location] = f
        return f
    }
}

extension Tensor {
    /// Decodes an ONNX TensorProto (typed fields, raw_data or external data).
    public init(proto p: Onnx_TensorProto, external: ExternalDataResolver? = nil) throws {
        try self.init(proto: p, external: external, raw: nil)
    }

    /// `raw`: the raw_data bytes left out of `p` and still in the mapped model file; the
    /// tensor then views them in place (no copy) when their layout allows.
    init(proto p: Onnx_TensorProto, external: ExternalDataResolver?, raw: BorrowedBytes?) throws {
        let label = p.name.isEmpty ? "tensor" : "tensor '\(p.name)'"
        guard let dtype = DType(rawValue: Int(p.dataType)) else {
            throw GraphError("\(label) has element type \(DType.onnxName(code: Int(p.dataType))), which this build does not support")
        }
        var shape: [Int] = []
        for d in p.dims {
            guard d >= 0 && d <= Int64(Int32.max) * 1024 else { throw GraphError("\(label) has invalid dimension \(d)") }
            shape.append(Int(d))
        }
        let n: Int
        do { n = try Tensor.checkedCount(shape, dtype: dtype) } catch { throw GraphError("\(label): \(error)") }

        if p.hasDataLocation && p.dataLocation == .external {
            var location = "", offset = 0, length: Int?
            for e in p.externalData {
                switch e.key {
                case "location": location = e.value
                case "offset": offset = Int(e.value) ?? -1
                case "length": length = Int(e.value)
                default: break
                }
            }
            guard !location.isEmpty else { throw GraphError("\(label) says its data is external but names no file") }
            guard let external else { throw GraphError("\(label): external data needs the model's folder") }
            let file = try external.map(location)
            let need = dtype.packedByteCount(n)
            let len = length ?? need
            guard offset >= 0, len == need, offset <= file.byteCount, len <= file.byteCount - offset else {
                throw GraphError("\(label): external data range (offset \(offset), length \(len)) does not fit '\(location)' (\(file.byteCount) bytes, \(need) needed)")
            }
            if dtype.packedBits != nil {
                self = Tensor.unpacked(UnsafeRawBufferPointer(start: file.pointer + offset, count: len), count: n, shape: shape, dtype: dtype)
                return
            }
            self.init(dtype: dtype, shape: shape, buffer: TensorBuffer(borrowing: file.pointer + offset, byteCount: len, owner: file))
            return
        }
        if dtype == .string {
            guard p.stringData.count == n else { throw GraphError("\(label) has \(p.stringData.count) strings for shape \(shapeString(shape))") }
            self.init(shape: shape, strings: p.stringData.map { String(decoding: $0, as: UTF8.self) })
            return
        }
        if let raw {
            let need = dtype.packedByteCount(n)
            guard raw.length == need else {
                throw GraphError("\(label): raw_data has \(raw.length) bytes, shape \(shapeString(shape)) of \(dtype) needs \(need)")
            }
            if dtype.packedBits != nil {
                self = Tensor.unpacked(raw.buffer, count: n, shape: shape, dtype: dtype)
            } else if ONNXImport.unalignedLoadsAreSafe || raw.offset % max(dtype.size, 1) == 0 {
                self.init(dtype: dtype, shape: shape, buffer: TensorBuffer(borrowing: raw.file.pointer + raw.offset, byteCount: need, owner: raw.file))
            } else {
                self.init(dtype: dtype, shape: shape, buffer: Tensor.copied(raw.buffer, byteCount: need))
            }
            return
        }
        if p.hasRawData {
            let need = dtype.packedByteCount(n)
            guard p.rawData.count == need else {
                throw GraphError("\(label): raw_data has \(p.rawData.count) bytes, shape \(shapeString(shape)) of \(dtype) needs \(need)")
            }
            if dtype.packedBits != nil {
                self = p.rawData.withUnsafeBytes { Tensor.unpacked($0, count: n, shape: shape, dtype: dtype) }
                return
            }
            self.init(dtype: dtype, shape: shape, buffer: p.rawData.withUnsafeBytes { Tensor.copied($0, byteCount: need) })
            return
        }
        func check(_ c: Int) throws {
            guard c == n else { throw GraphError("\(label) has \(c) values for shape \(shapeString(shape)) (\(n) needed)") }
        }
        switch dtype {
        case .float32: try check(p.floatData.count); self = try Tensor(shape: shape, scalars: p.floatData)
        case .float64: try check(p.doubleData.count); self = try Tensor(shape: shape, scalars: p.doubleData)
        case .int64: try check(p.int64Data.count); self = try Tensor(shape: shape, scalars: p.int64Data)
        case .uint64: try check(p.uint64Data.count); self = try Tensor(shape: shape, scalars: p.uint64Data)
        case .uint32: try check(p.uint64Data.count); self = try Tensor(shape: shape, scalars: p.uint64Data.map { UInt32(truncatingIfNeeded: $0) })
        case .int32: try check(p.int32Data.count); self = try Tensor(shape: shape, scalars: p.int32Data)
        case .int16: try check(p.int32Data.count); self = try Tensor(shape: shape, scalars: p.int32Data.map { Int16(truncatingIfNeeded: $0) })
        case .int8: try check(p.int32Data.count); self = try Tensor(shape: shape, scalars: p.int32Data.map { Int8(truncatingIfNeeded: $0) })
        case .uint16: try check(p.int32Data.count); self = try Tensor(shape: shape, scalars: p.int32Data.map { UInt16(truncatingIfNeeded: $0) })
        case .uint8: try check(p.int32Data.count); self = try Tensor(shape: shape, scalars: p.int32Data.map { UInt8(truncatingIfNeeded: $0) })
        case .bool: try check(p.int32Data.count); self = try Tensor(shape: shape, scalars: p.int32Data.map { $0 != 0 })
        case .float16: try check(p.int32Data.count); self = try Tensor(shape: shape, scalars: p.int32Data.map { Float16(bitPattern: UInt16(truncatingIfNeeded: $0)) })
        case .bfloat16: try check(p.int32Data.count); self = try Tensor(shape: shape, scalars: p.int32Data.map { BFloat16(bitPattern: UInt16(truncatingIfNeeded: $0)) })
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0:
            try check(p.int32Data.count)
            self = try Tensor(storedBytes: p.int32Data.map { UInt8(truncatingIfNeeded: $0) }, shape: shape, dtype: dtype)
        case .int4, .uint4, .float4e2m1, .int2, .uint2:
            // int32_data holds the packed bytes, one per entry.
            guard p.int32Data.count == dtype.packedByteCount(n) else {
                throw GraphError("\(label) has \(p.int32Data.count) packed bytes in int32_data, shape \(shapeString(shape)) of \(dtype) needs \(dtype.packedByteCount(n))")
            }
            let packed = p.int32Data.map { UInt8(truncatingIfNeeded: $0) }
            self = packed.withUnsafeBytes { Tensor.unpacked($0, count: n, shape: shape, dtype: dtype) }
        case .string: throw GraphError("\(label): string data missing")
        }
    }

    /// Encodes as an ONNX TensorProto with raw_data (string tensors use string_data).
    public func proto(name: String = "") -> Onnx_TensorProto {
        var p = Onnx_TensorProto()
        p.name = name
        p.dataType = Int32(dtype.rawValue)
        p.dims = shape.map { Int64($0) }
        if dtype == .string {
            p.stringData = strings.map { Data($0.utf8) }
        } else {
            p.rawData = onnxRawData()
        }
        return p
    }

    /// The element bytes as ONNX stores them in `raw_data` or external data: as in memory,
    /// except int4/uint4/float4e2m1 (2 per byte) and int2/uint2 (4 per byte), packed low bits first.
    public func onnxRawData() -> Data {
        guard dtype.packedBits != nil else { return Data(bytes: rawPointer, count: byteCount) }
        return Data(dtype.packElements(UnsafeRawBufferPointer(start: rawPointer, count: byteCount), count: count))
    }

    /// A fresh buffer holding the first `byteCount` bytes of `src`.
    static func copied(_ src: UnsafeRawBufferPointer, byteCount: Int) -> TensorBuffer {
        let buf = TensorBuffer(uninitializedByteCount: byteCount)
        if let b = src.baseAddress, byteCount > 0 { buf.pointer.copyMemory(from: b, byteCount: byteCount) }
        return buf
    }

    /// A one-byte-per-element tensor from ONNX's packed sub-byte layout.
    static func unpacked(_ src: UnsafeRawBufferPointer, count n: Int, shape: [Int], dtype: DType) -> Tensor {
        let buf = TensorBuffer(uninitializedByteCount: n)
        dtype.unpackElements(src, count: n, into: buf.pointer)
        return Tensor(dtype: dtype, shape: shape, buffer: buf)
    }
}
