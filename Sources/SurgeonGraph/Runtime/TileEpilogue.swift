import SurgeonTensor

/// The leading epilogues of a plan step that need nothing but the value (Relu, Clip, the
/// float32 activations, SiLU's gated form, a fake-quantize pair), which the step's kernel may
/// apply itself to its float32 result, tile by tile right after computing each tile, while it
/// is still in cache: the plan's own pass over the whole result comes after the result has
/// left the cache (a Conv's multi-MB output). Every value goes through exactly the
/// per-element operations of `Epilogue.applyInPlace`, so the bits are the same. Epilogues
/// that read another value (Add / Sub / Mul by a tensor) stop the run: they and everything
/// after them stay with the plan. Conv (`Conv.convCore`) is the kernel that takes it; MatMul
/// and Gemm by a packed constant weight (PlanPackedWeights.swift) take it too, and for them a
/// binary epilogue by a constant row of the result's last axis (a linear layer's bias, a
/// layer scale) is per value as well (`row`, see `init(leading:rowConstant:)`).
struct TileEpilogue: Sendable {
    enum Map: Sendable {
        case relu
        case clip(lo: Float, hi: Float)
        case unary(Epilogue.Unary)
        case gated(Epilogue.Unary)
        case fakeQuantize(FakeQuantize)
        /// y op values[j] for the value in column j of the result (`reversed`: values[j] op y).
        case row(Epilogue.Binary, values: Tensor, reversed: Bool)
        /// y op h (`reversed`: h op y), h the kernel's own result at the same place: the Mul of
        /// a kept gate, y = f(h) (`PlanFusion`). Kept chains only (`keep` > 0), where h is
        /// left as it is.
        case head(Epilogue.Binary, reversed: Bool)
    }
    let maps: [Map]
    /// How many of the step's epilogues this covers (its first `count`).
    var count: Int { maps.count }
    /// 0: the maps apply in place. Otherwise (a kept chain, `KeptTileOffer`) every map's result
    /// is stored `keep` elements after its input (the kernel's result is left as it is, the
    /// first map's result `keep` elements after it, the second's `2 * keep`, ...).
    let keep: Int
    /// A kept tile of a run that has left the cache (`KeptTileOffer.streamed`): the
    /// intermediate maps' results are written with streaming stores (`applyStreamed`).
    let streamed: Bool

    init(maps: [Map], keep: Int = 0, streamed: Bool = false) {
        self.maps = maps
        self.keep = keep
        self.streamed = streamed
    }

    /// The leading per-value epilogues of `epilogues`; nil when the first is not one.
    init?(leading epilogues: [Epilogue]) {
        var maps: [Map] = []
        for e in epilogues {
            guard let m = TileEpilogue.map(e.inPlace) else { break }
            maps.append(m)
        }
        if maps.isEmpty { return nil }
        self.maps = maps
        keep = 0
        streamed = false
    }

    /// The leading per-value epilogues of `epilogues`, a binary one included when its other
    /// operand is a constant float32 row (rank 1) that `rowConstant(slot)` returns; nil when
    /// the first is neither. Only for kernels that know each value's column (`apply(_:rows:
    /// cols:stride:col0:)`) and check the row's length (`fits(columns:)`).
    /// `head`: the slot of the kernel's result in a kept chain, whose binary epilogues by it
    /// become `head` maps (-1: none).
    init?(leading epilogues: [Epilogue], head: Int = -1, rowConstant: (Int) -> Tensor?) {
        var maps: [Map] = []
        for e in epilogues {
            if let m = TileEpilogue.map(e.inPlace) {
                maps.append(m)
            } else if case .binary(let op, let other, let reversed) = e.inPlace, head >= 0, other == head {
                maps.append(.head(op, reversed: reversed))
            } else if case .binary(let op, let other, let reversed) = e.inPlace, let t = rowConstant(other),
                      t.dtype == .float32, t.rank == 1, t.count > 0 {
                maps.append(.row(op, values: t, reversed: reversed))
            } else {
                break
            }
        }
        if maps.isEmpty { return nil }
        self.maps = maps
        keep = 0
        streamed = false
    }

    /// True when every `row` operand has exactly `columns` values (the result's last axis).
    func fits(columns: Int) -> Bool {
        for m in maps {
            if case .row(_, let t, _) = m, t.count != columns { return false }
        }
        return true
    }

