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
    let dir = (path as NSString).deletingLastPathComponent
    let tmp = (dir.isEmpty ? "." : dir) + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: tmp, contents: data) else {
        throw GraphError("cannot write \(path): \(String(cString: strerror(errno)))")
    }
    if rename(tmp, path) != 0 {
        let msg = String(cString: strerror(errno))
        unlink(tmp)
        throw GraphError("cannot write \(path): \(msg)")
    }
}
