import Foundation
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor
import Testing

/// The real program in a child process: Ctrl-C in every mode, and resident memory over many
/// runs. A child process keeps other tests' memory and signals out of the measurements.
@Suite struct ProgramTests {
    static var binary: String { packageRoot.appendingPathComponent(".build/debug/surgeon-shell").path }
    static var built: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// A new empty directory for one test (`freshDirectory`, EndToEndTests.swift); the test removes it.
    static func scratch(_ name: String) throws -> String { try freshDirectory("surgeon-program-\(name)") }

    /// `y = x + 2^40` one addition at a time: a Loop that runs for hours in a few bytes of
    /// memory, so Ctrl-C always lands in the middle of the run. `run` prints "using x=rand(1)".
    static func writeLongRunModel(_ dir: String) throws -> String {
        let one = try Tensor(shape: [1], scalars: [Float(1)])
        let body = Graph(
            name: "body",
            nodes: [Node(name: "step", opType: "Add", inputs: ["v", "one"], outputs: ["v_out"]),
                    Node(name: "again", opType: "Identity", inputs: ["cond"], outputs: ["cond_out"])],
            inputs: [ValueInfo(name: "i", type: .tensor(.int64, [])), ValueInfo(name: "cond", type: .tensor(.bool, [])),
                     ValueInfo(name: "v", type: .tensor(.float32, [.known(1)]))],
            outputs: [ValueInfo(name: "cond_out", type: .tensor(.bool, [])), ValueInfo(name: "v_out", type: .tensor(.float32, [.known(1)]))],
            initializers: [("one", one)])
        let trips = Tensor(scalar: Int64(1) << 40)
        let g = Graph(
            name: "long",
            nodes: [Node(name: "loop", opType: "Loop", inputs: ["M", "", "x"], outputs: ["y"],
                         attributes: [Attribute(name: "body", value: .graph(body))])],
            inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.known(1)]))],
            outputs: [ValueInfo(name: "y", type: .tensor(.float32, [.known(1)]))],
            initializers: [("M", trips)])
        let path = dir + "/long.onnx"
        try ONNXExport.encode(Model(graph: g, opsetImports: ["": 17])).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: Ctrl-C

    /// `surgeon-shell < script` with a run that does not end: SIGINT stops it, the rest of the
    /// script is skipped, the status is 130 and stderr says why.
    @Test(.enabled(if: built, "build the program first: swift build"))
    func ctrlCInScriptMode() throws {
        let dir = try Self.scratch("script")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try Self.writeLongRunModel(dir)
        let script = dir + "/long.surgeon"
        try "load \(model) as long\nrun\nprint 12345\n".write(toFile: script, atomically: true, encoding: .utf8)
        let child = try Child(argv: [Self.binary], stdin: .file(script), directory: dir)
        defer { child.kill() }
        #expect(child.waitForOutput("using x=rand(1)", timeout: 60), "the run did not start: \(child.output)")
        usleep(300_000)
        kill(child.pid, SIGINT)
        let status = child.wait(timeout: 30)
        #expect(status == 130, "exit status \(status); output: \(child.output)")
        #expect(child.errors.contains("error: interrupted"), "stderr: \(child.errors)")
        #expect(!child.output.contains("12345"), "the script went on after Ctrl-C: \(child.output)")
    }

    /// `--plain` on a terminal: Ctrl-C (the byte 0x03 through the pty, as a keyboard sends it)
    /// stops the run and returns to the prompt; the session still works and `quit` exits 0.
    @Test(.enabled(if: built, "build the program first: swift build"))
    func ctrlCInPlainMode() throws {
        let dir = try Self.scratch("plain")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try Self.writeLongRunModel(dir)
        let child = try Child(argv: [Self.binary, "--plain", model], stdin: .pty, directory: dir)
        defer { child.kill() }
        #expect(child.waitForOutput("(long) > ", timeout: 60), "no prompt: \(child.output)")
        child.type("let keep = [1, 2, 3]\n")
        child.type("run\n")
        #expect(child.waitForOutput("using x=rand(1)", timeout: 30), "the run did not start: \(child.output)")
        usleep(300_000)
        child.type("\u{03}")
        #expect(child.waitForOutput("error: interrupted", timeout: 30), "Ctrl-C did not stop the run: \(child.output)")
        child.type("print keep * 14\n")
        #expect(child.waitForOutput("tensor([14, 28, 42]", timeout: 30), "the session is not intact: \(child.output)")
        child.type("quit\n")
        let status = child.wait(timeout: 30)
        #expect(status == 0, "exit status \(status); output: \(child.output)")
    }

    /// The full screen in tmux: Ctrl-C during a run shows the interruption in the transcript,
    /// the next command works and `quit` exits 0 (Tests/SurgeonTUITests/e2e/tmux-ctrl-c.sh).
    @Test(.enabled(if: built && tmuxPath != nil, "needs the built program and tmux"))
    func ctrlCInFullScreen() throws {
        let dir = try Self.scratch("tmux")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try Self.writeLongRunModel(dir)
        let script = packageRoot.appendingPathComponent("Tests/SurgeonTUITests/e2e/tmux-ctrl-c.sh").path
        let log = dir + "/tmux.log"
        let tmp = dir + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let status = try spawnAndWait(inTemporaryDirectory(tmp, ["/bin/bash", script, Self.binary, model]), output: log, timeout: 120)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status == 0, "tmux Ctrl-C test failed (status \(status)):\n\(text)")
        #expect(leftovers(in: tmp).isEmpty, "the script left \(leftovers(in: tmp)) in its temporary directory")
    }

    // MARK: resident memory

    /// 1000 runs of the demo model on a 10000-row batch (half a MB of activations per run; a
    /// debug build is slow): after run 1000 the live tensor bytes are what they were after run
    /// 100 and the resident size is within 1 MiB of it (the program prints both in `set
    /// memory`). Then the same with `inspect all`.
    @Test(.enabled(if: built, "build the program first: swift build"), arguments: [false, true])
    func residentMemoryIsFlatOver1000Runs(inspectAll: Bool) throws {
        let dir = try Self.scratch("rss-\(inspectAll)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var script = "seed 1\nlet x = rand(10000, 5)\n" + (inspectAll ? "inspect all\n" : "")
        for i in 1...1000 {
            script += "run x=x\n"
            if i == 100 || i == 1000 { script += "set memory\n" }
        }
        let path = dir + "/rss.surgeon"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let child = try Child(argv: [Self.binary, "--script", path], stdin: .null, directory: dir)
        defer { child.kill() }
        let status = child.wait(timeout: 600)
        #expect(status == 0, "status \(status): \(child.errors.prefix(2000))")
        // "memory budget: ...; tensors in use: 234.5 KiB; process resident: 44.3 MiB"
        let lines = child.output.split(separator: "\n").filter { $0.hasPrefix("memory budget:") }
        let tensors = lines.map { $0.split(separator: ";").first { $0.contains("tensors in use") } ?? "" }
        #expect(tensors.count == 2 && tensors.first == tensors.last, "tensor bytes changed: \(tensors)")
        let rss = lines.compactMap { line -> Double? in
            guard let r = line.range(of: "process resident: ") else { return nil }
            let parts = line[r.upperBound...].split(separator: " ")
            guard parts.count >= 2, let v = Double(parts[0]) else { return nil }
            let unit: Double = ["KiB": 1.0 / 1024, "MiB": 1, "GiB": 1024][String(parts[1])] ?? .nan
            return v * unit
        }
        try #require(rss.count == 2, "expected two `set memory` lines with the resident size: \(child.output.suffix(1000))")
        let grown = rss[1] - rss[0]
        #expect(grown < 1, "resident size grew by \(grown) MiB from run 100 (\(rss[0]) MiB) to run 1000 (\(rss[1]) MiB)")
    }
}

