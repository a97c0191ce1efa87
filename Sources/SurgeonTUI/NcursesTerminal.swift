@preconcurrency import CNcursesw
import Foundation
import SurgeonShell

/// The real terminal: ncurses in cbreak mode with the keypad decoded, copying a `CellGrid` to
/// the screen. It restores the terminal on `stop()`, at exit, and on fatal signals.
final class NcursesTerminal {
    nonisolated(unsafe) static var active = false
    private struct PairKey: Hashable { var fg: Int32, bg: Int32 }
    private var pairs: [PairKey: Int32] = [:]
    let colors: Int
    let colorPairs: Int
    /// The terminal description in use when it is not TERM (a `*-direct` variant for 24-bit colour).
    let terminalName: String?

    private init(colors: Int, colorPairs: Int, terminalName: String?) {
        self.colors = colors
        self.colorPairs = colorPairs
        self.terminalName = terminalName
    }

    /// What the terminfo database says about a terminal description.
    static func probe(_ name: String) -> (colors: Int, rgb: Bool)? {
        var rgb: Int32 = 0
        let n = name.withCString { shim_probe_colors($0, &rgb) }
        return n < 0 ? nil : (Int(n), rgb != 0)
    }

    /// Takes over the terminal; nil when ncurses cannot (unknown TERM, no terminal).
    static func start() -> NcursesTerminal? {
        setlocale(LC_ALL, "")
        unblockSignals()
        var name = TerminalChoice.terminalName(environment: ProcessInfo.processInfo.environment, probe: probe)
        var screen = name.flatMap { n in n.withCString { newterm($0, stdout, stdin) } }
        if screen == nil {
            name = nil
            screen = newterm(nil, stdout, stdin)
        }
        guard screen != nil else { return nil }
        active = true
        installRestoreHandlers()
        let win = shim_stdscr()
        cbreak()
        noecho()
        nonl()
        keypad(win, true)
        set_escdelay(25)
        wtimeout(win, 100)
        var colors = 0, colorPairs = 0
        if has_colors() {
            start_color()
            use_default_colors()
            colors = Int(shim_colors())
            colorPairs = Int(shim_color_pairs())
        }
        return NcursesTerminal(colors: colors, colorPairs: colorPairs, terminalName: name)
    }

    /// Gives the terminal back (idempotent; also called from signal handlers and atexit).
    static func restore() {
        guard active else { return }
        active = false
        endwin()
    }

    /// A parent may start us with signals blocked (test runners do); the screen needs Ctrl-C,
    /// resizes, hang-ups and job control to arrive.
    static func unblockSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGHUP, SIGTERM, SIGQUIT, SIGWINCH, SIGTSTP, SIGCONT, SIGCHLD] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static func installRestoreHandlers() {
        atexit { NcursesTerminal.restore() }
        for sig in [SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] {
            signal(sig) { s in
                NcursesTerminal.restore()
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }

    func stop() { NcursesTerminal.restore() }

    var size: (width: Int, height: Int) {
        let w = shim_stdscr()
        return (Int(getmaxx(w)), Int(getmaxy(w)))
    }

    /// The next key, or nil after the 100 ms timeout (or an interrupted read); with
    /// `wait: false`, nil at once when no key is pending.
    func readKey(wait: Bool = true) -> Key? {
        var ch: wint_t = 0
        let win = shim_stdscr()
        if !wait { wtimeout(win, 0) }
        defer { if !wait { wtimeout(win, 100) } }
        let r = wget_wch(win, &ch)
        if r == ERR { return nil }
        if r == shim_key_code_yes() {
            switch Int32(ch) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_BTAB: return .backTab
            case KEY_ENTER: return .enter
            case shim_key_resize(): return .resize
            default: return nil
            }
        }
        switch ch {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 0..<32: return .ctrl(Character(UnicodeScalar(UInt8(ch) + 96)))
        default:
            guard let u = UnicodeScalar(UInt32(ch)) else { return nil }
            return .char(Character(u))
        }
    }

    /// A cell colour (palette index, 24-bit value or -1) as a colour number of this terminal.
    /// Direct-colour terminals take 0xRRGGBB (values below 8 are the ANSI colours there, so
    /// RGB values below 8 become 8); palette terminals take the nearest index they have.
    static func terminalColour(_ c: Int, colors: Int) -> Int32 {
        guard c >= 0 else { return -1 }
        if colors >= ColorMode.directColors {
            if c < 8 { return Int32(c) }
            let rgb = CellStyle.rgbValue(c) ?? Palette.xtermRGB(c)
            return Int32(max(8, Int(rgb.r) << 16 | Int(rgb.g) << 8 | Int(rgb.b)))
        }
        let index = CellStyle.rgbValue(c).map { Palette.nearestXterm(Double($0.r), Double($0.g), Double($0.b)) } ?? c
        return index < colors ? Int32(index) : -1
    }

    func pair(_ fg: Int, _ bg: Int) -> Int32 {
        guard colors > 0, fg >= 0 || bg >= 0 else { return 0 }
        let key = PairKey(fg: Self.terminalColour(fg, colors: colors), bg: Self.terminalColour(bg, colors: colors))
        if let p = pairs[key] { return p }
        if pairs.count >= max(16, colorPairs - 2) {
            // alloc_pair reuses the oldest pairs when the table is full, so our cache would go
            // stale: start over (the next refresh repaints what changed).
            reset_color_pairs()
            pairs = [:]
            clearok(shim_stdscr(), true)
        }
        let p = alloc_pair(key.fg, key.bg)
        let value = p < 0 ? 0 : p
        pairs[key] = value
        return value
    }

    /// Copies the grid to the screen and places (or hides) the cursor.
    func present(_ grid: CellGrid, cursor: (x: Int, y: Int)?) {
        let (w, h) = size
        let bold = shim_a_bold(), reverse = shim_a_reverse()
        for y in 0..<min(h, grid.height) {
            for x in 0..<min(w, grid.width) {
                let c = grid[x, y]
                if c.isContinuation { continue }
                var wide: [wchar_t] = c.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
                if wide.isEmpty { wide = [32] }
                wide.append(0)
                var attrs: Int32 = 0
                if c.style.bold { attrs |= bold }
                if c.style.reverse { attrs |= reverse }
                let p = pair(c.style.fg, c.style.bg)
                _ = wide.withUnsafeBufferPointer { shim_put_cell(Int32(y), Int32(x), $0.baseAddress, p, attrs) }
            }
        }
        if let cursor {
            curs_set(1)
            wmove(shim_stdscr(), Int32(cursor.y), Int32(cursor.x))
        } else {
            curs_set(0)
        }
        wnoutrefresh(shim_stdscr())
        doupdate()
    }
}
