import CZlib
import Foundation
import Testing
@testable import SurgeonShell

/// A PNG read back independently of the writer: chunks with their CRCs checked by zlib's
/// crc32, IDAT inflated by zlib, filter bytes removed.
struct DecodedPNG {
    var width = 0, height = 0, bitDepth = 0, colorType = 0
    var pixels: [UInt8] = []
    var text: [String: String] = [:]
    var chunkTypes: [String] = []

    init(_ d: [UInt8]) throws {
        struct Bad: Error { let why: String }
        guard d.count > 8, Array(d.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw Bad(why: "signature") }
        func be32(_ o: Int) -> Int { Int(d[o]) << 24 | Int(d[o + 1]) << 16 | Int(d[o + 2]) << 8 | Int(d[o + 3]) }
        var o = 8
        var idat: [UInt8] = []
        while o + 12 <= d.count {
            let len = be32(o)
            guard o + 12 + len <= d.count else { throw Bad(why: "truncated chunk") }
            let type = String(decoding: d[(o + 4)..<(o + 8)], as: UTF8.self)
            let body = Array(d[(o + 8)..<(o + 8 + len)])
            let typeAndBody = Array(d[(o + 4)..<(o + 8 + len)])
            let crc = typeAndBody.withUnsafeBufferPointer { CZlib.crc32(0, $0.baseAddress, uInt($0.count)) }
            guard crc == uLong(be32(o + 8 + len)) else { throw Bad(why: "CRC of \(type)") }
            chunkTypes.append(type)
            switch type {
            case "IHDR":
                width = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
                height = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
                bitDepth = Int(body[8])
                colorType = Int(body[9])
            case "IDAT": idat += body
            case "tEXt":
                if let z = body.firstIndex(of: 0) {
                    text[String(decoding: body[..<z], as: UTF8.self)] = String(decoding: body[(z + 1)...], as: UTF8.self)
                }
            default: break
            }
            o += 12 + len
        }
        guard chunkTypes.first == "IHDR", chunkTypes.last == "IEND" else { throw Bad(why: "chunk order \(chunkTypes)") }
        let rowBytes = width * 3 + 1
        var raw = [UInt8](repeating: 0, count: rowBytes * height)
        var rawLen = uLongf(raw.count)
        let rc = raw.withUnsafeMutableBufferPointer { r in idat.withUnsafeBufferPointer { uncompress(r.baseAddress, &rawLen, $0.baseAddress, uLong($0.count)) } }
        guard rc == Z_OK, Int(rawLen) == raw.count else { throw Bad(why: "inflate: code \(rc), \(rawLen) of \(raw.count) bytes") }
        for y in 0..<height {
            guard raw[y * rowBytes] == 0 else { throw Bad(why: "filter \(raw[y * rowBytes]) on row \(y)") }
            pixels += raw[(y * rowBytes + 1)..<((y + 1) * rowBytes)]
        }
    }

    init(path: String) throws { try self.init([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))) }

    func rgb(_ x: Int, _ y: Int) -> [UInt8] { let o = (y * width + x) * 3; return Array(pixels[o..<(o + 3)]) }
}