/// A child process of the program with its output in files (stdout and stderr apart) and
/// stdin from a file, /dev/null, or a pseudo-terminal (then stdout and stderr are the pty too,
/// and the child is a session leader with the pty as its controlling terminal, so 0x03 typed
/// into it is Ctrl-C).
final class Child {
    enum Input { case null, file(String), pty }
    let pid: pid_t
    private var master: Int32 = -1
    private let outPath: String, errPath: String
    private var ptyText = ""
    private var status: Int32?

    init(argv: [String], stdin: Input, directory: String) throws {
        outPath = directory + "/stdout.txt"
        errPath = directory + "/stderr.txt"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var flags = cleanSignalsOnSpawn(&attr)
        switch stdin {
        case .null:
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .file(let p):
            posix_spawn_file_actions_addopen(&actions, 0, p, O_RDONLY, 0)
        case .pty:
            master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
            guard master >= 0, let slave = Child.unlockedSlave(master) else { throw CocoaError(.fileNoSuchFile) }
            flags |= 0x80  // POSIX_SPAWN_SETSID (glibc), not visible to Swift
            // Opened after setsid, without O_NOCTTY: it becomes the controlling terminal.
            posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0)
            posix_spawn_file_actions_adddup2(&actions, 0, 1)
            posix_spawn_file_actions_adddup2(&actions, 0, 2)
            posix_spawn_file_actions_addclose(&actions, master)
        }
        if case .pty = stdin {} else {
            posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        posix_spawnattr_setflags(&attr, Int16(flags))
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = directory
        env["TERM"] = "dumb"
        env["NO_COLOR"] = "1"
        var cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs + cenv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, &cargs, &cenv)
        guard rc == 0 else { throw CocoaError(.executableLoad) }
        self.pid = pid
    }

    /// grantpt/unlockpt/ptsname need _XOPEN_SOURCE, which the Glibc module does not define:
    /// looked up by name instead.
    static func unlockedSlave(_ master: Int32) -> String? {
        typealias IntFn = @convention(c) (Int32) -> Int32
        typealias NameFn = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        guard let g = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "grantpt"),
              let u = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unlockpt"),
              let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ptsname") else { return nil }
        guard unsafeBitCast(g, to: IntFn.self)(master) == 0, unsafeBitCast(u, to: IntFn.self)(master) == 0,
              let name = unsafeBitCast(p, to: NameFn.self)(master) else { return nil }
        return String(cString: name)
    }

    /// Everything on stdout so far (for a pty: everything the terminal showed).
    var output: String {
        if master >= 0 { drainPty(); return ptyText }
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }

    var errors: String { master >= 0 ? output : ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "") }

    private func drainPty() {
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 0) > 0, p.revents & Int16(POLLIN) != 0 else { return }
            let n = read(master, &buf, buf.count)
            guard n > 0 else { return }
            ptyText += String(decoding: buf[0..<n], as: UTF8.self)
        }
    }

    func type(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count - 1) }
    }

    func waitForOutput(_ text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return true }
            if exited { return output.contains(text) }
            usleep(50_000)
        }
        return false
    }

    private var exited: Bool {
        if status != nil { return true }
        var s: Int32 = 0
        if waitpid(pid, &s, WNOHANG) == pid { status = s; return true }
        return false
    }

    /// The exit status (128 + signal when killed by one), or -1 after the timeout.
    func wait(timeout: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while !exited {
            if Date() > deadline { return -1 }
            if master >= 0 { drainPty() }
            usleep(50_000)
        }
        guard let s = status else { return -1 }
        return (s & 0x7F) == 0 ? (s >> 8) & 0xFF : 128 + (s & 0x7F)
    }

    func kill() {
        if !exited {
            Glibc.kill(pid, SIGKILL)
            var s: Int32 = 0
            waitpid(pid, &s, 0)
            status = s
        }
        if master >= 0 { drainPty(); close(master); master = -1 }
    }
}
