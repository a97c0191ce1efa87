import CZlib
import Foundation

/// A minimal PNG writer: 8-bit RGB, no interlace, filter 0 on every row, one zlib stream in
/// one IDAT chunk, optional tEXt chunks (Latin-1 keywords and text).
public enum PNG {
    /// CRC-32 (ISO 3309, reflected polynomial 0xEDB88320) as PNG chunks use it.
    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32 of `bytes`, continuing from `crc` (0 for a fresh one).
    public static func crc32<S: Sequence>(_ bytes: S, crc: UInt32 = 0) -> UInt32 where S.Element == UInt8 {
        var c = ~crc
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }

    /// The zlib stream (RFC 1950) of `bytes`.
    static func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var outLen = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(outLen))
        let rc = out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { i in compress2(o.baseAddress, &outLen, i.baseAddress, uLong(i.count), 6) }
        }
        guard rc == Z_OK else { throw ShellError("PNG: zlib compression failed (code \(rc))") }
        return Array(out.prefix(Int(outLen)))
    }

    static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        let t = Array(type.utf8)
        appendBigEndian(UInt32(data.count), &out)
        out += t
        out += data
        appendBigEndian(crc32(data, crc: crc32(t)), &out)
    }

    static func appendBigEndian(_ v: UInt32, _ out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    /// The PNG file of a `width` × `height` image; `rgb` holds 3 bytes per pixel, row-major.
    public static func encodeRGB(width: Int, height: Int, rgb: [UInt8], text: [(key: String, value: String)] = []) throws -> [UInt8] {
        guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
            throw ShellError("PNG: an image of \(width)×\(height) pixels cannot be written")
        }
        guard rgb.count == width * height * 3 else { throw ShellError("PNG: \(rgb.count) bytes for \(width)×\(height) RGB pixels") }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = []
        appendBigEndian(UInt32(width), &ihdr)
        appendBigEndian(UInt32(height), &ihdr)
        ihdr += [8, 2, 0, 0, 0]  // bit depth 8, colour type 2 (RGB), deflate, filter method 0, no interlace
        chunk("IHDR", ihdr, into: &out)
        for (k, v) in text {
            // tEXt is Latin-1: keep printable ASCII.
            let keyword = Array(k.utf8.filter { $0 >= 32 && $0 < 127 }.prefix(79))
            let value = Array(v.unicodeScalars.map { $0.value < 256 && $0.value >= 32 ? UInt8($0.value) : UInt8(ascii: "?") })
            if !keyword.isEmpty { chunk("tEXt", keyword + [0] + value, into: &out) }
        }
        let rowBytes = width * 3
        var raw = [UInt8](repeating: 0, count: (rowBytes + 1) * height)
        for y in 0..<height {
            // Filter type 0 (None) at raw[y * (rowBytes + 1)], then the row.
            let dst = y * (rowBytes + 1) + 1, src = y * rowBytes
            raw.replaceSubrange(dst..<(dst + rowBytes), with: rgb[src..<(src + rowBytes)])
        }
        chunk("IDAT", try deflate(raw), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }
}
