import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor
import Synchronization

/// A model in the session, with what the user asked to inspect on it.
public struct LoadedModel {
    public var name: String
    public var path: String?
    /// Replacing or editing the model drops its compiled plans.
    public var model: Model { didSet { runtime = ModelRuntime(); estimateCache = EstimateCache() } }
    /// The interpreter kept between runs of this model (its compiled plans and folded constants).
    public private(set) var runtime = ModelRuntime()
    /// Friendly names, recovered on first use: naming was most of `load`'s time on small
    /// models, and `load` itself prints nothing that depends on them. Copies share one.
    public var names: ModelNames {
        get { lazyNames.value }
        set { lazyNames = LazyNames(names: newValue) }
    }
    private var lazyNames: LazyNames
    /// Recorded on every run: (spec name, alias).
    public var inspect: [(name: String, alias: String?)] = []
    public var inspectAll = false
    /// Whether runs print the model output beside inspected values (`keep=false` drops it).
    public var keepOutput = true
    /// Set for a model made by `cut`: its summary.
    public var cutSummary: String?
    /// The last pre-run memory estimate (shape inference is not free on big models).
    private(set) var estimateCache = EstimateCache()

    public init(name: String, path: String?, model: Model) {
        self.name = name
        self.path = path
        self.model = model
        // The model as it is now: names always describe the model the entry was made with.
        self.lazyNames = LazyNames(model: model)
    }

    public var parameterCount: Int { model.graph.initializers.values.reduce(0) { $0 + $1.count } }

    /// This entry with an interpreter of its own (entries shared between sessions, like the
    /// demo's, must not share one: a session sets its cancel and budget checks on it).
    func withOwnRuntime() -> LoadedModel {
        var copy = self
        copy.runtime = ModelRuntime()
        return copy
    }
}

/// A model's `ModelNames`, computed once on first use from the model it was made with, under a
/// lock (entries like the demo's are shared between sessions, also across threads in tests).
final class LazyNames: @unchecked Sendable {
    private enum State {
        case pending(Model)
        case done(ModelNames)
    }
    private let state: Mutex<State>

    init(model: Model) { state = Mutex(.pending(model)) }
    init(names: ModelNames) { state = Mutex(.done(names)) }

    var value: ModelNames {
        state.withLock { s in
            switch s {
            case .done(let names): return names
            case .pending(let model):
                let names = ModelNames(model: model)
                s = .done(names)
                return names
            }
        }
    }
}

/// One Interpreter per model in the session, made on first use, so that runs reuse its
/// compiled plans. Copies of a LoadedModel share it until one of them changes its model.
public final class ModelRuntime {
    private var interpreter: Interpreter?

    public init() {}

    /// The interpreter for `model` (the caller passes the model this runtime belongs to).
    public func interpreter(for model: Model, shouldCancel: (() -> Bool)?) -> Interpreter {
        let interp = interpreter ?? Interpreter(model: model)
        interpreter = interp
        interp.shouldCancel = shouldCancel
        return interp
    }
}

/// Key and result of the last `MemoryEstimate` of a model, shared by copies of its entry (the
/// demo's entry is shared by every session, also across threads in tests).
final class EstimateCache: @unchecked Sendable {
    private let state = Mutex<(key: String, estimate: MemoryEstimate?)>((key: "", estimate: nil))

    func estimate(for key: String) -> MemoryEstimate? { state.withLock { $0.key == key ? $0.estimate : nil } }
    func store(_ e: MemoryEstimate, for key: String) { state.withLock { $0 = (key: key, estimate: e) } }
}

/// Everything a shell session holds: models, variables, the last results, the generator.
/// Commands change it only after they succeed, so a failed command leaves it as it was.
public final class Session {
    public internal(set) var models: [LoadedModel] = []
    public internal(set) var currentName: String?
    public internal(set) var variables: [String: ShellValue] = [:]
    public internal(set) var lastResults: RunResults?
    public var rng = SeededRandom(seed: 0)
    /// Relative paths are resolved against this folder (the script's folder, or the cwd).
    public var baseDirectory: String
    /// Checked between nodes of a run; set by Ctrl-C.
    public var shouldCancel: (() -> Bool)?
    /// `set memory`: the bytes of tensors a command may bring the process to; nil = no budget
    /// (single tensors are then limited to `tensorByteLimit`). Defaults to 80% of the
    /// physical memory.
    public var memoryBudget: Int? = MemoryBudget.physicalDefault
    /// Where results go (stdout) and where notes that are not results go.
    public var write: (String) -> Void
    public var useColor = false
    /// The full screen, when there is one: `heatmap` and `tree` draw there instead of printing.
    public weak var presenter: SessionPresenter?

    public init(baseDirectory: String = FileManager.default.currentDirectoryPath, write: @escaping (String) -> Void = { print($0) }) {
        self.baseDirectory = baseDirectory
        self.write = write
    }

    public var current: LoadedModel? {
        guard let c = currentName else { return nil }
        return models.first { $0.name == c }
    }

    func requireCurrent() throws -> LoadedModel {
        guard let m = current else { throw ShellError("no model loaded: `load FILE.onnx` first") }
        return m
    }

    func index(of name: String) -> Int? { models.firstIndex { $0.name == name } }

    func resolvePath(_ p: String) -> String {
        var path = p
        if path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] { path = home + path.dropFirst(1) }
        if path.hasPrefix("/") { return path }
        return baseDirectory + "/" + path
    }

    /// Adds or replaces a model and makes it current.
    func add(_ m: LoadedModel) {
        if let i = index(of: m.name) { models[i] = m } else { models.append(m) }
        currentName = m.name
    }

    func update(_ m: LoadedModel) {
        if let i = index(of: m.name) { models[i] = m }
    }

    /// A model name not yet used: `base`, `base_1`, ...
    func freshName(_ base: String) -> String {
        var name = base, k = 1
        while index(of: name) != nil { name = "\(base)_\(k)"; k += 1 }
        return name
    }

    /// Executes one command's text (no `;`), throwing ShellError on failure.
    public func execute(_ command: CommandText) throws {
        try MemoryBudget.$limit.withValue(memoryBudget) {
            try Commands.execute(command, in: self)
        }
    }
}

extension Session {
    /// Words the prompt completes: commands, keys, names of the current model, variables.
    public func completionCandidates() -> [String] {
        var words = Commands.names + ["in=", "out=", "keep=", "dims=", "as", "all", "off"]
        if let m = current { words += m.names.nodes + m.names.layers }
        words += models.map(\.name)
        words += variables.keys.map { $0 }
        words += ["out"] + Builtins.names.map { $0 + "(" }
        return Array(Set(words))
    }

    /// Loads the built-in demo model as `demo`.
    public func loadDemo() {
        add(Session.demoEntry.withOwnRuntime())
    }

    /// Built once: the demo's weights and names are the same in every session (fuzz targets
    /// and tests make thousands of sessions).
    static let demoEntry = LoadedModel(name: "demo", path: nil, model: DemoModel.make())

    /// Loads a model file at start-up (as `load PATH` would, silently).
    public func loadAtStart(_ path: String) throws {
        let model = try ONNXImport.load(path: resolvePath(path))
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        add(LoadedModel(name: freshName(base), path: resolvePath(path), model: model))
    }
}
