import Foundation
import SurgeonTensor

/// TreeEnsemble (ai.onnx.ml opset 5): evaluates every tree (rooted at `tree_roots`) on each row
/// of X [N, F]; branch nodes compare one feature against a split (modes LEQ, LT, GTE, GT, EQ,
/// NEQ, MEMBER), leaves add `leaf_weights[i]` to target `leaf_targetids[i]`. Per-target results
/// are aggregated (AVERAGE, SUM, MIN, MAX) and post-transformed (NONE, SOFTMAX, LOGISTIC,
/// SOFTMAX_ZERO); the output is [N, n_targets] in X's type.
enum TreeEnsemble {
    static func register(_ r: inout OpRegistry) {
        r.register("TreeEnsemble", domain: "ai.onnx.ml", since: 5) { ctx in try run(ctx) }
    }

    enum Mode: Int { case leq = 0, lt, gte, gt, eq, neq, member }

    struct Branch {
        let mode: Mode
        let split: Double
        let members: Set<Double>
        let feature: Int
        let missingTrue: Bool
        let trueID: Int, trueLeaf: Bool
        let falseID: Int, falseLeaf: Bool

        func goesTrue(_ x: Double) -> Bool {
            if x.isNaN && missingTrue { return true }
            switch mode {
            case .leq: return x <= split
            case .lt: return x < split
            case .gte: return x >= split
            case .gt: return x > split
            case .eq: return x == split
            case .neq: return x != split
            case .member: return members.contains(x)
            }
        }
    }

    static func tensorDoubles(_ ctx: OpContext, _ name: String) throws -> [Double]? {
        try ctx.tensorAttribute(name)?.doubleArray()
    }

    static func requiredInts(_ ctx: OpContext, _ name: String) throws -> [Int] {
        guard let v = try ctx.ints(name) else { throw ctx.error("missing attribute '\(name)'") }
        return v
    }

