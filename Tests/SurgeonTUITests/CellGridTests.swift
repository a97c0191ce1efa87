import Testing
@testable import SurgeonTUI

@Suite struct CellGridTests {
    @Test func putClipsAndReportsWidth() {
        useUTF8Locale()
        var g = CellGrid(width: 6, height: 2)
        let end = g.put("abcdefgh", x: 1, y: 0)
        #expect(end == 7)
        #expect(g.rowText(0) == " abcde")
        g.put("xyz", x: 0, y: 1, clip: Rect(x: 0, y: 1, width: 2, height: 1))
        #expect(g.rowText(1) == "xy")
        g.put("zz", x: 0, y: 5)
        #expect(g.text == " abcde\nxy")
    }

    @Test func wideCharactersTakeTwoCells() {
        useUTF8Locale()
        var g = CellGrid(width: 5, height: 1)
        g.put("日本x", x: 0, y: 0)
        #expect(g[1, 0].isContinuation)
        #expect(g.rowText(0) == "日本x")
        #expect(displayWidth("日本x") == 5)
        #expect(truncated("日本語です", 5) == "日本…")
    }

    @Test func dumpListsStyleRuns() {
        var g = CellGrid(width: 4, height: 2)
        g.put("ab", x: 0, y: 1, style: CellStyle(fg: 53, bg: 24))
        g.put("c", x: 3, y: 1, style: .bold)
        #expect(g.dump() == "|\n|ab c\n--- styles\nrow 1: 0-1 53/24, 3-3 -1/-1 b\n")
    }
}
