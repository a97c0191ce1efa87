import Foundation
import Synchronization
import Testing
@testable import SurgeonTensor

/// The spinning kernel pool: every iteration runs exactly once, whatever the thread count, on
/// nested and concurrent calls, and after the workers went to sleep.
/// Per-index counters shared by the iterations of a region.
private final class Tally: Sendable {
    private let slots: Mutex<[Int]>
    init(_ n: Int) { slots = Mutex([Int](repeating: 0, count: n)) }
    func add(_ i: Int, _ v: Int = 1) { slots.withLock { $0[i] += v } }
    var values: [Int] { slots.withLock { $0 } }
}

@Suite struct KernelPoolTests {
    /// Runs a region of `n` iterations and returns how many times each ran.
    private func counts(_ n: Int, threads: Int) -> [Int] {
        let hits = Tally(n)
        parallelFor(n, threads: threads) { i in hits.add(i) }
        return hits.values
    }

    @Test(arguments: [1, 2, 3, 4, 8])
    func everyIterationRunsOnce(threads: Int) {
        for n in [0, 1, 2, 3, 5, 16, 17, 100, 1000] {
            #expect(counts(n, threads: threads) == [Int](repeating: 1, count: n), "n \(n) threads \(threads)")
        }
    }

    @Test func manyRegionsInARow() {
        // Back-to-back regions reuse the spinning workers; a slow or fast body must not let an
        // iteration run in the wrong region.
        let total = Atomic<Int>(0)
        for r in 0..<2000 {
            let n = 1 + r % 7
            parallelFor(n, threads: 4) { i in
                if r % 3 == 0 { var x = 0.0; for k in 0..<(50 * (i + 1)) { x += Double(k) }; if x < 0 { return } }
                total.add(i + 1, ordering: .relaxed)
            }
        }
        let expected = (0..<2000).reduce(0) { s, r in let n = 1 + r % 7; return s + n * (n + 1) / 2 }
        #expect(total.load(ordering: .relaxed) == expected)
    }

    @Test func nestedRegionRunsOnTheCaller() {
        let hits = Tally(4 * 6)
        parallelFor(4, threads: 4) { i in
            parallelFor(6, threads: 4) { j in hits.add(i * 6 + j) }
        }
        #expect(hits.values == [Int](repeating: 1, count: 24))
    }

    @Test func concurrentCallersBothFinish() async {
        // Two threads start regions at once: one gets the pool, the other runs alone.
        let sums = await withTaskGroup(of: Int.self) { group in
            for t in 0..<2 {
                group.addTask {
                    var sum = 0
                    for _ in 0..<200 {
                        let part = Tally(8)
                        parallelFor(8, threads: 2) { i in part.add(i, i + t) }
                        sum += part.values.reduce(0, +)
                    }
                    return sum
                }
            }
            var all: [Int] = []
            for await s in group { all.append(s) }
            return all.sorted()
        }
        #expect(sums == [200 * 28, 200 * 36])
    }

    @Test func regionAfterTheWorkersSleep() {
        // Longer than the spin: the workers are asleep and must be woken for the region.
        #expect(counts(4, threads: 2) == [1, 1, 1, 1])
        Thread.sleep(forTimeInterval: Double(KernelPool.spinNanoseconds) / 1e9 + 0.02)
        let ids = Mutex<Set<ObjectIdentifier>>([])
        for _ in 0..<50 {
            Thread.sleep(forTimeInterval: 0.001)
            parallelFor(2, threads: 2) { _ in
                var x = 0.0; for k in 0..<200_000 { x += Double(k) }
                let me = ObjectIdentifier(Thread.current)
                if x >= 0 { ids.withLock { _ = $0.insert(me) } }
            }
        }
        // Both iterations ran on some thread; with a core free the worker joins at least once.
        #expect(ids.withLock { $0.count } >= 1)
    }

    @Test func moreIterationsThanOneRegionHolds() {
        let n = KernelPool.maxIterations + 3
        let hits = Atomic<Int>(0)
        parallelFor(n, threads: 2) { _ in hits.add(1, ordering: .relaxed) }
        #expect(hits.load(ordering: .relaxed) == n)
    }

    @Test func chunkHelpersCoverTheirRange() {
        let n = parallelGrain * 5 + 3
        let seen = Tally(n)
        let saved = kernelThreads
        kernelThreads = 3
        defer { kernelThreads = saved }
        parallelChunks(n) { r in for i in r { seen.add(i) } }
        #expect(seen.values == [Int](repeating: 1, count: n))
        let items = Tally(37)
        parallelItems(37, costPerItem: parallelGrain) { i in items.add(i) }
        #expect(items.values == [Int](repeating: 1, count: 37))
    }
}