    static func run(_ ctx: OpContext) throws -> [Value] {
        let x = try ctx.tensor(0)
        guard x.dtype.isFloatingPoint else { throw ctx.error("X must be floating-point, got \(x.dtype)") }
        guard x.rank == 2 else { throw ctx.error("X must be [N, F], got \(x.typeDescription)") }
        let (rows, features) = (x.shape[0], x.shape[1])

        guard let splits = try tensorDoubles(ctx, "nodes_splits") else { throw ctx.error("missing attribute 'nodes_splits'") }
        let featureIDs = try requiredInts(ctx, "nodes_featureids")
        guard let modes = try ctx.tensorAttribute("nodes_modes")?.int64Array() else { throw ctx.error("missing attribute 'nodes_modes'") }
        let trueIDs = try requiredInts(ctx, "nodes_truenodeids"), falseIDs = try requiredInts(ctx, "nodes_falsenodeids")
        let trueLeafs = try requiredInts(ctx, "nodes_trueleafs"), falseLeafs = try requiredInts(ctx, "nodes_falseleafs")
        let leafTargets = try requiredInts(ctx, "leaf_targetids")
        guard let leafWeights = try tensorDoubles(ctx, "leaf_weights") else { throw ctx.error("missing attribute 'leaf_weights'") }
        let roots = try requiredInts(ctx, "tree_roots")
        let missing = try ctx.ints("nodes_missing_value_tracks_true") ?? []
        let nTargets = try ctx.int("n_targets", 1)
        let aggregate = try ctx.int("aggregate_function", 1)
        let post = try ctx.int("post_transform", 0)

        let nNodes = splits.count
        guard [featureIDs.count, modes.count, trueIDs.count, falseIDs.count, trueLeafs.count, falseLeafs.count]
            .allSatisfy({ $0 == nNodes }), missing.isEmpty || missing.count == nNodes else {
            throw ctx.error("the nodes_* attributes have different lengths")
        }
        guard leafTargets.count == leafWeights.count else { throw ctx.error("leaf_targetids and leaf_weights differ in length") }
        guard nTargets >= 1, nTargets <= 1 << 24 else { throw ctx.error("bad n_targets \(nTargets)") }
        for t in leafTargets where t < 0 || t >= nTargets { throw ctx.error("leaf target \(t) is out of range 0..<\(nTargets)") }

        // Set-membership nodes take their members, in node order, from NaN-delimited runs.
        var memberSets: [Set<Double>] = []
        if let mv = try tensorDoubles(ctx, "membership_values") {
            var cur = Set<Double>()
            for v in mv { if v.isNaN { memberSets.append(cur); cur = [] } else { cur.insert(v) } }
            if !cur.isEmpty { memberSets.append(cur) }
        }
        var nextSet = 0
        var branches: [Branch] = []
        for i in 0..<nNodes {
            guard let mode = Mode(rawValue: Int(modes[i])) else { throw ctx.error("unknown node mode \(modes[i])") }
            var members = Set<Double>()
            if mode == .member {
                guard nextSet < memberSets.count else { throw ctx.error("membership_values has too few sets") }
                members = memberSets[nextSet]; nextSet += 1
            }
            guard featureIDs[i] >= 0, featureIDs[i] < features else {
                throw ctx.error("feature id \(featureIDs[i]) is out of range 0..<\(features)")
            }
            let tl = trueLeafs[i] != 0, fl = falseLeafs[i] != 0
            for (id, leaf) in [(trueIDs[i], tl), (falseIDs[i], fl)] where id < 0 || id >= (leaf ? leafWeights.count : nNodes) {
                throw ctx.error("node \(i) refers to \(leaf ? "leaf" : "node") \(id), out of range")
            }
            branches.append(Branch(mode: mode, split: splits[i], members: members, feature: featureIDs[i],
                                   missingTrue: missing.isEmpty ? false : missing[i] != 0,
                                   trueID: trueIDs[i], trueLeaf: tl, falseID: falseIDs[i], falseLeaf: fl))
        }
        // A root whose both branches are the same leaf is itself that leaf (by its own index).
        var rootStarts: [(id: Int, leaf: Bool)] = []
        for root in roots {
            guard root >= 0, root < nNodes else { throw ctx.error("tree root \(root) is out of range") }
            let b = branches[root]
            if b.trueLeaf && b.falseLeaf && b.trueID == b.falseID {
                guard root < leafWeights.count else { throw ctx.error("degenerate tree root \(root) has no leaf") }
                rootStarts.append((root, true))
            } else {
                rootStarts.append((root, false))
            }
        }

        let xs = x.doubleArray()
        var out = [Double](repeating: 0, count: rows * nTargets)
        for n in 0..<rows {
            let row = n * features
            var acc = [Double](repeating: 0, count: nTargets)
            var seen = [Bool](repeating: false, count: nTargets)
            for start in rootStarts {
                var (id, leaf) = start
                var steps = 0
                while !leaf {
                    steps += 1
                    if steps > nNodes + 1 { throw ctx.error("tree \(start.id) has a cycle") }
                    let b = branches[id]
                    if b.goesTrue(xs[row + b.feature]) { (id, leaf) = (b.trueID, b.trueLeaf) } else { (id, leaf) = (b.falseID, b.falseLeaf) }
                }
                let t = leafTargets[id], w = leafWeights[id]
                switch aggregate {
                case 0, 1: acc[t] += w
                case 2: acc[t] = seen[t] ? min(acc[t], w) : w
                case 3: acc[t] = seen[t] ? max(acc[t], w) : w
                default: throw ctx.error("unknown aggregate_function \(aggregate)")
                }
                seen[t] = true
            }
            if aggregate == 0 && !roots.isEmpty { for t in 0..<nTargets { acc[t] /= Double(roots.count) } }
            switch post {
            case 0: break
            case 1, 3:
                let m = acc.max() ?? 0
                var e = acc.map { exp($0 - m) }
                if post == 3 { for t in 0..<nTargets where acc[t] == 0 { e[t] = 0 } }
                let s = e.reduce(0, +)
                acc = e.map { s > 0 ? $0 / s : 0 }
            case 2: acc = acc.map { 1 / (1 + exp(-$0)) }
            default: throw ctx.error("post_transform \(post) is not supported")
            }
            for t in 0..<nTargets { out[n * nTargets + t] = acc[t] }
        }
        return [.tensor(try Tensor(doubles: out, shape: [rows, nTargets], dtype: x.dtype))]
    }
}
