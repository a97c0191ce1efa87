import Foundation

/// Finds where each top-level initializer's `raw_data` bytes sit inside a serialized
/// ModelProto, so weights can be borrowed from the memory-mapped file instead of copied.
/// Reads only the protobuf wire format (ModelProto.graph = 7, GraphProto.initializer = 5,
/// TensorProto.name = 8, TensorProto.raw_data = 9); anything unexpected just yields fewer ranges.
enum RawDataLocator {
    struct Range { let offset: Int; let length: Int }

    static func locate(in bytes: UnsafeRawBufferPointer) -> [String: Range] {
        var out: [String: Range] = [:]
        forEachField(bytes, 0, bytes.count) { field, start, length in
            guard field == 7 else { return }
            forEachField(bytes, start, start + length) { f, s, l in
                guard f == 5 else { return }
                var name: String?
                var raw: Range?
                forEachField(bytes, s, s + l) { tf, ts, tl in
                    if tf == 8 { name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[ts..<(ts + tl)]), as: UTF8.self) }
                    if tf == 9 { raw = Range(offset: ts, length: tl) }
                }
                if let name, let raw { out[name] = raw }
            }
        }
        return out
    }

    /// Calls `body(fieldNumber, start, length)` for each length-delimited field in [from, to).
    static func forEachField(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ body: (Int, Int, Int) -> Void) {
        var p = from
        func varint() -> UInt64? {
            var result: UInt64 = 0, shift: UInt64 = 0
            while p < to && shift < 64 {
                let byte = b[p]
                p += 1
                result |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
            return nil
        }
        while p < to {
            guard let key = varint() else { return }
            let field = Int(key >> 3), wire = key & 7
            switch wire {
            case 0: guard varint() != nil else { return }
            case 1: p += 8
            case 5: p += 4
            case 2:
                guard let len = varint(), len <= UInt64(to - p) else { return }
                body(field, p, Int(len))
                p += Int(len)
            default: return
            }
        }
    }
}
