import Foundation
@testable import SurgeonShell

/// Runs a script on a fresh session (demo model loaded) and returns what it printed.
struct Transcript {
    var out: [String] = []
    var err: [String] = []
    var failures = 0
    var text: String { out.joined(separator: "\n") }
    var errors: String { err.joined(separator: "\n") }
}

final class Box<T> { var value: T; init(_ v: T) { value = v } }

func runScript(_ script: String, demo: Bool = true, session existing: Session? = nil) -> (Transcript, Session) {
    let t = Box(Transcript())
    let session = existing ?? Session(baseDirectory: NSTemporaryDirectory(), write: { t.value.out.append($0) })
    if existing != nil { session.write = { t.value.out.append($0) } }
    if demo && existing == nil { session.loadDemo() }
    let runner = ScriptRunner(session: session) { t.value.err.append($0) }
    _ = runner.runScript(script, fileName: "test.surgeon")
    t.value.failures = runner.failures
    return (t.value, session)
}
