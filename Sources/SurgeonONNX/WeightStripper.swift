import Foundation
import SurgeonTensor

/// Rewrites a serialized ModelProto without the large `raw_data` bytes of its top-level
/// initializers and of the tensor attributes of its top-level nodes (Constant values),
/// remembering where those bytes sit in the file. The stripped bytes decode quickly and the
/// weights are then borrowed from the memory-mapped file: loading copies no weight at all.
/// Reads only the protobuf wire format (ModelProto.graph = 7, GraphProto.node = 1,
/// GraphProto.initializer = 5, NodeProto.attribute = 5, AttributeProto.t = 5,
/// TensorProto.raw_data = 9). Anything unexpected returns nil and the caller decodes the
/// original bytes, whose errors protobuf then reports.
enum WeightStripper {
    struct Range: Equatable { let offset: Int; let length: Int }
    struct AttributeKey: Hashable { let node: Int; let attribute: Int }
    struct Result: Equatable {
        var bytes: [UInt8]
        /// By index into the top-level graph's initializer list.
        var initializers: [Int: Range] = [:]
        /// By (index into the top-level graph's node list, index into that node's attributes).
        var attributes: [AttributeKey: Range] = [:]
        var isEmpty: Bool { initializers.isEmpty && attributes.isEmpty }
    }

    /// raw_data shorter than this stays in the decoded message (copying it costs nothing).
    static let minimumBytes = 4096

    struct Field { let number: Int; let wire: UInt64; let start: Int; let payload: Int; let end: Int }

    /// `prescan: false` (for tests) rebuilds the message even when nothing is stripped.
    static func strip(_ b: UnsafeRawBufferPointer, prescan: Bool = true) -> Result? {
        // Most small exports keep their weights in external data: a walk that copies nothing
        // tells, and rebuilding the message (a tenth of their load time) is skipped.
        if prescan && !hasStrippable(b) { return nil }
        var result = Result(bytes: [])
        result.bytes.reserveCapacity(min(b.count, 1 << 20))
        var initIndex = 0, nodeIndex = 0
        let ok = forEachField(b, 0, b.count) { f in
            guard f.number == 7, f.wire == 2 else { append(b, f.start, f.end, to: &result.bytes); return true }
            var graph: [UInt8] = []
            let gok = forEachField(b, f.payload, f.end) { g in
                if g.number == 5, g.wire == 2 {
                    defer { initIndex += 1 }
                    if let (bytes, r) = stripTensor(b, g.payload, g.end) {
                        result.initializers[initIndex] = r
                        appendLengthDelimited(5, bytes, to: &graph)
                        return true
                    }
                } else if g.number == 1, g.wire == 2 {
                    defer { nodeIndex += 1 }
                    // Nodes with nothing to strip are taken as they are.
                    guard let strips = nodeStrips(b, g.payload, g.end) else { return false }
                    if !strips { append(b, g.start, g.end, to: &graph); return true }
                    var node: [UInt8] = []
                    var attrIndex = 0
                    var stripped = false
                    let nok = forEachField(b, g.payload, g.end) { n in
                        guard n.number == 5, n.wire == 2 else { append(b, n.start, n.end, to: &node); return true }
                        defer { attrIndex += 1 }
                        var attr: [UInt8] = []
                        var tensorsSeen = 0
                        var range: Range?
                        let aok = forEachField(b, n.payload, n.end) { a in
                            if a.number == 5, a.wire == 2 {
                                tensorsSeen += 1
                                if let (bytes, r) = stripTensor(b, a.payload, a.end) {
                                    range = r
                                    appendLengthDelimited(5, bytes, to: &attr)
                                    return true
                                }
                            }
                            append(b, a.start, a.end, to: &attr)
                            return true
                        }
                        guard aok else { return false }
                        // A repeated `t` field merges in protobuf: leave such oddities to the decoder.
                        if let range, tensorsSeen == 1 {
                            result.attributes[AttributeKey(node: nodeIndex, attribute: attrIndex)] = range
                            appendLengthDelimited(5, attr, to: &node)
                            stripped = true
                        } else {
                            append(b, n.start, n.end, to: &node)
                        }
                        return true
                    }
                    guard nok else { return false }
                    if stripped { appendLengthDelimited(1, node, to: &graph); return true }
                }
                append(b, g.start, g.end, to: &graph)
                return true
            }
            guard gok else { return false }
            appendLengthDelimited(7, graph, to: &result.bytes)
            return true
        }
        return ok ? result : nil
    }

