/// TopK's selection for float inputs, the fast kernel next to the comparison sort in
/// `TopK.topK` (a full sort of the axis through a closure per comparison: 2.4 ms for
/// SSDLite's five TopKs). Each value becomes an unsigned key in the same order (NaN above
/// +inf, -0 equal to +0), flipped for the smallest; the k best (key, then the smaller index)
/// are kept in a binary heap whose top is the worst kept, so an axis of n costs n·log k; the
/// kept ones are then sorted. Same order as the sort: larger first (smaller with
/// `largest` 0), equal values by index.
struct TopKSelect {
    let n: Int, k: Int
    private var keys: [UInt64]
    private var heap: [Int]

    init(n: Int, k: Int) {
        self.n = n
        self.k = k
        keys = [UInt64](repeating: 0, count: n)
        heap = []
        heap.reserveCapacity(k)
    }

    /// The key of `v`: ascending with the value, NaN the largest.
    @inline(__always)
    static func key(_ v: Double) -> UInt64 {
        if v.isNaN { return .max }
        let bits = (v == 0 ? 0.0 : v).bitPattern
        return bits >> 63 == 1 ? ~bits : bits | (1 << 63)
    }

    /// Whether element a goes before element b.
    @inline(__always)
    private func better(_ a: Int, _ b: Int) -> Bool {
        keys[a] > keys[b] || (keys[a] == keys[b] && a < b)
    }

    /// Selects the k first of the n values `v[i * stride]`.
    mutating func run(_ v: UnsafePointer<Double>, stride: Int, largest: Bool) {
        for i in 0..<n {
            let key = Self.key(v[i * stride])
            keys[i] = largest ? key : ~key
        }
        heap.removeAll(keepingCapacity: true)
        guard k > 0 else { return }
        for i in 0..<n {
            if heap.count < k {
                heap.append(i)
                siftUp(heap.count - 1)
            } else if better(i, heap[0]) {
                heap[0] = i
                siftDown(0)
            }
        }
        var kept = heap
        kept.sort { better($0, $1) }
        heap = kept
    }

    /// The j-th chosen index (after `run`).
    func chosen(_ j: Int) -> Int { heap[j] }

    // A heap whose top is the worst kept element: a parent is never better than its children.
    private mutating func siftUp(_ c0: Int) {
        var c = c0
        while c > 0 {
            let p = (c - 1) / 2
            guard better(heap[p], heap[c]) else { break }
            heap.swapAt(p, c)
            c = p
        }
    }

    private mutating func siftDown(_ p0: Int) {
        var p = p0
        let count = heap.count
        while true {
            let l = 2 * p + 1, r = l + 1
            var worst = p
            if l < count, better(heap[worst], heap[l]) { worst = l }
            if r < count, better(heap[worst], heap[r]) { worst = r }
            if worst == p { return }
            heap.swapAt(p, worst)
            p = worst
        }
    }
}
