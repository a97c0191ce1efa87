import Foundation
import Synchronization

/// How many bytes of tensor memory the process holds, and the budget they must stay under.
///
/// - Every owned `TensorBuffer` adds its size to `liveBytes` when allocated and takes it off
///   when freed; buffers borrowing a memory-mapped file are not counted (the kernel can drop
///   their pages at any time).
/// - `limit` is the budget of the code running now (a session binds its `set memory` value
///   around each command with `MemoryBudget.$limit.withValue`); nil means no budget, and then
///   single tensors are still limited to `tensorByteLimit`.
/// - `Tensor.checkedCount`, which every allocation path calls before allocating, refuses a
///   tensor that would take the live bytes past the budget; the interpreter checks the live
///   bytes again between nodes (for kernels that allocate without asking first).
public enum MemoryBudget {
    @TaskLocal public static var limit: Int?

    /// An upper bound on every budget, for fuzz targets (which must never allocate much).
    public nonisolated(unsafe) static var ceiling: Int = .max

    private static let live = Atomic<Int>(0)

    /// Bytes of owned tensor buffers alive now (all threads, all sessions).
    public static var liveBytes: Int { live.load(ordering: .relaxed) }

    static func allocated(_ n: Int) { live.add(n, ordering: .relaxed) }
    static func freed(_ n: Int) { live.subtract(n, ordering: .relaxed) }

    /// The budget in force: the bound `limit`, clamped by `ceiling`.
    public static var effectiveLimit: Int? {
        guard let l = limit else { return ceiling == .max ? nil : ceiling }
        return min(l, ceiling)
    }

    /// Throws when the live bytes are over the budget (called between nodes of a run).
    public static func checkLive() throws {
        guard let b = effectiveLimit else { return }
        let now = liveBytes
        if now > b {
            throw TensorError("\(formatBytes(now)) of tensors in use, over the memory budget of \(formatBytes(b)) (`set memory SIZE` changes it)")
        }
    }

    /// 80% of the physical memory (or of the cgroup's memory limit when that is lower), so
    /// that a tensor too large for the machine is refused with its size instead of the
    /// kernel killing the process. nil when the memory size cannot be read.
    public static let physicalDefault: Int? = {
        guard let total = physicalMemory else { return nil }
        return Int(Double(total) * 0.8)
    }()

    /// MemTotal from /proc/meminfo, lowered to a cgroup v2 `memory.max` when one is set.
    public static let physicalMemory: Int? = {
        var total: Int?
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
                let fields = line.split(separator: " ")
                if fields.count >= 2, let kb = Int(fields[1]) { total = kb * 1024 }
            }
        }
        if total == nil {
            let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
            if pages > 0 && size > 0 { total = pages * size }
        }
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let cap = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), cap > 0 {
            total = min(total ?? cap, cap)
        }
        return total
    }()

    /// Parses `8G`, `512M`, `1.5G`, `64KiB`, `2TB`, `100000` (bytes); units are powers of 1024.
    public static func parseSize(_ text: String) -> Int? {
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        if s.hasSuffix("IB") { s.removeLast(2) } else if s.hasSuffix("B") { s.removeLast() }
        var scale = 1.0
        if let last = s.last, let k = "KMGT".firstIndex(of: last) {
            scale = pow(1024, Double("KMGT".distance(from: "KMGT".startIndex, to: k) + 1))
            s.removeLast()
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let v = Double(s), v.isFinite else { return nil }
        let bytes = (v * scale).rounded()
        guard bytes >= 1, bytes < 9.0e18 else { return nil }
        return Int(bytes)
    }
}
