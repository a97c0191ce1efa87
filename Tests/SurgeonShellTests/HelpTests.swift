import Foundation
import Testing
@testable import SurgeonShell

@Suite struct HelpTests {
    @Test func helpListsEveryCommand() {
        let (t, _) = runScript("help")
        #expect(t.failures == 0)
        for c in Commands.all { #expect(t.text.contains(c.synopsis), "help misses \(c.name)") }
    }

    /// Every `help CMD` example works on the demo model (load needs a file, quit ends the session).
    @Test(arguments: Commands.all.filter { !["load", "quit"].contains($0.name) }.map(\.name))
    func exampleWorksOnTheDemoModel(_ name: String) throws {
        let spec = try #require(Commands.all.first { $0.name == name })
        let dir = NSTemporaryDirectory() + "help-\(getpid())-\(name)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let t = Box(Transcript())
        let session = Session(baseDirectory: dir, write: { t.value.out.append($0) })
        session.loadDemo()
        let (r, _) = runScript("run\n" + spec.example, session: session)
        #expect(r.failures == 0, "`\(spec.example)`: \(r.errors)")
        let (h, _) = runScript("help \(name)")
        #expect(h.text.contains("example: \(spec.example)"))
    }

    @Test func unknownCommandSuggests() {
        let (t, _) = runScript("hepl")
        #expect(t.errors == "test.surgeon:1:1: error: unknown command 'hepl' (did you mean 'help'?)")
    }
}
