import Surgeon
import SurgeonGraph
import SurgeonTensor

/// Plain-text `tree` helpers.
enum TreeText {
    /// The module at `path` (or whose last component is `path`).
    static func find(_ path: String, in m: TreeModule) -> TreeModule? {
        if m.path == path { return m }
        for c in m.children { if case .module(let sub) = c, let f = find(path, in: sub) { return f } }
        return nil
    }
}