    /// The per-value form of an in-place epilogue, nil for those that read another value.
    static func map(_ e: Epilogue.InPlace) -> Map? {
        switch e {
        case .relu: return .relu
        case .clip(let lo, let hi): return .clip(lo: lo, hi: hi)
        case .unary(let f): return .unary(f)
        case .gated(let f): return .gated(f)
        case .fakeQuantize(let fq): return .fakeQuantize(fq)
        // A kept pair also writes its integer tensor (observed runs only): not per value.
        case .binary, .quantizePair, .castInt32: return nil
        }
    }

    /// `p[0 ..< n]` through every map in turn, on the calling thread. For a `row` map, p is
    /// columns `col0 ..< col0 + n` of one row of the result.
    func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int, col0: Int = 0) {
        apply(p, rows: 1, cols: n, stride: 0, col0: col0)
    }

    /// A tile of `rows` rows of `cols` values, rows `stride` apart, starting at column `col0`.
    /// Map by map, each over every row: the maps are per value, so this order gives each value
    /// the same operations as row by row, and each row the same calls; a map's operands (a
    /// `row` map's tensor) are taken once per tile instead of once per row (retains and
    /// releases per row were a few percent of a small model's run).
    func apply(_ p: UnsafeMutablePointer<Float>, rows: Int, cols n: Int, stride: Int, col0: Int = 0,
               streamLevel: Int = VectorMath.streamLevel) {
        if n <= 0 || rows <= 0 { return }
        if keep > 0, streamed, maps.count > 1, streamLevel > 0, n >= TileEpilogue.streamedRow {
            applyStreamed(p, rows: rows, cols: n, stride: stride, col0: col0, level: streamLevel)
            return
        }
        maps.withUnsafeBufferPointer { ms in
            for j in ms.indices { applyMap(ms[j], j, p, rows: rows, n: n, stride: stride, col0: col0) }
        }
    }

    /// The shortest row of a kept tile whose intermediate results are streamed
    /// (`applyStreamed`): 64 values, four cache lines.
    static let streamedRow = 64
    /// Values per piece of `applyStreamed` (two scratch pieces of 4 KB stay in L1).
    static let streamedPiece = 1024

    /// A kept tile (`keep` > 0, two maps or more) row by row in pieces: each map computes its
    /// piece from the previous one's into a scratch piece in L1, copied out to its place with
    /// streaming stores (`VectorMath.streamCopy`): those results are not read again in the run
    /// (the next map reads the scratch), so their lines are neither read from memory before
    /// being written nor evicting what the run reads next. The last map's result, which the
    /// next node reads, is stored as usual. Per value the same functions as `applyMap`, so the
    /// same bits.
    private func applyStreamed(_ base: UnsafeMutablePointer<Float>, rows: Int, cols n: Int, stride: Int, col0: Int,
                               level: Int) {
        let piece = TileEpilogue.streamedPiece, keep = self.keep
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * piece) { scratchBuffer in
            guard let scratch = scratchBuffer.baseAddress else { return }
            maps.withUnsafeBufferPointer { ms in
                for r in 0..<rows {
                    let row = base + r * stride
                    var s0 = 0
                    while s0 < n {
                        let len = min(piece, n - s0)
                        let head = UnsafePointer(row + s0)
                        var from = head
                        for j in ms.indices {
                            let place = row + (j + 1) * keep + s0
                            if j == ms.count - 1 {
                                TileEpilogue.applyOutOfPlace(ms[j], from, place, len, head: head, col0: col0 + s0)
                            } else {
                                let to = scratch + (j & 1) * piece
                                TileEpilogue.applyOutOfPlace(ms[j], from, to, len, head: head, col0: col0 + s0)
                                VectorMath.streamCopy(place, to, len * 4, level: level)
                                from = UnsafePointer(to)
                            }
                        }
                        s0 += len
                    }
                }
            }
        }
        VectorMath.streamFence()
    }

    /// `dst[0 ..< n]` = map `m` of `src[0 ..< n]` (not overlapping), with the per-value
    /// functions of the in-place maps (so the same bits): Relu, Clip, the activations and a
    /// product by the head out of place, the others (`outOfPlace` false) in place on a copy.
    /// `head` is the kernel's result at the same place (`head` maps), `col0` the first value's
    /// column (`row` maps).
    @inline(__always)
    private static func applyOutOfPlace(_ m: Map, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
                                        head: UnsafePointer<Float>, col0: Int) {
        switch m {
        case .relu: for i in 0..<n { dst[i] = reluF(src[i]) }
        case .clip(let lo, let hi): for i in 0..<n { dst[i] = clipF(src[i], lo, hi) }
        case .unary(let f): f.applyOutOfPlace(src, dst, n)
        case .head(let op, let reversed): binaryRunF32(op, dst, src, head, n, reversed: reversed)
        case .gated, .fakeQuantize, .row:
            dst.update(from: src, count: n)
            applyInPlace(m, dst, rows: 1, n: n, stride: 0, col0: col0)
        }
    }

    /// Whether `applyOutOfPlace` computes the map out of place (else: a copy, then in place).
    private static func outOfPlace(_ m: Map) -> Bool {
        switch m {
        case .relu, .clip, .unary, .head: return true
        case .gated, .fakeQuantize, .row: return false
        }
    }

    /// Map `j` over `rows` rows of `n` values, rows `stride` apart from `base`. Each row's input
    /// is `j * keep` elements after its start (0 in place), and a kept map's result `keep` after that.
    private func applyMap(_ m: Map, _ j: Int, _ base: UnsafeMutablePointer<Float>, rows: Int, n: Int, stride: Int, col0: Int) {
        let keep = self.keep
        if keep > 0 {
            // Kept: the map's result goes `keep` elements on (`applyOutOfPlace` row by row), or
            // for the maps computed in place, a copy of each row's input there, then the
            // in-place form over the tile (a `row` map's operand taken once per tile).
            let outOfPlace = TileEpilogue.outOfPlace(m)
            for r in 0..<rows {
                let head = UnsafePointer(base + r * stride)
                let src = head + j * keep, p = base + r * stride + (j + 1) * keep
                if outOfPlace {
                    TileEpilogue.applyOutOfPlace(m, src, p, n, head: head, col0: col0)
                } else {
                    p.update(from: src, count: n)
                }
            }
            if outOfPlace { return }
        }
        TileEpilogue.applyInPlace(m, base + (keep > 0 ? (j + 1) * keep : 0), rows: rows, n: n, stride: stride, col0: col0)
    }

    /// Map `m` in place over `rows` rows of `n` values, rows `stride` apart from `first`.
    @inline(__always)
    private static func applyInPlace(_ m: Map, _ first: UnsafeMutablePointer<Float>, rows: Int, n: Int, stride: Int, col0: Int) {
        switch m {
        case .relu: for r in 0..<rows { reluRunF32(first + r * stride, n) }
        case .clip(let lo, let hi): for r in 0..<rows { clipRunF32(first + r * stride, n, lo: lo, hi: hi) }
        case .unary(let f): for r in 0..<rows { f.apply(first + r * stride, n, gated: false, onThisThread: true) }
        case .gated(let f): for r in 0..<rows { f.apply(first + r * stride, n, gated: true, onThisThread: true) }
        case .fakeQuantize(let fq): for r in 0..<rows { fq.applyOnThisThread(first + r * stride, n) }
        case .row(let op, let t, let reversed):
            guard col0 >= 0, col0 + n <= t.count else { return }
            withExtendedLifetime(t) {
                let values = UnsafePointer(t.rawPointer.assumingMemoryBound(to: Float.self)) + col0
                for r in 0..<rows { rowRunF32(op, first + r * stride, values, n, reversed: reversed) }
            }
        case .head:
            // Only built for kept chains, and always computed out of place (`applyOutOfPlace`).
            return
        }
    }
}

