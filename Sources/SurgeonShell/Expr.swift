/// An expression of the command language (numpy/PyTorch flavoured).
public indirect enum Expr: Sendable {
    case number(Double, isInteger: Bool, column: Int)
    case string(String, column: Int)
    case name(String, column: Int)
    case list([Expr], column: Int)
    case tuple([Expr], column: Int)
    case call(String, [Expr], [(String, Expr)], column: Int)
    case attribute(Expr, String, column: Int)
    case index(Expr, [IndexItem], column: Int)
    case negate(Expr, column: Int)
    case binary(String, Expr, Expr, column: Int)

    public var column: Int {
        switch self {
        case .number(_, _, let c), .string(_, let c), .name(_, let c), .list(_, let c), .tuple(_, let c),
             .call(_, _, _, let c), .attribute(_, _, let c), .index(_, _, let c), .negate(_, let c), .binary(_, _, _, let c):
            return c
        }
    }
}

/// One item of a subscript: `0`, `1:3`, `::2`, `...`, `None`.
public enum IndexItem: Sendable {
    case at(Expr)
    case slice(Expr?, Expr?, Expr?)
    case ellipsis
    case newAxis
}

struct Token {
    enum Kind: Equatable { case number, string, ident, punct, end }
    var kind: Kind
    var text: String
    var column: Int
}

/// Parses expression text; columns are offsets into the command line.
public struct ExprParser {
    var tokens: [Token] = []
    var pos = 0
    /// Current nesting (brackets, calls, unary minus); chains of operators, indexing and
    /// attributes count too, since each link is one more level for the evaluator.
    var depth = 0
    /// Deeper expressions are refused: the parser and evaluator recurse once per level.
    static let maxDepth = 200

    public static func parse(_ text: String, column: Int = 0) throws -> Expr {
        var p = ExprParser()
        p.tokens = try tokenize(text, column: column)
        let e = try p.expression()
        guard p.peek.kind == .end else {
            throw ShellError("unexpected '\(p.peek.text)' in expression", column: p.peek.column)
        }
        return e
    }

