import Foundation
import ONNXProto
import SurgeonGraph
import SurgeonTensor

/// Reading and writing single values as ONNX protobuf files (`.pb`): TensorProto, and the
/// SequenceProto / OptionalProto that the backend test data uses.
public enum ValueFiles {
    /// Reads a TensorProto `.pb` file.
    public static func readTensorPB(path: String) throws -> Tensor {
        let data = try readFile(path)
        do {
            return try Tensor(proto: Onnx_TensorProto(serializedBytes: data))
        } catch let e as GraphError { throw GraphError("\(path): \(e.message)") } catch {
            throw GraphError("\(path) is not an ONNX TensorProto file (\(error))")
        }
    }

    /// Reads a `.pb` value whose kind the declared type tells (tensor, sequence or optional).
    public static func readValuePB(path: String, type: ValueType) throws -> Value {
        let data = try readFile(path)
        do {
            switch type {
            case .sequence:
                return try value(from: Onnx_SequenceProto(serializedBytes: data))
            case .optional:
                return try value(from: Onnx_OptionalProto(serializedBytes: data))
            default:
                return .tensor(try Tensor(proto: Onnx_TensorProto(serializedBytes: data)))
            }
        } catch let e as GraphError { throw GraphError("\(path): \(e.message)") } catch {
            throw GraphError("\(path) cannot be decoded (\(error))")
        }
    }

    static func value(from s: Onnx_SequenceProto) throws -> Value {
        .sequence(try s.tensorValues.map { try Tensor(proto: $0) })
    }

    static func value(from o: Onnx_OptionalProto) throws -> Value {
        switch o.elemType {
        case 1: return .optional(.tensor(try Tensor(proto: o.tensorValue)))
        case 3: return .optional(try value(from: o.sequenceValue))
        default: return .optional(nil)
        }
    }

    /// Writes a tensor as a TensorProto `.pb` file (atomically).
    public static func writeTensorPB(_ t: Tensor, name: String = "", path: String) throws {
        let data: Data
        do { data = try t.proto(name: name).serializedData() } catch { throw GraphError("cannot encode tensor: \(error)") }
        try writeFileAtomically(data, to: path)
    }

    static func readFile(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw GraphError("no such file: \(path)") }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw GraphError("cannot read \(path): \(error.localizedDescription)")
        }
    }
}

/// Writes to a temporary file beside `path`, then renames it over `path`: nothing half written.
public func writeFileAtomically(_ data: Data, to path: String) throws {
    let w = try AtomicFileWriter(path: path)
    try data.withUnsafeBytes { try w.write($0) }
    try w.commit()
}

/// `write(2)` (the writer's own `write` methods hide the C name inside the class).
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

/// A file written through a temporary file beside it, renamed into place by `commit()`;
/// dropped without `commit()` (an error on the way), the temporary file is removed and the
/// target is untouched. Small writes are gathered; large ones go straight to the file.
final class AtomicFileWriter {
    let path: String
    private let tmp: String
    private var fd: Int32
    private var pending: [UInt8] = []
    private static let gather = 1 << 20

    init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        tmp = (dir.isEmpty ? "." : dir) + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw GraphError("cannot write \(path): \(String(cString: strerror(errno)))") }
        pending.reserveCapacity(AtomicFileWriter.gather)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        if pending.count + bytes.count <= AtomicFileWriter.gather {
            pending.append(contentsOf: bytes)
            return
        }
        try flush()
        if bytes.count < AtomicFileWriter.gather { pending.append(contentsOf: bytes) } else { try writeAll(bytes) }
    }

    func write(_ data: Data) throws { try data.withUnsafeBytes { try write($0) } }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        try pending.withUnsafeBytes { try writeAll($0) }
        pending.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = posixWrite(fd, p, min(left, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw GraphError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw GraphError("cannot write \(path): no progress writing") }
            p += n
            left -= n
        }
    }

    /// Flushes, closes and renames the temporary file over `path`.
    func commit() throws {
        try flush()
        let f = fd
        fd = -1
        if close(f) != 0 {
            let msg = String(cString: strerror(errno))
            unlink(tmp)
            throw GraphError("cannot write \(path): \(msg)")
        }
        if rename(tmp, path) != 0 {
            let msg = String(cString: strerror(errno))
            unlink(tmp)
            throw GraphError("cannot write \(path): \(msg)")
        }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(tmp)
        }
    }
}
