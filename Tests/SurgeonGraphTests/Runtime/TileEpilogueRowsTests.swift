import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// `TileEpilogue.apply(_:rows:cols:stride:col0:)` runs map by map over the tile's rows; each
/// value must get the same operations as the maps applied one row at a time in a buffer of its
/// own, in place and kept (`keep` > 0), with `row` and `head` maps and a column offset.
@Suite struct TileEpilogueRowsTests {
    static func values(_ n: Int, _ seed: Int) -> [Float] { (0..<n).map { Float((($0 + seed) * 7919) % 101) * 0.06 - 3 } }

    @Test func tileMatchesRowByRow() throws {
        let rows = 3, cols = 5, stride = 9, col0 = 2
        let bias = try f32([8], Self.values(8, 7))
        let maps: [TileEpilogue.Map] = [.row(.add, values: bias, reversed: false), .relu, .unary(.sigmoid),
                                        .row(.sub, values: bias, reversed: true), .clip(lo: -0.5, hi: 0.7),
                                        .gated(.sigmoid)]
        // In place: the tile against each row alone.
        var tile = Self.values(rows * stride, 1)
        var want = tile
        tile.withUnsafeMutableBufferPointer { p in
            if let a = p.baseAddress { TileEpilogue(maps: maps).apply(a, rows: rows, cols: cols, stride: stride, col0: col0) }
        }
        for r in 0..<rows {
            var row = Array(want[(r * stride)..<(r * stride + cols)])
            row.withUnsafeMutableBufferPointer { p in if let a = p.baseAddress { TileEpilogue(maps: maps).apply(a, cols, col0: col0) } }
            for c in 0..<cols { want[r * stride + c] = row[c] }
        }
        #expect(tile.map(\.bitPattern) == want.map(\.bitPattern))
        // A plain reference for the first two maps (bias add, Relu).
        var two = Self.values(rows * stride, 1)
        let b = try bias.scalars(of: Float.self)
        two.withUnsafeMutableBufferPointer { p in
            if let a = p.baseAddress { TileEpilogue(maps: Array(maps.prefix(2))).apply(a, rows: rows, cols: cols, stride: stride, col0: col0) }
        }
        let x = Self.values(rows * stride, 1)
        for r in 0..<rows { for c in 0..<cols { #expect(two[r * stride + c] == max(0, x[r * stride + c] + b[col0 + c])) } }

        // Kept: every map's result `keep` after its input, and a product by the head.
        let keep = 16
        let keptMaps = maps + [.head(.mul, reversed: false)]
        let keptStride = keep * (keptMaps.count + 1) + 3
        var kept = [Float](repeating: 0, count: rows * keptStride)
        for r in 0..<rows { for c in 0..<cols { kept[r * keptStride + c] = x[r * stride + c] } }
        var keptWant = kept
        kept.withUnsafeMutableBufferPointer { p in
            if let a = p.baseAddress { TileEpilogue(maps: keptMaps, keep: keep).apply(a, rows: rows, cols: cols, stride: keptStride, col0: col0) }
        }
        for r in 0..<rows {
            var row = Array(keptWant[(r * keptStride)..<((r + 1) * keptStride)])
            row.withUnsafeMutableBufferPointer { p in if let a = p.baseAddress { TileEpilogue(maps: keptMaps, keep: keep).apply(a, cols, col0: col0) } }
            for c in 0..<keptStride { keptWant[r * keptStride + c] = row[c] }
        }
        #expect(kept.map(\.bitPattern) == keptWant.map(\.bitPattern))
        // Each kept result equals the in-place chain up to that map.
        for j in 1...maps.count {
            var chain = x
            chain.withUnsafeMutableBufferPointer { p in
                if let a = p.baseAddress { TileEpilogue(maps: Array(maps.prefix(j))).apply(a, rows: rows, cols: cols, stride: stride, col0: col0) }
            }
            for r in 0..<rows { for c in 0..<cols {
                #expect(kept[r * keptStride + j * keep + c].bitPattern == chain[r * stride + c].bitPattern, "map \(j)")
            } }
        }
    }

    /// A kept tile with rows long enough to stream (`applyStreamed`: each intermediate map's
    /// result copied out with streaming stores, row by row in pieces) has the bits of the same
    /// tile without streaming (level 0, map by map), for every map kind, rows of one piece and
    /// of several, a column offset, and nothing written between the rows. (A CPU without the
    /// streaming kernels runs the unstreamed path both times.)
    @Test func streamedKeptTileMatchesTheUnstreamedOne() throws {
        let fq = FakeQuantize(qScale: 0.3, qZero: 17, lo: 0, hi: 255, dqScale: 0.29, dqZero: 16)
        for (rows, cols, col0) in [(3, 64, 0), (2, 2500, 7), (4, 100, 3)] {
            let bias = try f32([col0 + cols], Self.values(col0 + cols, 5))
            let maps: [TileEpilogue.Map] = [.row(.add, values: bias, reversed: false), .unary(.sigmoid), .relu,
                                            .head(.mul, reversed: true), .clip(lo: -0.5, hi: 0.7), .fakeQuantize(fq),
                                            .gated(.sigmoid), .unary(.hardSigmoid(alpha: 0.2, beta: 0.5)),
                                            .row(.sub, values: bias, reversed: true), .head(.add, reversed: false)]
            let keep = cols + 5
            let stride = keep * (maps.count + 1) + 11
            let x = Self.values(rows * stride, 3)
            var streamed = x, plain = x
            let te = TileEpilogue(maps: maps, keep: keep, streamed: true)
            streamed.withUnsafeMutableBufferPointer { p in
                if let a = p.baseAddress {
                    te.apply(a, rows: rows, cols: cols, stride: stride, col0: col0, streamLevel: VectorMath.streamLevel)
                }
            }
            plain.withUnsafeMutableBufferPointer { p in
                if let a = p.baseAddress { te.apply(a, rows: rows, cols: cols, stride: stride, col0: col0, streamLevel: 0) }
            }
            let differing = zip(streamed, plain).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(rows)x\(cols)")
            // The results are there (not the input left as it was) and the gaps untouched.
            #expect(streamed[maps.count * keep] != x[maps.count * keep])
            #expect(streamed[keep - 1] == x[keep - 1] && streamed[stride - 1] == x[stride - 1])
        }
    }
}