    /// Whether `strip` would leave anything out: false for well-formed bytes with no large
    /// raw_data where `strip` looks; true when the bytes are not well-formed where `strip`
    /// walks them (so that `strip` gives up on them as before).
    static func hasStrippable(_ b: UnsafeRawBufferPointer) -> Bool {
        var found = false
        let ok = forEachField(b, 0, b.count) { f in
            guard f.number == 7, f.wire == 2 else { return true }
            return forEachField(b, f.payload, f.end) { g in
                if g.number == 5, g.wire == 2, rawDataField(b, g.payload, g.end) != nil {
                    found = true
                } else if g.number == 1, g.wire == 2 {
                    guard let strips = nodeStrips(b, g.payload, g.end) else { return false }
                    found = found || strips
                }
                return !found
            }
        }
        return found || !ok
    }

    /// Whether `strip` takes raw_data out of one of this NodeProto's attributes; nil when its
    /// fields or its attributes' fields are not well-formed (`strip` then gives up).
    static func nodeStrips(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Bool? {
        var strips = false
        let ok = forEachField(b, from, to) { n in
            guard n.number == 5, n.wire == 2 else { return true }
            var tensorsSeen = 0
            var found = false
            let aok = forEachField(b, n.payload, n.end) { a in
                if a.number == 5, a.wire == 2 {
                    tensorsSeen += 1
                    if rawDataField(b, a.payload, a.end) != nil { found = true }
                }
                return true
            }
            guard aok else { return false }
            if found && tensorsSeen == 1 { strips = true }
            return true
        }
        return ok ? strips : nil
    }

    /// The raw_data field of a TensorProto when `stripTensor` would take it out.
    static func rawDataField(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Field? {
        var raw: Field?
        var count = 0
        guard forEachField(b, from, to, { f in
            if f.number == 9 { count += 1; raw = f }
            return true
        }) else { return nil }
        guard count == 1, let raw, raw.wire == 2, raw.end - raw.payload >= minimumBytes else { return nil }
        return raw
    }

    /// The TensorProto's bytes without its raw_data field, and where raw_data was; nil when
    /// there is nothing worth stripping (or raw_data appears more than once).
    static func stripTensor(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> ([UInt8], Range)? {
        guard let raw = rawDataField(b, from, to) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(raw.start - from + to - raw.end)
        append(b, from, raw.start, to: &out)
        append(b, raw.end, to, to: &out)
        return (out, Range(offset: raw.payload, length: raw.end - raw.payload))
    }

    static func append(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int, to out: inout [UInt8]) {
        // As typed bytes: appending a raw buffer went byte by byte.
        guard to > from, let base = b.baseAddress else { return }
        out.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self) + from, count: to - from))
    }

    static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    static func appendLengthDelimited(_ field: Int, _ payload: [UInt8], to out: inout [UInt8]) {
        appendVarint(UInt64(field) << 3 | 2, to: &out)
        appendVarint(UInt64(payload.count), to: &out)
        out.append(contentsOf: payload)
    }

    /// Calls `body` for each field in [from, to); false when the bytes are not well-formed
    /// protobuf (or use groups) or when `body` returns false.
    static func forEachField(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ body: (Field) -> Bool) -> Bool {
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
            let start = p
            guard let key = varint() else { return false }
            let number = Int(key >> 3), wire = key & 7
            guard number > 0 else { return false }
            let payload: Int
            switch wire {
            case 0: guard varint() != nil else { return false }; payload = p
            case 1: guard to - p >= 8 else { return false }; payload = p; p += 8
            case 5: guard to - p >= 4 else { return false }; payload = p; p += 4
            case 2:
                guard let len = varint(), len <= UInt64(to - p) else { return false }
                payload = p
                p += Int(len)
            default: return false
            }
            guard body(Field(number: number, wire: wire, start: start, payload: payload, end: p)) else { return false }
        }
        return true
    }
}

/// Raw tensor bytes that stay in the memory-mapped model file.
struct BorrowedBytes {
    let file: MappedFile
    let offset: Int
    let length: Int
    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: file.pointer + offset, count: length) }
}

/// The weights left out of the decoded bytes, to build as views into the file.
struct BorrowedWeights {
    let file: MappedFile
    let stripped: WeightStripper.Result

    func initializer(_ i: Int) -> BorrowedBytes? {
        stripped.initializers[i].map { BorrowedBytes(file: file, offset: $0.offset, length: $0.length) }
    }

    func attribute(node: Int, attribute: Int) -> BorrowedBytes? {
        stripped.attributes[.init(node: node, attribute: attribute)].map { BorrowedBytes(file: file, offset: $0.offset, length: $0.length) }
    }
}
