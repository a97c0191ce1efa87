import Foundation
import Testing
@testable import SurgeonShell

/// Golden transcripts: every samples/scripts/NAME.surgeon runs on a fresh session (demo model
/// loaded, paths relative to the repository root) and its output — results and error lines,
/// in order — must equal NAME.transcript. `SURGEON_RECORD_GOLDEN=1` re-records them.
@Suite struct SampleScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var scripts: [String] {
        let dir = root.appendingPathComponent("samples/scripts").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".surgeon") }.sorted()
    }

    @Test(arguments: scripts)
    func transcriptMatches(_ name: String) throws {
        let dir = Self.root.appendingPathComponent("samples/scripts")
        let script = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        var lines: [String] = []
        let session = Session(baseDirectory: Self.root.path, write: { lines.append($0) })
        session.loadDemo()
        let runner = ScriptRunner(session: session) { lines.append($0) }
        _ = runner.runScript(script, fileName: name)
        let got = lines.joined(separator: "\n") + "\n"
        let golden = dir.appendingPathComponent(String(name.dropLast(".surgeon".count)) + ".transcript")
        if ProcessInfo.processInfo.environment["SURGEON_RECORD_GOLDEN"] == "1" {
            try got.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(got == expected)
    }
}