/// The `TileEpilogue` of a step whose intermediates are kept (`Step.keepsIntermediates`),
/// offered for one run to kernels that know it (`OpContext.keptTile`: a Conv of a kept chain,
/// PlanKeptTile.swift; MatMul / Gemm by a packed weight): such a kernel allocates its float32
/// result with `newOutput`, which leaves room after it for one result per map, and applies the
/// epilogue `newOutput` returns to every tile of it, so each map's result is written while the
/// tile is in cache instead of in a pass of its own over the whole result, which has left the
/// cache by then. Then it calls `applied()`, and the plan takes `results` for the epilogues'
/// values. A kernel that ignores the offer changes nothing (the chain runs after it).
final class KeptTileOffer {
    let epilogue: TileEpilogue
    /// After `applied()`: one float32 tensor per map, the result of the step's epilogue `j`.
    private(set) var results: [Value] = []
    private var pending: (buffer: TensorBuffer, shape: [Int], stride: Int)?

    /// Whether the kept results are written with streaming stores (`TileEpilogue.streamed`,
    /// `Interpreter.streamKeptAfterBytes`).
    let streamed: Bool

    init(_ epilogue: TileEpilogue, streamed: Bool = false) {
        self.epilogue = epilogue
        self.streamed = streamed
    }

    /// A float32 result of `shape` (uninitialised; the kernel writes every element) with room
    /// for the kept results after it, and the epilogue that writes them there.
    func newOutput(_ shape: [Int]) throws -> (buffer: TensorBuffer, y: UnsafeMutablePointer<Float>, epilogue: TileEpilogue) {
        let n = try Tensor.checkedCount(shape, dtype: .float32)
        // Each result at a 64-byte boundary.
        let stride = (n + 15) / 16 * 16
        let (values, o1) = stride.multipliedReportingOverflow(by: epilogue.count + 1)
        let (bytes, o2) = values.multipliedReportingOverflow(by: 4)
        guard !o1, !o2 else { throw TensorError("a result of shape \(shape) and its kept copies are too large") }
        let buffer = TensorBuffer(uninitializedByteCount: bytes)
        pending = (buffer, shape, stride)
        return (buffer, buffer.pointer.bindMemory(to: Float.self, capacity: max(values, 1)),
                TileEpilogue(maps: epilogue.maps, keep: max(stride, 1), streamed: streamed))
    }

