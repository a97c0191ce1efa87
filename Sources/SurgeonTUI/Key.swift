/// A key press, decoded by the terminal driver (or scripted by a test).
public enum Key: Equatable, Sendable {
    case char(Character)
    /// Ctrl plus a letter (lower case): `.ctrl("d")`.
    case ctrl(Character)
    case enter, tab, backTab, backspace, delete, escape
    case up, down, left, right, home, end, pageUp, pageDown
    case resize

    /// The bytes a terminal sends for this key, as readline expects them.
    public var bytes: [UInt8] {
        switch self {
        case .char(let c): return Array(String(c).utf8)
        case .ctrl(let c):
            guard let a = c.asciiValue else { return [] }
            return [a & 0x1F]
        case .enter: return [13]
        case .tab: return [9]
        case .backTab: return Array("\u{1B}[Z".utf8)
        case .backspace: return [127]
        case .delete: return Array("\u{1B}[3~".utf8)
        case .escape: return [27]
        case .up: return Array("\u{1B}[A".utf8)
        case .down: return Array("\u{1B}[B".utf8)
        case .right: return Array("\u{1B}[C".utf8)
        case .left: return Array("\u{1B}[D".utf8)
        case .home: return Array("\u{1B}[H".utf8)
        case .end: return Array("\u{1B}[F".utf8)
        case .pageUp, .pageDown, .resize: return []
        }
    }

    /// Keys from a test script: `"run\n"` gives r, u, n, enter; `\t` is tab.
    public static func typing(_ s: String) -> [Key] {
        s.map { ch -> Key in
            switch ch {
            case "\n", "\r": return .enter
            case "\t": return .tab
            case "\u{7F}": return .backspace
            case "\u{1B}": return .escape
            default:
                if let a = ch.asciiValue, a < 32 { return .ctrl(Character(UnicodeScalar(a + 96))) }
                return .char(ch)
            }
        }
    }
}
