import Foundation
import SurgeonTensor

/// `set`: session settings. Only `memory` so far.
enum SetCommand {
    static let settings = ["memory"]

    static func run(_ c: ParsedCommand, _ s: Session) throws {
        let words = c.positional
        guard let key = words.first else {
            s.write(memoryText(s))
            return
        }
        guard key.text == "memory" else {
            throw ShellError("unknown setting '\(key.text)'" + Commands.suggestion(key.text, settings) + "; settings: " + settings.joined(separator: ", "), column: key.column)
        }
        guard words.count > 1 else {
            s.write(memoryText(s))
            return
        }
        guard words.count == 2 else {
            throw ShellError("set memory takes one size: set memory 8G | 512M | 100000 | off", column: words[2].column)
        }
        let value = words[1]
        switch value.text.lowercased() {
        case "off", "none":
            s.memoryBudget = nil
        case "auto", "default":
            s.memoryBudget = MemoryBudget.physicalDefault
        default:
            guard let bytes = MemoryBudget.parseSize(value.text) else {
                throw ShellError("'\(value.text)' is not a size: set memory takes a size such as 8G, 512M, 64K, 1.5T or 100000 (bytes), or off", column: value.column)
            }
            s.memoryBudget = bytes
        }
        s.write(memoryText(s))
    }

    static func memoryText(_ s: Session) -> String {
        var use = "; tensors in use: \(formatBytes(MemoryBudget.liveBytes))"
        let resident = residentAndPeak()
        if let rss = resident.now {
            use += "; process resident: \(formatBytes(rss))"
            var parts: [String] = []
            if let peak = resident.peak { parts.append("peak \(formatBytes(peak))") }
            if let smaps = procText("/proc/self/smaps") {
                parts.append("program code and libraries \(formatBytes(codeResidentBytes(smaps: smaps)))")
            }
            if !parts.isEmpty { use += " (" + parts.joined(separator: ", ") + ")" }
        }
        guard let b = s.memoryBudget else {
            return "memory budget: off (single tensors are limited to \(formatBytes(tensorByteLimit)))" + use
        }
        var text = "memory budget: \(formatBytes(b))"
        if b == MemoryBudget.physicalDefault, let total = MemoryBudget.physicalMemory {
            text += " (80% of \(formatBytes(total)) of memory)"
        }
        return text + use
    }

    /// The resident set size now and the most the process has had resident (VmRSS, the count
    /// statm gives in pages, and VmHWM), from one read of /proc/self/status; nil where there is
    /// no /proc.
    static func residentAndPeak() -> (now: Int?, peak: Int?) {
        guard let text = procText("/proc/self/status") else { return (nil, nil) }
        return (kilobytes(after: "VmRSS:", in: text), kilobytes(after: "VmHWM:", in: text))
    }

    /// `residentAndPeak`'s peak.
    static func peakResidentBytes() -> Int? { residentAndPeak().peak }

    /// Resident bytes of the executable and shared libraries, in the text of /proc/self/smaps:
    /// every mapping of a file that is mapped executable somewhere (its code, read-only data and
    /// data), so not the model's weights, which are mapped from their files read-only. Shared,
    /// file-backed pages the kernel maps in 64 KiB around each page a call touches: a model's
    /// run brings in most of the program's 6 MB of code, whatever the model's size.
    static func codeResidentBytes(smaps: String) -> Int {
        var rssByFile: [Substring: Int] = [:], executable: Set<Substring> = []
        var file: Substring?
        for line in smaps.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("Rss:") {
                if let file, let kb = kilobytes(after: "Rss:", in: line) { rssByFile[file, default: 0] += kb }
                continue
            }
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            // A mapping's header: "start-end perms offset dev inode [path]".
            guard fields.count >= 5, fields[0].contains("-"), fields[1].count == 4,
                  fields[0].allSatisfy({ $0.isHexDigit || $0 == "-" }) else { continue }
            file = nil
            guard fields.count == 6 else { continue }
            let path = fields[5].drop { $0 == " " }
            guard path.hasPrefix("/") else { continue }
            file = path
            if fields[1].dropFirst(2).first == "x" { executable.insert(path) }
        }
        return executable.reduce(0) { $0 + (rssByFile[$1] ?? 0) }
    }

    /// A /proc file's whole text (read to the end: they report a size of 0, and a read of
    /// `String(contentsOfFile:)` stopped after the first block of smaps), nil without it.
    static func procText(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The number of kB after `key` in a /proc line ("Rss:   1234 kB"), in bytes.
    static func kilobytes<S: StringProtocol>(after key: String, in text: S) -> Int? {
        guard let r = text.range(of: key) else { return nil }
        let number = text[r.upperBound...].drop { $0 == " " || $0 == "\t" }.prefix { $0.isNumber }
        return Int(number).map { $0 * 1024 }
    }

    /// `residentAndPeak`'s resident size now.
    static func residentBytes() -> Int? { residentAndPeak().now }
}
