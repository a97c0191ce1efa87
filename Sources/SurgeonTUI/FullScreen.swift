import Foundation
import SurgeonShell

/// The full-screen mode: ncurses, readline through its callback interface, and `App`.
public enum FullScreen {
    /// Runs until quit or Ctrl-D; falls back to the plain prompt when ncurses cannot start.
    public static func run(runner: ScriptRunner) -> Int32 {
        guard let term = NcursesTerminal.start() else {
            FileHandle.standardError.write(Data("surgeon-shell: cannot start the full screen; using the plain prompt\n".utf8))
            return PlainREPL.run(runner: runner)
        }
        let (w, h) = term.size
        let editor = ReadlineEditor()
        editor.start(width: w, height: h)
        let env = ProcessInfo.processInfo.environment
        let app = App(runner: runner, editor: editor, width: w, height: h,
                      colorMode: ColorMode.detect(environment: env, colors: term.colors))
        editor.completions = { [unowned runner] in runner.session.completionCandidates() }
        app.willRun = { [unowned app] _ in
            let f = app.draw()
            term.present(f.grid, cursor: f.cursor)
        }
        var dirty = true
        while !app.finished {
            if dirty {
                let f = app.draw()
                term.present(f.grid, cursor: f.cursor)
                dirty = false
            }
            guard let key = term.readKey() else {
                if Interrupt.requested {
                    Interrupt.clear()
                    app.interrupt()
                    dirty = true
                }
                continue
            }
            // Handle every key already typed before drawing again (held-down keys, pastes).
            var next: Key? = key
            var handled = 0
            while let k = next, !app.finished {
                if k == .resize {
                    let (nw, nh) = term.size
                    app.resize(width: nw, height: nh)
                }
                app.handle(k)
                handled += 1
                next = handled < 200 ? term.readKey(wait: false) : nil
            }
            dirty = true
        }
        editor.stop()
        term.stop()
        return 0
    }
}
