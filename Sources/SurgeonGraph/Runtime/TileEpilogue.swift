import SurgeonTensor

/// The leading epilogues of a plan step that need nothing but the value (Relu, Clip, the
/// float32 activations, SiLU's gated form, a fake-quantize pair), which the step's kernel may
/// apply itself to its float32 result, tile by tile right after computing each tile, while it
/// is still in cache: the plan's own pass over the whole result comes after the result has
/// left the cache (a Conv's multi-MB output). Every value goes through exactly the
/// per-element operations of `Epilogue.applyInPlace`, so the bits are the same. Epilogues
/// that read another value (Add / Sub / Mul by a tensor) stop the run: they and everything
/// after them stay with the plan. Conv (`Conv.convCore`) is the kernel that takes it.
struct TileEpilogue: Sendable {
    enum Map: Sendable {
        case relu
        case clip(lo: Float, hi: Float)
        case unary(Epilogue.Unary)
        case gated(Epilogue.Unary)
        case fakeQuantize(FakeQuantize)
    }
    let maps: [Map]
    /// How many of the step's epilogues this covers (its first `count`).
    var count: Int { maps.count }

    init(maps: [Map]) { self.maps = maps }

    /// The leading per-value epilogues of `epilogues`; nil when the first is not one.
    init?(leading epilogues: [Epilogue]) {
        var maps: [Map] = []
        for e in epilogues {
            guard let m = TileEpilogue.map(e.inPlace) else { break }
            maps.append(m)
        }
        if maps.isEmpty { return nil }
        self.maps = maps
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
        case .binary, .quantizePair: return nil
        }
    }

    /// `p[0 ..< n]` through every map in turn, on the calling thread.
    func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n <= 0 { return }
        for m in maps {
            switch m {
            case .relu: reluRunF32(p, n)
            case .clip(let lo, let hi): clipRunF32(p, n, lo: lo, hi: hi)
            case .unary(let f): f.apply(p, n, gated: false, onThisThread: true)
            case .gated(let f): f.apply(p, n, gated: true, onThisThread: true)
            case .fakeQuantize(let fq): fq.applyOnThisThread(p, n)
            }
        }
    }

    /// A tile of `rows` rows of `cols` values, rows `stride` apart.
    func apply(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int) {
        for r in 0..<rows { apply(p + r * stride, cols) }
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
