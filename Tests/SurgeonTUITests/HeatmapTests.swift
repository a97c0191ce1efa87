import Foundation
import Testing
import SurgeonTensor
import SurgeonShell
@testable import SurgeonTUI

@Suite struct HeatmapTests {
    func grid(_ rows: Int, _ cols: Int) throws -> Tensor {
        try Tensor(shape: [rows, cols], scalars: (0..<(rows * cols)).map { Float($0) })
    }

    @Test func sampleByMeanAndMax() throws {
        let t = try grid(4, 4)
        let mean = try HeatmapSampler.sample(t, rowAxis: 0, colAxis: 1, fixed: [], maxRows: 2, maxCols: 2, reduction: .mean)
        #expect(mean.values == [2.5, 4.5, 10.5, 12.5])
        #expect(mean.min == 0 && mean.max == 15 && mean.isDownsampled)
        let max = try HeatmapSampler.sample(t, rowAxis: 0, colAxis: 1, fixed: [], maxRows: 2, maxCols: 2, reduction: .max)
        #expect(max.values == [5, 7, 13, 15])
        // Transposed axes read columns as rows.
        let tr = try HeatmapSampler.sample(t, rowAxis: 1, colAxis: 0, fixed: [], maxRows: 4, maxCols: 4, reduction: .mean)
        #expect(Array(tr.values.prefix(4)) == [0, 4, 8, 12])
    }

    @Test func sampleRejectsBadIndex() throws {
        let t = try Tensor(shape: [2, 3, 4], scalars: [Float](repeating: 1, count: 24))
        #expect(throws: TensorError.self) {
            try HeatmapSampler.sample(t, rowAxis: 1, colAxis: 2, fixed: [2], maxRows: 4, maxCols: 4, reduction: .mean)
        }
        #expect(throws: TensorError.self) { try HeatmapView(tensor: t, label: "t", dims: [1, 1]) }
        #expect(throws: TensorError.self) { try HeatmapView(tensor: t, label: "t", index: [5]) }
    }

    /// The float32 fast path against the generic one (the same tensor read as doubles).
    @Test func float32FastPathMatchesThePlainLoop() throws {
        var values = (0..<(3 * 37 * 53)).map { Float(sin(Double($0) * 0.37) * 100) }
        values[5] = .nan
        values[700] = .infinity
        values[701] = -.infinity
        for k in 0..<53 { values[37 * 53 + 4 * 53 + k] = .nan }  // a whole row of slice 1
        let t = try Tensor(shape: [3, 37, 53], scalars: values)
        for (ra, ca, fixed) in [(1, 2, [1]), (2, 1, [0]), (0, 2, [3])] {
            for (mr, mc) in [(37, 53), (10, 7), (1, 1), (5, 60)] {
                for red in [Reduction.mean, .max] {
                    let fast = try HeatmapSampler.sample(t, rowAxis: ra, colAxis: ca, fixed: fixed, maxRows: mr, maxCols: mc, reduction: red)
                    let plain = try HeatmapSampler.sample(t, rowAxis: ra, colAxis: ca, fixed: fixed, maxRows: mr, maxCols: mc,
                                                          reduction: red, doubles: t.doubleArray())
                    #expect(fast.rows == plain.rows && fast.cols == plain.cols)
                    #expect(fast.min == plain.min && fast.max == plain.max)
                    for (a, b) in zip(fast.values, plain.values) {
                        #expect(a.isNaN == b.isNaN && (a.isNaN || abs(a - b) <= 1e-4 * max(1, abs(b))), "\(ra),\(ca) \(mr)x\(mc) \(red): \(a) vs \(b)")
                    }
                }
            }
        }
    }

    @Test func nonFloatAndNaN() throws {
        let t = try Tensor(shape: [2, 2], scalars: [Int64(1), 2, 3, 4])
        let s = try HeatmapSampler.sample(t, rowAxis: 0, colAxis: 1, fixed: [], maxRows: 1, maxCols: 1, reduction: .mean)
        #expect(s.values == [2.5])
        let n = try Tensor(shape: [1, 2], scalars: [Float.nan, 1])
        let sn = try HeatmapSampler.sample(n, rowAxis: 0, colAxis: 1, fixed: [], maxRows: 1, maxCols: 2, reduction: .mean)
        #expect(sn.values[0].isNaN && sn.values[1] == 1 && sn.min == 1)
    }

    @Test func stepsThroughLeadingAxesLikeAnOdometer() throws {
        let t = try Tensor(shape: [2, 3, 2, 2], scalars: (0..<24).map { Float($0) })
        let v = try HeatmapView(tensor: t, label: "attn")
        #expect(v.sliceText == "slice 0,0,:r,:c")
        v.step(1); v.step(1); v.step(1)
        #expect(v.fixed == [1, 0])
        v.step(-1)
        #expect(v.fixed == [0, 2])
        v.step(-1); v.step(-1); v.step(-1)
        #expect(v.fixed == [1, 2])
    }

    @Test func colourSnapshot() throws {
        useUTF8Locale()
        let v = try HeatmapView(tensor: try grid(8, 8), label: "arange")
        var g = CellGrid(width: 40, height: 12)
        v.draw(into: &g, rect: Rect(x: 0, y: 0, width: 40, height: 12), mode: .xterm256)
        expectSnapshot(g.dump(), "heatmap-8x8-256")
        #expect(v.handle(.right) && v.handle(.down))
        g = CellGrid(width: 40, height: 12)
        v.draw(into: &g, rect: Rect(x: 0, y: 0, width: 40, height: 12), mode: .xterm256)
        #expect(g.rowText(11).hasPrefix("[1, 1] = 9"))
    }

    @Test func greyscaleAndDownsampledSnapshot() throws {
        useUTF8Locale()
        let v = try HeatmapView(tensor: try grid(20, 50), label: "big")
        var g = CellGrid(width: 30, height: 10)
        v.draw(into: &g, rect: Rect(x: 0, y: 0, width: 30, height: 10), mode: .none)
        expectSnapshot(g.dump(), "heatmap-20x50-grey")
        #expect(g.rowText(1).contains("20×50 → 6×30 by mean"))
        _ = v.handle(.char("m"))
        g = CellGrid(width: 30, height: 10)
        v.draw(into: &g, rect: Rect(x: 0, y: 0, width: 30, height: 10), mode: .none)
        #expect(g.rowText(1).contains("by max"))
        #expect(g.rowText(9).hasPrefix("[0..<4, 0..<2] max = 151"))
    }
}
