import Foundation
import Testing

/// Runs every ONNX backend node case (see tools/gen_conformance.py) through the
/// `surgeon-conformance` runner in a child process, so a crash or hang costs one case.
/// Fails when a case listed in expected-pass.txt does not pass: the list only grows.
/// `SURGEON_RECORD_CONFORMANCE=1` rewrites the list with what passes now.
@Suite struct ConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func backendNodeCases() throws {
        let env = ProcessInfo.processInfo.environment
        let dataDir = env["SURGEON_CONFORMANCE_DIR"] ?? Self.root.appendingPathComponent(".conformance").path
        guard FileManager.default.fileExists(atPath: dataDir + "/VERSION") else {
            Issue.record("conformance data missing at \(dataDir): run `make test` (it runs tools/gen_conformance.py)")
            return
        }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("surgeon-conformance").path
        guard FileManager.default.isExecutableFile(atPath: runner) else {
            Issue.record("runner not built at \(runner): run `swift build --build-tests` first")
            return
        }
        let results = try ConformanceRunner.runAll(runner: runner, dataDir: dataDir)
        let expectedURL = Self.root.appendingPathComponent("Tests/ConformanceTests/expected-pass.txt")
        let expected = ((try? String(contentsOf: expectedURL, encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }

        let passed = results.filter { $0.value == nil }.keys.sorted()
        let failed = results.filter { $0.value != nil }
        // Per-op summary: the op is the case name up to the first variant word.
        var failByReason: [String: Int] = [:]
        for (_, why) in failed { failByReason[String((why ?? "").prefix(70)), default: 0] += 1 }
        print("conformance: \(passed.count) passed, \(failed.count) failed of \(results.count) ONNX backend node cases")
        for (why, n) in failByReason.sorted(by: { $0.value > $1.value }).prefix(25) { print("  \(n) x \(why)") }
        let report = results.keys.sorted().map { k in results[k]! == nil ? "PASS \(k)" : "FAIL \(k): \(results[k]!!)" }.joined(separator: "\n")
        try? report.write(to: Self.root.appendingPathComponent(".build/conformance-results.txt"), atomically: true, encoding: .utf8)

        if env["SURGEON_RECORD_CONFORMANCE"] == "1" {
            let text = "# ONNX backend node cases that must pass (regenerate: SURGEON_RECORD_CONFORMANCE=1 make test)\n" + passed.joined(separator: "\n") + "\n"
            try text.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        for name in expected {
            if let r = results[name] {
                if let why = r { Issue.record("regression: \(name) no longer passes: \(why)") }
            } else {
                Issue.record("expected case \(name) was not found in \(dataDir)")
            }
        }
    }
}

enum ConformanceRunner {
    /// Case name -> nil if it passed, else the reason.
    static func runAll(runner: String, dataDir: String) throws -> [String: String?] {
        var results: [String: String?] = [:]
        var from: String? = nil
        let all = ((try? FileManager.default.contentsOfDirectory(atPath: dataDir)) ?? []).filter { $0.hasPrefix("test_") }.sorted()
        while true {
            let (lines, finished) = try runOnce(runner: runner, dataDir: dataDir, from: from)
            var current: String?
            for line in lines {
                if line.hasPrefix("START ") { current = String(line.dropFirst(6)) }
                else if line.hasPrefix("PASS ") { results[String(line.dropFirst(5))] = .some(nil); current = nil }
                else if line.hasPrefix("FAIL ") {
                    let rest = line.dropFirst(5)
                    let name = rest.split(separator: ":", maxSplits: 1).first.map(String.init) ?? String(rest)
                    let why = rest.split(separator: ":", maxSplits: 1).dropFirst().first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? "failed"
                    results[name] = .some(why)
                    current = nil
                }
            }
            if finished { break }
            // The runner died or hung inside `current`: record it and go on after it.
            guard let crashed = current, let idx = all.firstIndex(of: crashed) else { break }
            results[crashed] = .some("crashed or timed out")
            guard idx + 1 < all.count else { break }
            from = all[idx + 1]
        }
        return results
    }

    /// Runs the runner until it prints DONE, dies, or stays silent for 120 s.
    static func runOnce(runner: String, dataDir: String, from: String?) throws -> ([String], Bool) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: runner)
        p.arguments = [dataDir] + (from.map { ["--from", $0] } ?? [])
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let lock = NSLock()
        var buffer = Data()
        var lastOutput = Date()
        let reader = Thread {
            while true {
                let d = pipe.fileHandleForReading.availableData
                if d.isEmpty { break }
                lock.lock(); buffer.append(d); lastOutput = Date(); lock.unlock()
            }
        }
        reader.start()
        while p.isRunning {
            Thread.sleep(forTimeInterval: 0.2)
            lock.lock(); let silent = Date().timeIntervalSince(lastOutput); lock.unlock()
            if silent > 120 { p.terminate(); break }
        }
        p.waitUntilExit()
        Thread.sleep(forTimeInterval: 0.2)
        lock.lock(); let text = String(decoding: buffer, as: UTF8.self); lock.unlock()
        let lines = text.split(separator: "\n").map(String.init)
        return (lines, lines.last == "DONE")
    }
}
