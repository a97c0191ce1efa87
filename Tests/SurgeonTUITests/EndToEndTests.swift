import Foundation
import Testing

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let tmuxPath = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Drives the real program in tmux: load → tree → run → heatmap → resize → quit
/// (Tests/SurgeonTUITests/e2e/tmux-e2e.sh; the Makefile installs tmux).
@Suite struct EndToEndTests {
    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed (make deps installs it)"))
    func fullScreenInTmux() throws {
        let binary = packageRoot.appendingPathComponent(".build/debug/surgeon-shell").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record("build the program first: swift build (\(binary) is missing)")
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [packageRoot.appendingPathComponent("Tests/SurgeonTUITests/e2e/tmux-e2e.sh").path, binary]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: out, as: UTF8.self)
        #expect(p.terminationStatus == 0, "tmux end-to-end failed:\n\(text)")
    }
}
