import Surgeon
import SurgeonTensor

/// A screen that shows some results better than text can: the full-screen mode sets itself as
/// the session's presenter, and `heatmap` / `tree` hand their result to it instead of writing
/// text. Plain and script modes have none.
public protocol SessionPresenter: AnyObject {
    /// Shows a heatmap; returns false to fall back to the text rendering.
    func showHeatmap(_ request: HeatmapRequest) throws -> Bool
    /// Shows (and focuses on `focus`, a module or node name) the graph tree; false for text.
    func showTree(focus: String?) throws -> Bool
}

/// What `heatmap EXPR [dims=A,B] [index=...]` asked to see.
public struct HeatmapRequest {
    public var tensor: Tensor
    /// The two axes to show (nil: the last two).
    public var dims: [Int]?
    /// Positions on the other axes (nil: all 0).
    public var index: [Int]?
    /// The expression text, as a title.
    public var label: String

    public init(tensor: Tensor, dims: [Int]?, index: [Int]?, label: String) {
        self.tensor = tensor
        self.dims = dims
        self.index = index
        self.label = label
    }
}

extension Session {
    /// The `info NAME` text for a name of the current model.
    public func infoText(_ name: String) throws -> String {
        let m = try requireCurrent()
        do { return try ModelOverview(model: m.model, names: m.names).info(name) } catch { throw ShellError("\(error)") }
    }
}