    /// The kernel has applied `newOutput`'s epilogue to all of its result.
    func applied() {
        guard let p = pending else { return }
        results = (1...epilogue.count).map {
            .tensor(Tensor(dtype: .float32, shape: p.shape, buffer: p.buffer, byteOffset: $0 * p.stride * 4))
        }
    }
}

/// A step's `TileEpilogue` offered to its kernel for one run (see `OpContext.tileEpilogue`):
/// the kernel sets `applied` when it has applied it to all of its result, which must then be
/// a float32 tensor; the plan then skips those epilogues. A kernel that ignores the offer
/// changes nothing (the plan runs every epilogue as usual).
final class TileEpilogueOffer {
    let epilogue: TileEpilogue
    var applied = false
    init(_ epilogue: TileEpilogue) { self.epilogue = epilogue }
}

/// Relu's float32 value function (the plan's epilogue and the per-tile one).
@inline(__always)
func reluF(_ v: Float) -> Float { v < 0 ? 0 : v }

/// Clip's float32 value function (the plan's epilogue and the per-tile one).
@inline(__always)
func clipF(_ v: Float, _ lo: Float, _ hi: Float) -> Float {
    let c = v < lo ? lo : v
    return c > hi ? hi : c
}

/// `p[i] = reluF(p[i])` for `i < n`, on the calling thread.
func reluRunF32(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n { p[i] = reluF(p[i]) }
}

/// `p[i] = clipF(p[i], lo, hi)` for `i < n`, on the calling thread.
func clipRunF32(_ p: UnsafeMutablePointer<Float>, _ n: Int, lo: Float, hi: Float) {
    for i in 0..<n { p[i] = clipF(p[i], lo, hi) }
}

/// `d[j] = a[j] op q[j]` (`reversed`: `q[j] op a[j]`) for `j < n`, on the calling thread: the
/// per-element functions of the plan's binary epilogues (`binaryInPlaceF32`); `d` may be `a`
/// (in place, `rowRunF32`). A kept gate's Mul by the kernel's own result (`Map.head`) passes
/// that result as `q`. Inlined, so an in-place call's loop is known to read and write the same
/// place (vectorised with no overlap check).
@inline(__always)
func binaryRunF32(_ op: Epilogue.Binary, _ d: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ q: UnsafePointer<Float>,
                  _ n: Int, reversed: Bool) {
    switch (op, reversed) {
    case (.add, false): for j in 0..<n { d[j] = AddF.apply(a[j], q[j]) }
    case (.add, true): for j in 0..<n { d[j] = AddF.apply(q[j], a[j]) }
    case (.mul, false): for j in 0..<n { d[j] = MulF.apply(a[j], q[j]) }
    case (.mul, true): for j in 0..<n { d[j] = MulF.apply(q[j], a[j]) }
    case (.sub, false): for j in 0..<n { d[j] = SubF.apply(a[j], q[j]) }
    case (.sub, true): for j in 0..<n { d[j] = SubF.apply(q[j], a[j]) }
    }
}

/// `p[j] = p[j] op q[j]` (`reversed`: `q[j] op p[j]`) for `j < n`, on the calling thread: the
/// per-element functions of the plan's binary epilogues (`binaryInPlaceF32`).
func rowRunF32(_ op: Epilogue.Binary, _ p: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, _ n: Int, reversed: Bool) {
    binaryRunF32(op, p, UnsafePointer(p), q, n, reversed: reversed)
}
