import Foundation
import Testing
@testable import SurgeonTUI

/// Readline's callback interface without a terminal: bytes in, lines and cursor columns out.
/// One test only: readline is process-wide state.
@Suite(.serialized) struct ReadlineBridgeTests {
    @Test func callbackModeLinesCursorAndCompletion() {
        useUTF8Locale()
        setenv("SURGEON_HISTORY", NSTemporaryDirectory() + "surgeon-test-history-\(getpid())", 1)
        let e = ReadlineEditor()
        e.start(width: 80, height: 24)
        defer { e.stop() }
        for k in Key.typing("héllo") { _ = e.feed(k) }
        #expect(e.text == "héllo")
        #expect(e.cursorColumn == 5)
        _ = e.feed(.left)
        _ = e.feed(.left)
        #expect(e.cursorColumn == 3)
        _ = e.feed(.char("日"))
        #expect(e.text == "hél日lo")
        #expect(e.cursorColumn == 5)
        #expect(e.feed(.enter) == [.line("hél日lo")])
        #expect(e.text == "")
        e.completions = { ["inspect", "info", "run"] }
        for k in Key.typing("ru") { _ = e.feed(k) }
        _ = e.feed(.tab)
        #expect(e.text == "run ")
        e.cancelLine()
        e.setText("cut out=x ")
        #expect(e.text == "cut out=x " && e.cursorColumn == 10)
        e.cancelLine()
        #expect(e.feed(.ctrl("d")) == [.endOfInput])
    }
}
