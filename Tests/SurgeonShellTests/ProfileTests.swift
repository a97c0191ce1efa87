import Foundation
import Testing
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
}
