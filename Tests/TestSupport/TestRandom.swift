/// The tests' seeded generator (a 64-bit LCG, Knuth's MMIX constants): `next(n)` is in
/// `0 ..< n`, from the high bits of the state. The same seed gives the same sequence on every
/// machine, so a failing random case can be replayed.
public struct TestLCG {
    public var seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    public mutating func next(_ n: Int) -> Int {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        return Int((seed >> 33) % UInt64(n))
    }
}
