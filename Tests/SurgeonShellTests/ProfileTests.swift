import Foundation
import Testing
@testable import SurgeonGraph
@testable import SurgeonShell

@Suite struct ProfileTests {
    @Test func profileListsEveryOpTypeAndWritesCSV() throws {
        let csv = NSTemporaryDirectory() + "profile-\(getpid()).csv"
        let (t, _) = runScript("profile x=ones(1,5) csv=\(csv)")
        #expect(t.failures == 0, "\(t.errors)")
        for op in ["Gemm", "Relu", "Sigmoid", "Tanh"] { #expect(t.text.contains("\n\(op) ")) }
        #expect(t.text.contains("over 6 nodes"))
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 7)
        #expect(rows[0] == "node,op,ms")
    }

    /// The warm-up run observes too, so the timed run's (unfused, observed) plan is compiled
    /// before timing starts: compiling it is not charged to the first node.
    @Test func profileWarmsUpTheObservedPlan() throws {
        let (t, s) = runScript("profile x=ones(1,5)")
        #expect(t.failures == 0, "\(t.errors)")
        let m = try s.requireCurrent()
        let interp = m.runtime.interpreter(for: m.model, shouldCancel: nil)
        let wanted = RunCommand.wantedValues(m, try RunCommand.inspectTargets(m))
        #expect(interp.hasCompiledPlan(keep: wanted, observing: true))
        #expect(!interp.hasCompiledPlan(keep: wanted, observing: false))
    }

    @Test func benchReportsRunCountAndInspectState() {
        let (t, _) = runScript("bench runs=3 warmup=0\ninspect all\nbench runs=2")
        #expect(t.failures == 0, "\(t.errors)")
        #expect(t.out.contains { $0.hasPrefix("demo: median") && $0.hasSuffix("over 3 runs") })
        #expect(t.out.contains { $0.hasSuffix("over 2 runs (inspect all)") })
    }

    @Test func benchRejectsBadRunCount() {
        let (t, _) = runScript("bench runs=0")
        #expect(t.failures == 1)
    }

    /// `time COMMAND` runs the command and prints its wall time after the command's own output,
    /// also when the command fails.
    @Test func timePrintsTheCommandsWallTime() throws {
        let (t, s) = runScript("time let a = ones(2, 3)\ntime print sum(a)")
        #expect(t.failures == 0, "\(t.errors)")
        let times = t.out.filter { $0.hasPrefix("time: ") && $0.hasSuffix(" ms") }
        #expect(times.count == 2)
        for line in times {
            let ms = Double(line.dropFirst(6).dropLast(3))
            #expect(ms != nil && ms! >= 0)
        }
        #expect(s.variables["a"] != nil)
        // The command's output comes before its time.
        if let sum = t.out.firstIndex(where: { $0.contains("6.") }), let last = t.out.lastIndex(where: { $0.hasPrefix("time: ") }) {
            #expect(sum < last)
        } else {
            Issue.record("missing output: \(t.out)")
        }
    }

    @Test func timeReportsFailuresAndNeedsACommand() {
        let (t, _) = runScript("time nosuchcommand\ntime")
        #expect(t.failures == 2)
        #expect(t.errors.contains("unknown command 'nosuchcommand'"))
        #expect(t.errors.contains("time needs a command"))
        #expect(t.out.filter { $0.hasPrefix("time: ") }.count == 1)
    }
}
