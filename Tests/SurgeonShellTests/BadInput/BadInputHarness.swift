import Foundation
import Testing
import SurgeonGraph
import SurgeonTensor
@testable import SurgeonShell

/// What a failed command must leave alone: models (with their inspect settings), the current
/// model, variables and the last results. Tensors are compared through their printed text.
struct SessionSnapshot: Equatable {
    var models: [String]
    var current: String?
    var variables: [String]
    var out: String?

    init(_ s: Session) {
        models = s.models.map { m in
            let inspect = m.inspect.map { "\($0.name):\($0.alias ?? "")" }.joined(separator: ",")
            return "\(m.name)|\(m.path ?? "-")|\(m.model.graph.nodes.count)|\(m.parameterCount)|\(inspect)|\(m.inspectAll)|\(m.keepOutput)"
        }
        current = s.currentName
        variables = s.variables.keys.sorted().map { k in "\(k)=\(s.variables[k].map { Printer.format($0) } ?? "")" }
        out = s.lastResults.map { Printer.format(.results($0)) }
    }
}

/// A session with the demo model, two variables (one of them empty) and a run in `out`.
func preparedSession() -> Session {
    let (t, s) = runScript("let a = [[1.5, -2.0], [3.0, 4.0]]\nlet z = zeros(0, 3)\nrun x=ones(1,5)")
    if !t.err.isEmpty { Issue.record("setup failed: \(t.errors)") }
    return s
}

/// Runs `script` (one failing command) on `session` (default: `preparedSession()`) and checks:
/// exactly one error line, one failure, every `mentions` text in it, and the session unchanged.
@discardableResult
func expectOneError(
    _ script: String, mentions: [String] = [], session: Session? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> Transcript {
    let s = session ?? preparedSession()
    let before = SessionSnapshot(s)
    let (t, _) = runScript(script, session: s)
    #expect(t.err.count == 1, "expected one error line, got \(t.err.count): \(t.errors.prefix(400))", sourceLocation: sourceLocation)
    #expect(t.failures == 1, "expected one failure, got \(t.failures)", sourceLocation: sourceLocation)
    #expect(!t.errors.contains("\n"), "the error spans several lines: \(t.errors.prefix(400))", sourceLocation: sourceLocation)
    #expect(t.errors.count < 2000, "the error line is \(t.errors.count) characters long", sourceLocation: sourceLocation)
    for m in mentions {
        #expect(t.errors.contains(m), "error should mention '\(m)': \(t.errors.prefix(400))", sourceLocation: sourceLocation)
    }
    #expect(SessionSnapshot(s) == before, "the failed command changed the session", sourceLocation: sourceLocation)
    return t
}

/// Runs `script` and expects no error at all; returns what it printed.
@discardableResult
func expectNoError(_ script: String, session: Session? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> Transcript {
    let s = session ?? preparedSession()
    let (t, _) = runScript(script, session: s)
    #expect(t.err.isEmpty, "unexpected error: \(t.errors.prefix(400))", sourceLocation: sourceLocation)
    return t
}

/// A fresh temporary folder per test (tests run in parallel).
func scratchDirectory(_ tag: String = #function) -> String {
    let clean = tag.filter { $0.isLetter || $0.isNumber }
    let dir = NSTemporaryDirectory() + "surgeon-badinput-\(getpid())-\(clean)-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Names in a folder (to check nothing was half written).
func listing(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
}
