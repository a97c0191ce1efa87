import Testing
@testable import SurgeonShell

@Suite struct LexerTests {
    @Test func splitsCommandsAtSemicolonsOutsideQuotes() throws {
        let cs = try splitCommands("load \"a;b.onnx\"; nodes # comment; not a command")
        #expect(cs.map(\.text) == ["load \"a;b.onnx\"", " nodes "])
        #expect(cs[1].column == 16)
    }

    @Test func wordsKeepBracketsTogetherAndUnquote() throws {
        let ws = try splitWords("run x=rand(1, 5) \"input:0\"=ones(2) \"my model.onnx\"")
        #expect(ws.map(\.text) == ["run", "x=rand(1, 5)", "\"input:0\"=ones(2)", "my model.onnx"])
        #expect(ws[1].keyValue?.key == "x")
        #expect(ws[1].keyValue?.valueRaw == "rand(1, 5)")
        #expect(ws[2].keyValue?.key == "input:0")
        #expect(ws[3].keyValue == nil)
    }

    @Test func escapesInQuotes() throws {
        #expect(unquote("\"a\\\"b\\\\c\"") == "a\"b\\c")
    }

    @Test func unterminatedQuoteIsAnErrorWithColumn() {
        #expect(throws: ShellError.self) { try splitCommands("load \"abc") }
    }

    @Test func expressionPrecedenceAndPostfix() throws {
        let e = try ExprParser.parse("-a + b * c @ d[0, 1:3, ...]")
        guard case .binary("+", .negate, .binary("@", .binary("*", _, _, _), .index(_, let items, _), _), _) = e else {
            Issue.record("unexpected tree \(e)")
            return
        }
        #expect(items.count == 3)
    }

    @Test func dottedResultNames() throws {
        let e = try ExprParser.parse("out.layer1.0.relu")
        guard case .attribute(.name("out", _), let n, _) = e else { Issue.record("bad parse"); return }
        #expect(n == "layer1.0.relu")
    }

    @Test func errorPointsAtColumn() {
        do { _ = try ExprParser.parse("rand(1,5) $", column: 10); Issue.record("should fail") } catch let e as ShellError {
            #expect(e.column == 20)
        } catch { Issue.record("wrong error") }
    }
}
