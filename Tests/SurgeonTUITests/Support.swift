import Foundation
import Testing
@preconcurrency import CNcursesw
@testable import SurgeonShell
@testable import SurgeonTUI

/// Character widths come from the locale, as in the program.
func useUTF8Locale() {
    _ = setlocale(LC_ALL, "C.UTF-8")
}

let snapshotDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

/// Compares `text` with `Snapshots/NAME.txt`; SURGEON_RECORD_SNAPSHOTS=1 re-records it.
func expectSnapshot(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let url = snapshotDirectory.appendingPathComponent(name + ".txt")
    if ProcessInfo.processInfo.environment["SURGEON_RECORD_SNAPSHOTS"] != nil {
        try? FileManager.default.createDirectory(at: snapshotDirectory, withIntermediateDirectories: true)
        try? text.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    guard let saved = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("no snapshot \(name).txt: run with SURGEON_RECORD_SNAPSHOTS=1 to record it", sourceLocation: sourceLocation)
        return
    }
    if saved != text {
        let a = saved.split(separator: "\n", omittingEmptySubsequences: false), b = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        Issue.record("snapshot \(name) differs at line \(first + 1):\n  saved: \(first < a.count ? String(a[first]) : "<end>")\n  now:   \(first < b.count ? String(b[first]) : "<end>")\n--- now:\n\(text)", sourceLocation: sourceLocation)
    }
}

final class Lines { var items: [String] = [] }

/// A headless screen on a fresh demo session.
func makeApp(width: Int = 100, height: Int = 30, mode: ColorMode = .xterm256) -> (App, Lines) {
    useUTF8Locale()
    let errors = Lines()
    let session = Session(baseDirectory: NSTemporaryDirectory())
    session.loadDemo()
    let runner = ScriptRunner(session: session) { errors.items.append($0) }
    let app = App(runner: runner, editor: SimpleLineEditor(), width: width, height: height, colorMode: mode)
    return (app, errors)
}

extension App {
    func type(_ s: String) { for k in Key.typing(s) { handle(k) } }
    func press(_ keys: Key...) { for k in keys { handle(k) } }
    var screenText: String { draw().grid.text }
    var screenDump: String { draw().grid.dump() }
}
