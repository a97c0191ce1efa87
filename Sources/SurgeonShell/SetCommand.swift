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
        if let rss = residentBytes() { use += "; process resident: \(formatBytes(rss))" }
        guard let b = s.memoryBudget else {
            return "memory budget: off (single tensors are limited to \(formatBytes(tensorByteLimit)))" + use
        }
        var text = "memory budget: \(formatBytes(b))"
        if b == MemoryBudget.physicalDefault, let total = MemoryBudget.physicalMemory {
            text += " (80% of \(formatBytes(total)) of memory)"
        }
        return text + use
    }

    /// Resident set size from /proc/self/statm (pages), nil where there is no /proc.
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
