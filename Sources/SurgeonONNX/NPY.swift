import CZlib
import Foundation
import SurgeonGraph
import SurgeonTensor

/// numpy `.npy` files (format 1.0–3.0, little-endian, C order) and `.npz` archives (stored or
/// deflated members).
public enum NPY {
    static let descrs: [(String, DType)] = [
        ("f4", .float32), ("f8", .float64), ("f2", .float16), ("i1", .int8), ("i2", .int16),
        ("i4", .int32), ("i8", .int64), ("u1", .uint8), ("u2", .uint16), ("u4", .uint32),
        ("u8", .uint64), ("b1", .bool),
    ]

    /// Reads a `.npy` file. The header is read first, then the values straight into the
    /// tensor's buffer: no copy of the file on the heap (where a megabyte input left a hole
    /// that stayed resident for the rest of the process) nor a mapping beside the tensor.
    public static func read(path: String) throws -> Tensor {
        guard FileManager.default.fileExists(atPath: path) else { throw GraphError("no such file: \(path)") }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GraphError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw GraphError("cannot read \(path): not a regular file") }
        let size = Int(st.st_size)
        do {
            // Enough for the fixed part; then the whole header (its length is in bytes 8-11).
            var prefix = try readBytes(fd, at: 0, count: min(size, 4096))
            if prefix.count >= 12 {
                let len = prefix[6] == 1 ? Int(prefix[8]) | Int(prefix[9]) << 8
                    : Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
                let end = min(size, (prefix[6] == 1 ? 10 : 12) + len)
                if end > prefix.count { prefix = try readBytes(fd, at: 0, count: end) }
            }
            return try prefix.withUnsafeBytes { head in
                try decode(head, totalBytes: size) { dst, offset, count in
                    var done = 0
                    while done < count {
                        let r = pread(fd, dst + done, count - done, off_t(offset + done))
                        if r < 0 && errno == EINTR { continue }
                        guard r > 0 else { throw GraphError("cannot read the values: \(r < 0 ? String(cString: strerror(errno)) : "file shorter than expected")") }
                        done += r
                    }
                }
            }
        } catch let e as GraphError { throw GraphError("\(path): \(e.message)") }
    }

    /// `count` bytes of `fd` from `offset` (fewer at the end of the file).
    private static func readBytes(_ fd: Int32, at offset: Int, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        try out.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            while done < count {
                let r = pread(fd, base + done, count - done, off_t(offset + done))
                if r < 0 && errno == EINTR { continue }
                if r < 0 { throw GraphError("cannot read: \(String(cString: strerror(errno)))") }
                if r == 0 { break }
                done += r
            }
        }
        return Array(out[0..<done])
    }

    /// Decodes `.npy` bytes.
    public static func decode(_ data: Data) throws -> Tensor {
        try data.withUnsafeBytes { try decode($0) }
    }

    /// Decodes `.npy` bytes (read in place; the values are copied into the tensor). With
    /// `readValues`, `bytes` holds the file's first bytes (the header at least) of
    /// `totalBytes`, and `readValues(destination, fileOffset, count)` reads the values.
    static func decode(_ bytes: UnsafeRawBufferPointer, totalBytes: Int? = nil,
                       readValues: ((UnsafeMutableRawPointer, Int, Int) throws -> Void)? = nil) throws -> Tensor {
        let total = readValues == nil ? bytes.count : (totalBytes ?? bytes.count)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw GraphError("not a .npy file (bad magic)")
        }
        let major = bytes[6]
        var headerLen: Int, start: Int
        if major == 1 {
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        } else {
            guard bytes.count >= 12 else { throw GraphError("truncated .npy header") }
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        }
        guard start + headerLen <= bytes.count else { throw GraphError("truncated .npy header") }
        let header = String(decoding: bytes[start..<(start + headerLen)], as: UTF8.self)
        guard let descr = field(header, "descr") else { throw GraphError(".npy header has no descr") }
        let order = field(header, "fortran_order") ?? "False"
        guard let shapeText = field(header, "shape") else { throw GraphError(".npy header has no shape") }
        let code = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        guard let first = code.first else { throw GraphError("empty descr") }
        if first == ">" && !code.hasSuffix("1") {
            throw GraphError("big-endian .npy data (\(code)) is not supported; save with '<' byte order")
        }
        let body = (first == "<" || first == "|" || first == "=" || first == ">") ? String(code.dropFirst()) : code
        guard let dtype = descrs.first(where: { $0.0 == body })?.1 else {
            throw GraphError(".npy dtype '\(code)' is not supported")
        }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var dims: [Int] = []
        for s in shape {
            guard let d = Int(s), d >= 0 else { throw GraphError("bad .npy shape \(shapeText)") }
            dims.append(d)
        }
        let n = try Tensor.checkedCount(dims, dtype: dtype)
        let offset = start + headerLen
        let need = n * dtype.size
        guard total - offset >= need else {
            throw GraphError(".npy data is truncated: \(total - offset) bytes for \(dtype)\(shapeString(dims)) (\(need) needed)")
        }
        let buf = TensorBuffer(uninitializedByteCount: need)
        if let readValues {
            try readValues(buf.pointer, offset, need)
        } else if need > 0, let b = bytes.baseAddress {
            buf.pointer.copyMemory(from: b + offset, byteCount: need)
        }
        var t = Tensor(dtype: dtype, shape: dims, buffer: buf)
        if order.hasPrefix("True") && dims.count > 1 {
            // Fortran order: the bytes are the transpose; read reversed and permute back.
            let rev = Array(dims.reversed())
            t = try t.reshaped(rev)
            let revStrides = contiguousStrides(rev)
            var idx = [Int](repeating: 0, count: n)
            let outStrides = contiguousStrides(dims)
            for i in 0..<n {
                var rem = i, src = 0
                for a in 0..<dims.count {
                    let c = rem / outStrides[a]
                    rem %= outStrides[a]
                    src += c * revStrides[dims.count - 1 - a]
                }
                idx[i] = src
            }
            t = try t.take(flatIndices: idx, shape: dims)
        }
        return t
    }

    static func field(_ header: String, _ key: String) -> String? {
        guard let r = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[r.upperBound...].drop(while: { $0 == " " || $0 == ":" })
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        if let end = rest.firstIndex(of: ",") ?? rest.firstIndex(of: "}") {
            rest = rest[..<end]
        }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    /// Encodes a tensor as `.npy` (format 1.0, or 2.0 for very long headers).
    public static func encode(_ t: Tensor) throws -> Data {
        guard let code = descrs.first(where: { $0.1 == t.dtype })?.0 else {
            let hint = t.dtype.isSignedInteger ? "int8" : t.dtype.isUnsignedInteger ? "uint8" : "float32"
            throw GraphError("\(t.dtype) has no standard .npy type; cast it first (e.g. to \(hint))")
        }
        let prefix = t.dtype.size == 1 ? "|" : "<"
        let shape = t.shape.isEmpty ? "()" : t.shape.count == 1 ? "(\(t.shape[0]),)" : "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(prefix)\(code)', 'fortran_order': False, 'shape': \(shape), }"
        var pre = 10
        if header.utf8.count + 11 > 65535 { pre = 12 }
        let total = pre + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var d = Data([0x93] + Array("NUMPY".utf8))
        let hl = header.utf8.count
        if pre == 10 { d.append(contentsOf: [1, 0, UInt8(hl & 0xff), UInt8(hl >> 8)]) }
        else { d.append(contentsOf: [2, 0, UInt8(hl & 0xff), UInt8((hl >> 8) & 0xff), UInt8((hl >> 16) & 0xff), UInt8(hl >> 24)]) }
        d.append(contentsOf: Array(header.utf8))
        d.append(Data(bytes: t.rawPointer, count: t.byteCount))
        return d
    }

    /// Writes a `.npy` file atomically.
    public static func write(_ t: Tensor, path: String) throws {
        try writeFileAtomically(try encode(t), to: path)
    }

    /// Reads every array of a `.npz` archive, by name (without the `.npy` suffix), in file order.
    public static func readArchive(path: String) throws -> [(String, Tensor)] {
        let data = [UInt8](try ValueFiles.readFile(path))
        var out: [(String, Tensor)] = []
        var p = 0
        func u16(_ i: Int) -> Int { Int(data[i]) | Int(data[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        while p + 30 <= data.count && u32(p) == 0x04034b50 {
            let flags = u16(p + 6), method = u16(p + 8)
            var csize = u32(p + 18), usize = u32(p + 22)
            let nameLen = u16(p + 26), extraLen = u16(p + 28)
            guard p + 30 + nameLen + extraLen <= data.count else { throw GraphError("\(path): truncated zip entry") }
            let name = String(decoding: data[(p + 30)..<(p + 30 + nameLen)], as: UTF8.self)
            // zip64 sizes live in the extra field
            if csize == 0xFFFFFFFF || usize == 0xFFFFFFFF {
                var e = p + 30 + nameLen
                let end = e + extraLen
                while e + 4 <= end {
                    let id = u16(e), len = u16(e + 2)
                    if id == 1 && e + 4 + 16 <= data.count {
                        usize = u32(e + 4) | u32(e + 8) << 32
                        csize = u32(e + 12) | u32(e + 16) << 32
                    }
                    e += 4 + len
                }
            }
            guard flags & 8 == 0 else { throw GraphError("\(path): streamed zip entries are not supported") }
            let start = p + 30 + nameLen + extraLen
            guard start + csize <= data.count else { throw GraphError("\(path): truncated zip entry '\(name)'") }
            let raw = Array(data[start..<(start + csize)])
            let bytes: [UInt8]
            switch method {
            case 0: bytes = raw
            case 8: bytes = try inflate(raw, expected: usize)
            default: throw GraphError("\(path): zip method \(method) is not supported")
            }
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            do { out.append((key, try decode(Data(bytes)))) } catch let e as GraphError {
                throw GraphError("\(path)/\(name): \(e.message)")
            }
            p = start + csize
        }
        if out.isEmpty { throw GraphError("\(path) is not a .npz archive (no arrays found)") }
        return out
    }

    static func inflate(_ input: [UInt8], expected: Int) throws -> [UInt8] {
        guard expected >= 0 && expected <= tensorByteLimit else { throw GraphError("zip entry too large") }
        var out = [UInt8](repeating: 0, count: max(expected, 1))
        var stream = z_stream()
        var status = inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw GraphError("zlib init failed") }
        defer { inflateEnd(&stream) }
        var inCopy = input
        status = inCopy.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = inp.baseAddress
                stream.avail_in = uInt(inp.count)
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(o.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw GraphError("corrupt deflate data in .npz") }
        return Array(out.prefix(Int(stream.total_out)))
    }
}
