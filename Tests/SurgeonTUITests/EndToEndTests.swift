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
        let script = packageRoot.appendingPathComponent("Tests/SurgeonTUITests/e2e/tmux-e2e.sh").path
        let log = NSTemporaryDirectory() + "surgeon-e2e-\(getpid()).log"
        defer { unlink(log) }
        let tmp = try freshDirectory("surgeon-e2e-tmp")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let status = try spawnAndWait(inTemporaryDirectory(tmp, ["/bin/bash", script, binary]), output: log, timeout: 120)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status == 0, "tmux end-to-end failed (status \(status)):\n\(text)")
        #expect(leftovers(in: tmp).isEmpty, "the script left \(leftovers(in: tmp)) in its temporary directory")
    }
}

/// A new empty directory under NSTemporaryDirectory(), its name starting with `prefix`.
func freshDirectory(_ prefix: String) throws -> String {
    let dir = NSTemporaryDirectory() + "\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// `argv` run with TMPDIR and TMUX_TMPDIR (where tmux puts its sockets when not told) set to
/// `dir`, so that `leftovers(in: dir)` sees anything the command leaves behind.
func inTemporaryDirectory(_ dir: String, _ argv: [String]) -> [String] {
    ["/usr/bin/env", "TMPDIR=\(dir)", "TMUX_TMPDIR=\(dir)"] + argv
}

/// Every path under `dir` (files, sockets, directories), relative to it.
func leftovers(in dir: String) -> [String] {
    (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).sorted()
}

/// Gives `attr` an empty signal mask and the default action for every signal (the test
/// runner's threads block signals, and children inherit that); returns the spawn flags that
/// make those settings apply, for the caller to pass to `posix_spawnattr_setflags`.
func cleanSignalsOnSpawn(_ attr: inout posix_spawnattr_t) -> Int32 {
    var empty = sigset_t(), all = sigset_t()
    sigemptyset(&empty)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &empty)
    posix_spawnattr_setsigdefault(&attr, &all)
    return Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
}

/// Runs a command with stdout and stderr to `output`, with a clean signal mask and default
/// signal actions (the test runner's threads block signals, and children inherit that).
/// Returns the exit status, or -1 after killing it at the timeout.
func spawnAndWait(_ argv: [String], output: String, timeout: Double) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    posix_spawnattr_setflags(&attr, Int16(cleanSignalsOnSpawn(&attr)))
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, &attr, &cargs, environ)
    guard rc == 0 else { throw CocoaError(.executableLoad) }
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while true {
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { break }
        if Date() > deadline { kill(pid, SIGKILL); waitpid(pid, &status, 0); return -1 }
        usleep(100_000)
    }
    // WIFEXITED / WEXITSTATUS are macros.
    return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
}