/// Any Python 3 (the test venv from `make test`, or the system one): the reader below uses only the standard library.
let pythonForTests: String? = {
    var candidates = ["/work/main/.venv/bin/python", "/usr/bin/python3"]
    if let p = ProcessInfo.processInfo.environment["SURGEON_PYTHON"] { candidates.insert(p, at: 0) }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

@Suite struct HeatmapPNGTests {
    func tempDir(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "png-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(PNG.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNG.crc32(Array("IEND".utf8)) == 0xAE42_6082)
    }

    @Test func savesOnePixelPerValueOnTheScale() throws {
        let dir = try tempDir("scale")
        let (t, _) = runScript("heatmap reshape(arange(12), 3, 4) save=\(dir)/h.png")
        #expect(t.failures == 0, "\(t.errors)")
        #expect(t.out == ["saved heatmap of reshape(arange(12), 3, 4) (3×4 values) to \(dir)/h.png"])
        let png = try DecodedPNG(path: dir + "/h.png")
        #expect(png.width == 4 && png.height == 3 && png.bitDepth == 8 && png.colorType == 2)
        // Minimum: viridis' dark purple; maximum: its yellow (the ramp's end points).
        #expect(png.rgb(0, 0) == [0x44, 0x01, 0x54])
        #expect(png.rgb(3, 2) == [0xFD, 0xE7, 0x25])
        // 6 of 0...11 is level Int(6 / 11 * 256) = 139 of 256: 139/255 of the way along the 9
        // viridis anchors, 0.3608 from #21908d to #27ad81 = (35.2, 154.5, 136.7).
        #expect(png.rgb(2, 1) == [35, 154, 137])
        let mid = HeatmapScale.rgbRamp[139]
        #expect([mid.r, mid.g, mid.b] == [35, 154, 137])
        // Values increase left to right: green grows along the first row.
        #expect(png.rgb(0, 0)[1] < png.rgb(1, 0)[1] && png.rgb(1, 0)[1] < png.rgb(2, 0)[1])
        #expect(png.text["Title"] == "reshape(arange(12), 3, 4)")
        #expect(png.text["Description"]?.contains("0 (dark purple) .. 11 (yellow)") == true)
    }

    @Test func sliceSelectionAndNonFiniteValues() throws {
        let dir = try tempDir("slice")
        let (t, _) = runScript("""
        heatmap reshape(arange(24), 2, 3, 4) dims=0,2 index=1 save=\(dir)/s.png
        heatmap log([[0.0, 1.0], [2.0, 4.0]]) save=\(dir)/n.png
        """)
        #expect(t.failures == 0, "\(t.errors)")
        // dims=0,2 index=1: rows are axis 0 (2), columns axis 2 (4), values 4...7 and 16...19.
        let s = try DecodedPNG(path: dir + "/s.png")
        #expect(s.width == 4 && s.height == 2)
        #expect(s.rgb(0, 0) == [0x44, 0x01, 0x54] && s.rgb(3, 1) == [0xFD, 0xE7, 0x25])
        let n = try DecodedPNG(path: dir + "/n.png")
        #expect(n.rgb(0, 0) == [0x58, 0x58, 0x58], "log 0 = -inf is grey")
        #expect(n.rgb(1, 0) == [0x44, 0x01, 0x54] && n.rgb(1, 1) == [0xFD, 0xE7, 0x25])
    }

    @Test func downsamplesLargeSlicesByMean() throws {
        let dir = try tempDir("down")
        let (t, _) = runScript("heatmap reshape(arange(8192), 4096, 2) save=\(dir)/d.png")
        #expect(t.failures == 0, "\(t.errors)")
        #expect(t.out.first?.contains("4096×2 values → 2048×2 pixels by mean") == true)
        let png = try DecodedPNG(path: dir + "/d.png")
        #expect(png.width == 2 && png.height == 2048)
        // Pixel (0, 0) is the mean of 0 and 2: level Int(1 / 8191 * 256) = 0; the last row's
        // right pixel the mean of 8189 and 8191 = 8190: level 255.
        #expect(png.rgb(0, 0) == [0x44, 0x01, 0x54] && png.rgb(1, 2047) == [0xFD, 0xE7, 0x25])
    }

    @Test func colourBarOnTheRight() throws {
        let dir = try tempDir("bar")
        let (t, _) = runScript("heatmap arange(10) save=\(dir)/b.png colorbar=yes\nheatmap arange(3) save=\(dir)/x.png colorbar=maybe")
        #expect(t.failures == 1)
        #expect(t.errors.contains("colorbar= takes yes or no"))
        let png = try DecodedPNG(path: dir + "/b.png")
        #expect(png.width == 10 + 4 + 16 && png.height == 64)
        #expect(png.rgb(12, 0) == [255, 255, 255], "gap")
        #expect(png.rgb(20, 0) == [0xFD, 0xE7, 0x25] && png.rgb(20, 63) == [0x44, 0x01, 0x54])
        #expect(png.rgb(0, 1) == [255, 255, 255], "below the 1-row image")
    }

    @Test func unwritablePathIsOneErrorLine() throws {
        let dir = try tempDir("bad")
        let (t, _) = runScript("""
        heatmap ones(2, 2) save=/nonexistent-dir/h.png
        heatmap ones(2, 2) save=\(dir)/h.txt
        heatmap ones(2, 2) save=\(dir)/ok.png
        """)
        #expect(t.failures == 2)
        let lines = t.errors.split(separator: "\n")
        #expect(lines.count == 2, "\(t.errors)")
        #expect(lines.first?.contains("cannot write /nonexistent-dir/h.png") == true, "\(t.errors)")
        #expect(lines.last?.contains("does not end in .png") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["ok.png"], "no temporary file left")
    }

    /// The same file read by Python's zlib (another inflater and CRC).
    @Test(.enabled(if: pythonForTests != nil, "no python3"))
    func pythonReadsTheFile() throws {
        let dir = try tempDir("py")
        let (t, _) = runScript("heatmap reshape(arange(12), 3, 4) save=\(dir)/h.png")
        #expect(t.failures == 0)
        let script = """
        import struct, sys, zlib
        d = open(sys.argv[1], 'rb').read()
        assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
        o, idat, w, h = 8, b'', 0, 0
        while o < len(d):
            n, = struct.unpack('>I', d[o:o+4]); ty = d[o+4:o+8]; body = d[o+8:o+8+n]
            assert struct.unpack('>I', d[o+8+n:o+12+n])[0] == zlib.crc32(ty + body), ty
            if ty == b'IHDR': w, h = struct.unpack('>II', body[:8])
            if ty == b'IDAT': idat += body
            o += 12 + n
        raw = zlib.decompress(idat)
        row = lambda y: raw[y*(3*w+1)+1:(y+1)*(3*w+1)]
        print(w, h, row(0)[0:3].hex(), row(h-1)[3*(w-1):3*w].hex())
        """
        let py = try #require(pythonForTests)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: py)
        p.arguments = ["-c", script, dir + "/h.png"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(out == "4 3 440154 fde725\n")
    }
}
