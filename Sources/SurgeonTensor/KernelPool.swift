#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Synchronization

/// The kernel threads: the calling thread plus `kernelThreads - 1` workers that wait for the
/// next parallel region by spinning for a short while (`spinNanoseconds`) before they sleep.
///
/// A model run hands work over hundreds of times (every large elementwise op, every split
/// product, every convolution). With `DispatchQueue.concurrentPerform` each hand-off woke a
/// sleeping worker, ~10 µs on this 2-core machine, which regions of 5-50 µs (the layers of the
/// mobile convnets) did not win back; a spinning worker starts within a few hundred
/// nanoseconds. onnxruntime's pool spins the same way.
///
/// One region runs at a time: a region started while another is running (a nested call, or a
/// second thread) runs on its calling thread alone. Iterations are claimed one by one from a
/// shared counter, by the caller too, so a region finishes even when no worker gets a core
/// (a loaded machine): the caller then runs every iteration itself.
final class KernelPool: @unchecked Sendable {
    static let shared = KernelPool()

    /// How long an idle worker spins (1 ms) before it sleeps. Gaps between the regions of one
    /// run are usually tens of microseconds; after a run the workers sleep again within this time.
    /// `SURGEON_SPIN_US` overrides it (0: always sleep, the old hand-off cost).
    static let spinNanoseconds: UInt64 = {
        if let s = getenv("SURGEON_SPIN_US"), let v = UInt64(String(cString: s)) { return v &* 1000 }
        return 1_000_000
    }()

    /// Whether a spinning worker calls `sched_yield` between polls (default; `SURGEON_SPIN_YIELD=0`
    /// spins hard). On a quiet machine the call returns at once (the hand-off still takes about
    /// a microsecond); on a loaded one it gives the core to the other processes instead of
    /// burning a time slice, and hard spinning made the mobile convnets 1.5-2x slower at load
    /// 2-3 (bench/RESULTS.md, spinpool).
    static let yieldWhileSpinning: Bool = {
        if let s = getenv("SURGEON_SPIN_YIELD") { return String(cString: s) != "0" }
        return true
    }()

    // The current region in one word, so a worker claims an iteration of the region it saw or
    // none: generation (bits 40-63), iteration count (bits 20-39), next unclaimed (bits 0-19).
    private static let indexBits: UInt64 = 20
    static let maxIterations = (1 << 20) - 1
    private let word = Atomic<UInt64>(0)
    /// Iterations finished in the current region.
    private let done = Atomic<Int>(0)
    /// A region is running (regions do not nest).
    private let busy = Atomic<Bool>(false)
    /// Workers in (or about to enter) `pthread_cond_wait`.
    private let sleepers = Atomic<Int>(0)
    /// Threads (caller included) the current region may use: worker `i` (from 1) joins when `i` is below it.
    private let allowed = Atomic<Int>(1)
    /// The current region's body. Written before the region is published and cleared after its
    /// last iteration finished; a worker reads it only while holding an unfinished iteration.
    private nonisolated(unsafe) var body: ((Int) -> Void)?
    private let lock = NSLock()
    private nonisolated(unsafe) var workerCount = 0
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    private init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    @inline(__always) private static func generation(_ w: UInt64) -> UInt64 { w >> (2 * indexBits) }
    @inline(__always) private static func count(_ w: UInt64) -> Int { Int((w >> indexBits) & UInt64(maxIterations)) }
    @inline(__always) private static func next(_ w: UInt64) -> Int { Int(w & UInt64(maxIterations)) }

