#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C handling: the first SIGINT asks the running command to stop between nodes; the
/// prompt and the script loop check and clear the flag.
public enum Interrupt {
    nonisolated(unsafe) public static var flag: sig_atomic_t = 0

    public static func install() {
        signal(SIGINT) { _ in Interrupt.flag = 1 }
    }

    public static var requested: Bool { flag != 0 }
    public static func clear() { flag = 0 }
}
