import Foundation
import SurgeonGraph

/// Runs command text line by line: scripts, `-c`, and the plain prompt all come through here.
public final class ScriptRunner {
    public let session: Session
    /// Called with each error line (stderr in script mode).
    public var writeError: (String) -> Void
    public private(set) var failures = 0
    public var bail = false
    /// Interactive errors show the line with a caret under the column; scripts prefix FILE:LINE:COL.
    public var interactive = false

    public init(session: Session, writeError: @escaping (String) -> Void) {
        self.session = session
        self.writeError = writeError
    }

    public enum Outcome { case finished, quit, bailed }

    /// Runs a whole script text. Lines ending in `\` continue on the next line.
    public func runScript(_ text: String, fileName: String) -> Outcome {
        var pending = "", pendingLine = 0
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            if pending.isEmpty { pendingLine = i + 1 }
            if line.hasSuffix("\\") {
                pending += String(line.dropLast()) + " "
                continue
            }
            let full = pending + line
            pending = ""
            if Interrupt.requested { return .bailed }
            switch runLine(full, location: "\(fileName):\(pendingLine)") {
            case .quit: return .quit
            case .bailed: return .bailed
            case .finished: break
            }
        }
        if !pending.isEmpty { if case .quit = runLine(pending, location: "\(fileName):\(pendingLine)") { return .quit } }
        return .finished
    }

    /// Runs one line (possibly several `;`-separated commands).
    @discardableResult
    public func runLine(_ line: String, location: String? = nil) -> Outcome {
        let commands: [CommandText]
        do { commands = try splitCommands(line) } catch let e as ShellError {
            report(e, line: line, location: location)
            return bail ? .bailed : .finished
        } catch { return .finished }
        for c in commands {
            do {
                try session.execute(c)
            } catch is QuitRequest {
                return .quit
            } catch let e as ShellError {
                report(e, line: line, location: location)
                if bail { return .bailed }
            } catch is RunCancelled {
                report(ShellError("interrupted"), line: line, location: location)
                return .bailed
            } catch {
                report(ShellError("\(error)"), line: line, location: location)
                if bail { return .bailed }
            }
        }
        return .finished
    }

    /// Messages echo what the user typed; a megabyte of it would bury the error.
    static let maxMessageLength = 400

    func report(_ e: ShellError, line: String, location: String?) {
        failures += 1
        var e = e
        if e.message.count > ScriptRunner.maxMessageLength {
            e = ShellError(String(e.message.prefix(ScriptRunner.maxMessageLength)) + "… (message cut, \(e.message.count) characters)", column: e.column)
        }
        // One error, one line: newlines inside a message (from a file name, say) are shown escaped.
        if e.message.contains(where: \.isNewline) {
            e = ShellError(e.message.map { $0.isNewline ? "\\n" : String($0) }.joined(), column: e.column)
        }
        if interactive {
            if let col = e.column, col <= line.count + 1, line.count <= 200 {
                writeError("  " + line)
                writeError("  " + String(repeating: " ", count: col) + "^")
            }
            writeError("error: \(e.message)")
        } else if let location {
            writeError("\(location)\(e.column.map { ":\($0 + 1)" } ?? ""): error: \(e.message)")
        } else {
            writeError("error: \(e.message)")
        }
    }
}