    /// Calls `body(i)` for every `i` in `0..<iterations`, on up to `threads` threads (the
    /// caller and `threads - 1` workers), and returns when all calls have returned.
    func run(_ iterations: Int, threads: Int, _ body: (Int) -> Void) {
        if iterations <= 0 { return }
        let threads = min(threads, iterations)
        guard threads > 1, iterations <= KernelPool.maxIterations,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for i in 0..<iterations { body(i) }
            return
        }
        startWorkers(threads - 1)
        withoutActuallyEscaping(body) { escaping in
            self.body = escaping
            allowed.store(threads, ordering: .relaxed)
            done.store(0, ordering: .relaxed)
            let gen = (KernelPool.generation(word.load(ordering: .relaxed)) &+ 1) & ((1 << 24) - 1)
            let published = (gen << (2 * KernelPool.indexBits)) | (UInt64(iterations) << KernelPool.indexBits)
            word.store(published, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(cond)
                pthread_mutex_unlock(mutex)
            }
            claimAndRun(generation: gen, body: escaping)
            // Wait for the iterations the workers claimed.
            var polls = 0
            while done.load(ordering: .acquiring) < iterations {
                polls &+= 1
                if polls > 4096 { sched_yield() }
            }
            self.body = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Claims and runs iterations of region `generation` until none is left.
    @inline(__always)
    private func claimAndRun(generation gen: UInt64, body: (Int) -> Void) {
        while true {
            let w = word.load(ordering: .acquiring)
            guard KernelPool.generation(w) == gen else { return }
            let i = KernelPool.next(w)
            guard i < KernelPool.count(w) else { return }
            if word.compareExchange(expected: w, desired: w &+ 1, ordering: .acquiringAndReleasing).exchanged {
                body(i)
                done.add(1, ordering: .releasing)
            }
        }
    }

    private func startWorkers(_ wanted: Int) {
        lock.lock()
        defer { lock.unlock() }
        while workerCount < wanted {
            workerCount += 1
            let ordinal = workerCount
            let thread = Thread { [self] in self.workerLoop(ordinal: ordinal) }
            thread.stackSize = 8 << 20
            thread.name = "surgeon-kernel-\(ordinal)"
            thread.start()
        }
    }

    private func workerLoop(ordinal: Int) {
        var seen = KernelPool.generation(word.load(ordering: .acquiring))
        while true {
            var w = word.load(ordering: .acquiring)
            if KernelPool.generation(w) == seen {
                let start = DispatchTime.now().uptimeNanoseconds
                var polls = 0
                while KernelPool.generation(w) == seen {
                    polls &+= 1
                    if KernelPool.yieldWhileSpinning { sched_yield() }
                    if polls & (KernelPool.yieldWhileSpinning ? 3 : 255) == 0,
                       DispatchTime.now().uptimeNanoseconds &- start > KernelPool.spinNanoseconds {
                        sleep(until: seen)
                    }
                    w = word.load(ordering: .acquiring)
                }
            }
            seen = KernelPool.generation(w)
            guard ordinal < allowed.load(ordering: .relaxed) else { continue }
            // `body` is read only once an iteration of region `seen` is claimed: it is stable
            // while this worker holds an unfinished iteration.
            claimAndRun(generation: seen) { i in if let body = self.body { body(i) } }
        }
    }

    /// Sleeps until a region newer than `seen` is published.
    private func sleep(until seen: UInt64) {
        sleepers.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        while KernelPool.generation(word.load(ordering: .sequentiallyConsistent)) == seen {
            pthread_cond_wait(cond, mutex)
        }
        pthread_mutex_unlock(mutex)
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
    }
}

/// Calls `body(i)` for every `i` in `0..<iterations` on the kernel threads (at most
/// `threads`, default `kernelThreads`), and returns when all calls have returned. `body` must
/// only write what iteration `i` owns. Runs on the calling thread alone when `threads` is 1
/// or another region is running.
@inlinable
public func parallelFor(_ iterations: Int, threads: Int = kernelThreads, _ body: (Int) -> Void) {
    runOnKernelThreads(iterations, threads: threads, body)
}

@usableFromInline
func runOnKernelThreads(_ iterations: Int, threads: Int, _ body: (Int) -> Void) {
    KernelPool.shared.run(iterations, threads: threads, body)
}
