// Heatmap benchmark (not a test): how long a 100-million-element float32 tensor takes to
// appear in the full screen's heatmap pane, headless (HeatmapView.draw into a CellGrid, the
// same code the ncurses driver copies from), and to be written as a PNG.
//
//   swift build -c release --product surgeon-heatmap-bench
//   .build/release/surgeon-heatmap-bench [REPEATS]
//
// Results go to bench/RESULTS.md by hand, with the machine's load average.
import Foundation
import SurgeonShell
import SurgeonTensor
import SurgeonTUI

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

let repeats = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 5
// The detail pane of a 200×60 terminal is about 106×33 cells inside its border.
let pane = Rect(x: 0, y: 0, width: 106, height: 33)

func bench(_ shape: [Int], _ mode: ColorMode) throws {
    let count = shape.reduce(1, *)
    var values = [Float](repeating: 0, count: count)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for i in 0..<count {  // xorshift: cheap, not constant (so min/max and the means are real work)
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        values[i] = Float(state >> 40) / Float(1 << 24)
    }
    let t = try Tensor(shape: shape, scalars: values)
    values = []
    var times: [Double] = []
    var grid = CellGrid(width: pane.width, height: pane.height)
    for _ in 0..<repeats {
        let start = now()
        let view = try HeatmapView(tensor: t, label: "bench")  // a fresh view: nothing cached
        grid = CellGrid(width: pane.width, height: pane.height)
        view.draw(into: &grid, rect: pane, mode: mode)
        times.append(now() - start)
    }
    let info = grid.rowText(1)
    print(String(format: "pane   %@ %@  median %.3f s  min %.3f s  (%d runs)  %@", "\(shape)", "\(mode)", median(times), times.min() ?? 0, repeats, info))
    let path = NSTemporaryDirectory() + "heatmap-bench-\(getpid()).png"
    defer { unlink(path) }
    var ptimes: [Double] = []
    var summary = ""
    for _ in 0..<max(1, repeats / 2) {
        let start = now()
        summary = try HeatmapImage.save(t, dims: nil, index: nil, title: "bench", path: path)
        ptimes.append(now() - start)
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    print(String(format: "png    %@  median %.3f s  (%@, %d bytes)", "\(shape)", median(ptimes), summary, size))
}

do {
    try bench([10000, 10000], .direct)
    try bench([10000, 10000], .xterm256)
    try bench([1, 12, 2887, 2887], .direct)
} catch {
    FileHandle.standardError.write(Data("surgeon-heatmap-bench: \(error)\n".utf8))
    exit(1)
}