    static func tokenize(_ text: String, column: Int) throws -> [Token] {
        let chars = Array(text)
        var out: [Token] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let col = column + i
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                var j = i
                while j < chars.count && (chars[j].isNumber || chars[j] == "." || chars[j] == "_") { j += 1 }
                if j < chars.count && (chars[j] == "e" || chars[j] == "E") {
                    var k = j + 1
                    if k < chars.count && (chars[k] == "+" || chars[k] == "-") { k += 1 }
                    if k < chars.count && chars[k].isNumber {
                        j = k
                        while j < chars.count && chars[j].isNumber { j += 1 }
                    }
                }
                out.append(Token(kind: .number, text: String(chars[i..<j]).replacingOccurrences(of: "_", with: ""), column: col))
                i = j
                continue
            }
            if c == "\"" || c == "'" {
                var j = i + 1, s = "", closed = false
                while j < chars.count {
                    if chars[j] == "\\" && j + 1 < chars.count { s.append(chars[j + 1]); j += 2; continue }
                    if chars[j] == c { closed = true; break }
                    s.append(chars[j]); j += 1
                }
                guard closed else { throw ShellError("unterminated string", column: col) }
                out.append(Token(kind: .string, text: s, column: col))
                i = j + 1
                continue
            }
            if c.isLetter || c == "_" {
                var j = i
                while j < chars.count && (chars[j].isLetter || chars[j].isNumber || chars[j] == "_") { j += 1 }
                out.append(Token(kind: .ident, text: String(chars[i..<j]), column: col))
                i = j
                continue
            }
            if c == "." && i + 2 < chars.count && chars[i + 1] == "." && chars[i + 2] == "." {
                out.append(Token(kind: .punct, text: "...", column: col))
                i += 3
                continue
            }
            if c == "." {
                // An attribute name after '.' may be a dotted module path: out.layer1.0.relu
                var j = i + 1
                while j < chars.count && (chars[j].isLetter || chars[j].isNumber || "_.:/".contains(chars[j])) { j += 1 }
                while j > i + 1 && chars[j - 1] == "." { j -= 1 }
                guard j > i + 1 else { throw ShellError("expected a name after '.'", column: col) }
                out.append(Token(kind: .punct, text: ".", column: col))
                out.append(Token(kind: .ident, text: String(chars[(i + 1)..<j]), column: col + 1))
                i = j
                continue
            }
            if "+-*/@()[],:=".contains(c) {
                out.append(Token(kind: .punct, text: String(c), column: col))
                i += 1
                continue
            }
            throw ShellError("unexpected character '\(c)'", column: col)
        }
        out.append(Token(kind: .end, text: "end of expression", column: column + chars.count))
        return out
    }

    var peek: Token { tokens[min(pos, tokens.count - 1)] }
    mutating func next() -> Token { let t = peek; pos += 1; return t }
    func isPunct(_ s: String) -> Bool { peek.kind == .punct && peek.text == s }
    mutating func expect(_ s: String) throws {
        guard isPunct(s) else { throw ShellError("expected '\(s)', found '\(peek.text)'", column: peek.column) }
        pos += 1
    }

    /// Throws when `extra` more levels below the current depth would pass the limit.
    func checkDepth(_ extra: Int, column: Int) throws {
        if depth + extra > ExprParser.maxDepth {
            throw ShellError("expression nested too deeply (more than \(ExprParser.maxDepth) levels): split it with `let`", column: column)
        }
    }

    mutating func expression() throws -> Expr {
        depth += 1
        defer { depth -= 1 }
        try checkDepth(0, column: peek.column)
        var lhs = try term()
        var chain = 0
        while isPunct("+") || isPunct("-") {
            let op = next()
            chain += 1
            try checkDepth(chain, column: op.column)
            lhs = .binary(op.text, lhs, try term(), column: op.column)
        }
        return lhs
    }

    mutating func term() throws -> Expr {
        var lhs = try unary()
        var chain = 0
        while isPunct("*") || isPunct("/") || isPunct("@") {
            let op = next()
            chain += 1
            try checkDepth(chain, column: op.column)
            lhs = .binary(op.text, lhs, try unary(), column: op.column)
        }
        return lhs
    }

    mutating func unary() throws -> Expr {
        if isPunct("-") || isPunct("+") {
            let t = next()
            depth += 1
            defer { depth -= 1 }
            try checkDepth(0, column: t.column)
            let operand = try unary()
            return t.text == "-" ? .negate(operand, column: t.column) : operand
        }
        return try postfix()
    }

    mutating func postfix() throws -> Expr {
        var e = try primary()
        var chain = 0
        while true {
            if isPunct(".") || isPunct("[") {
                chain += 1
                try checkDepth(chain, column: peek.column)
            }
            if isPunct(".") {
                let dot = next()
                let name = next()
                e = .attribute(e, name.text, column: dot.column)
            } else if isPunct("[") {
                let open = next()
                e = .index(e, try indexItems(), column: open.column)
                try expect("]")
            } else {
                return e
            }
        }
    }

    mutating func indexItems() throws -> [IndexItem] {
        var items: [IndexItem] = []
        repeat {
            if isPunct(",") { _ = next() }
            if isPunct("]") { break }
            if isPunct("...") { _ = next(); items.append(.ellipsis); continue }
            if peek.kind == .ident && peek.text == "None" { _ = next(); items.append(.newAxis); continue }
            var start: Expr?, stop: Expr?, step: Expr?
            if !isPunct(":") { start = try expression() }
            if isPunct(":") {
                _ = next()
                if !isPunct(":") && !isPunct(",") && !isPunct("]") { stop = try expression() }
                if isPunct(":") {
                    _ = next()
                    if !isPunct(",") && !isPunct("]") { step = try expression() }
                }
                items.append(.slice(start, stop, step))
            } else if let start {
                items.append(.at(start))
            }
        } while isPunct(",")
        return items
    }

    mutating func primary() throws -> Expr {
        let t = next()
        switch t.kind {
        case .number:
            guard let v = Double(t.text) else { throw ShellError("bad number '\(t.text)'", column: t.column) }
            let isInt = !t.text.contains(".") && !t.text.lowercased().contains("e")
            return .number(v, isInteger: isInt, column: t.column)
        case .string:
            return .string(t.text, column: t.column)
        case .ident:
            if isPunct("(") {
                _ = next()
                var args: [Expr] = []
                var kwargs: [(String, Expr)] = []
                while !isPunct(")") {
                    if peek.kind == .ident, pos + 1 < tokens.count, tokens[pos + 1].kind == .punct, tokens[pos + 1].text == "=" {
                        let k = next().text
                        _ = next()
                        kwargs.append((k, try expression()))
                    } else {
                        guard kwargs.isEmpty else { throw ShellError("positional argument after keyword argument", column: peek.column) }
                        args.append(try expression())
                    }
                    if isPunct(",") { _ = next() } else { break }
                }
                try expect(")")
                return .call(t.text, args, kwargs, column: t.column)
            }
            return .name(t.text, column: t.column)
        case .punct where t.text == "(":
            if isPunct(")") { _ = next(); return .tuple([], column: t.column) }
            let first = try expression()
            if isPunct(",") {
                var items = [first]
                while isPunct(",") {
                    _ = next()
                    if isPunct(")") { break }
                    items.append(try expression())
                }
                try expect(")")
                return .tuple(items, column: t.column)
            }
            try expect(")")
            return first
        case .punct where t.text == "[":
            var items: [Expr] = []
            while !isPunct("]") {
                items.append(try expression())
                if isPunct(",") { _ = next() } else { break }
            }
            try expect("]")
            return .list(items, column: t.column)
        default:
            throw ShellError(t.kind == .end ? "expression expected" : "unexpected '\(t.text)'", column: t.column)
        }
    }
}
