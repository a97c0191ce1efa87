import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor

/// `profile` (time per node and per op type) and `bench` (median latency over repeated runs).
enum ProfileCommand {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// `profile [INPUT=EXPR ...] [csv=FILE]`: one warm-up run, then one timed run node by node
    /// (both unfused, with an observer).
    static func profile(_ c: ParsedCommand, _ s: Session) throws {
        let m = try s.requireCurrent()
        let feeds = try RunCommand.prepareFeeds(c, s, m, ignoring: ["csv"])
        let targets = try RunCommand.inspectTargets(m)
        let wanted = RunCommand.wantedValues(m, targets)
        let interp = try RunCommand.interpreter(m, feeds: feeds, wanted: wanted, s)
        // The warm-up observes too, so that the timed run finds its plan (the unfused one that
        // observers get) compiled: compiling it is not the first node's time.
        do { _ = try interp.run(feeds: feeds, outputs: wanted) { _ in } } catch let e as RunCancelled { throw e } catch let e as ShellError { throw e } catch { throw ShellError("\(error)") }
        var times: [(node: Int, seconds: Double)] = []
        var last = now()
        let start = last
        do {
            _ = try interp.run(feeds: feeds, outputs: wanted) { event in
                let t = now()
                times.append((event.index, t - last))
                last = t
            }
        } catch let e as RunCancelled { throw e } catch let e as ShellError { throw e } catch { throw ShellError("\(error)") }
        let total = now() - start
        let nodes = m.model.graph.nodes
        var byOp: [String: (count: Int, seconds: Double)] = [:]
        for t in times {
            let op = nodes[t.node].opType
            byOp[op, default: (0, 0)].count += 1
            byOp[op, default: (0, 0)].seconds += t.seconds
        }
        func ms(_ x: Double) -> String { String(format: "%9.3f", x * 1000) }
        func pct(_ x: Double) -> String { String(format: "%5.1f%%", total > 0 ? 100 * x / total : 0) }
        var lines = ["total \(String(format: "%.3f", total * 1000)) ms over \(times.count) nodes", "", "by op type:        count        ms      %"]
        for (op, v) in byOp.sorted(by: { $0.value.seconds > $1.value.seconds }) {
            lines.append(op.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%6d", v.count) + " " + ms(v.seconds) + " " + pct(v.seconds))
        }
        lines.append("")
        lines.append("slowest nodes:                                  op                  ms      %")
        for t in times.sorted(by: { $0.seconds > $1.seconds }).prefix(15) {
            let name = m.names.nodeNames[t.node]
            lines.append(String(name.prefix(46)).padding(toLength: 48, withPad: " ", startingAt: 0)
                         + nodes[t.node].opType.padding(toLength: 16, withPad: " ", startingAt: 0) + ms(t.seconds) + " " + pct(t.seconds))
        }
        s.write(lines.joined(separator: "\n"))
        if let csv = c.value("csv") {
            var text = "node,op,ms\n"
            for t in times {
                let name = m.names.nodeNames[t.node].replacingOccurrences(of: "\"", with: "\"\"")
                text += "\"\(name)\",\(nodes[t.node].opType),\(String(format: "%.4f", t.seconds * 1000))\n"
            }
            do { try writeFileAtomically(Data(text.utf8), to: s.resolvePath(csv)) } catch { throw ShellError("\(error)") }
            s.write("wrote \(csv)")
        }
    }

    /// `bench [runs=N] [warmup=K] [INPUT=EXPR ...]`: latency of whole runs (with the inspect set).
    static func bench(_ c: ParsedCommand, _ s: Session) throws {
        let m = try s.requireCurrent()
        let runs = try c.value("runs").map { v -> Int in
            guard let n = Int(v), n > 0 else { throw ShellError("runs= takes a positive integer", column: c.restColumn) }
            return n
        } ?? 10
        let warmup = try c.value("warmup").map { v -> Int in
            guard let n = Int(v), n >= 0 else { throw ShellError("warmup= takes an integer", column: c.restColumn) }
            return n
        } ?? 2
        let feeds = try RunCommand.prepareFeeds(c, s, m, ignoring: ["runs", "warmup"])
        let targets = try RunCommand.inspectTargets(m)
        let wanted = RunCommand.wantedValues(m, targets)
        let interp = try RunCommand.interpreter(m, feeds: feeds, wanted: wanted, s)
        var samples: [Double] = []
        do {
            for i in 0..<(warmup + runs) {
                let t0 = now()
                _ = try interp.run(feeds: feeds, outputs: wanted)
                if i >= warmup { samples.append(now() - t0) }
            }
        } catch let e as RunCancelled { throw e } catch let e as ShellError { throw e } catch { throw ShellError("\(error)") }
        samples.sort()
        let median = samples.count % 2 == 1 ? samples[samples.count / 2] : (samples[samples.count / 2 - 1] + samples[samples.count / 2]) / 2
        let mean = samples.reduce(0, +) / Double(samples.count)
        let inspecting = m.inspectAll ? " (inspect all)" : m.inspect.isEmpty ? "" : " (inspecting \(m.inspect.count))"
        s.write(String(format: "%@: median %.3f ms, min %.3f ms, mean %.3f ms over %d runs%@",
                       m.name, median * 1000, (samples.first ?? 0) * 1000, mean * 1000, samples.count, inspecting))
    }
}
