import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import Testing

/// Robustness sweep over the ONNX backend test models (local: `SURGEON_SWEEP=1 swift test
/// --filter SweepTests`, about a minute): names, types, info and tree never crash; every node
/// can be cut out; cuts from the first node to the last are saved to .build/cut-sweep/ for
/// `python tools/check_cuts.py .build/cut-sweep` (onnx.checker; onnxruntime on random feeds).
@Test(.enabled(if: ProcessInfo.processInfo.environment["SURGEON_SWEEP"] != nil)) func conformanceModelsSweep() throws {
    let root = ProcessInfo.processInfo.environment["SURGEON_CONFORMANCE"] ?? "/work/main/.conformance"
    let dirs = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
    var loaded = 0
    for d in dirs {
        guard let m = try? ONNXImport.load(path: "\(root)/\(d)/model.onnx") else { continue }
        loaded += 1
        let o = ModelOverview(model: m)
        _ = o.tree().renderText()
        for n in o.names.allNames { _ = try? o.info(n) }
        let inputCount = m.graph.feedInputs.count
        for n in o.names.nodes.dropFirst(inputCount) {
            #expect(throws: Never.self, "\(d): cut out=\(n)") {
                _ = try cut(model: m, names: o.names, inputs: [], outputs: [(n, nil)], keepOriginalOutputs: false)
            }
        }
        let nodes = o.names.nodes.dropFirst(inputCount)
        if nodes.count >= 2, let first = nodes.first, let last = nodes.last,
           let c = try? cut(model: m, names: o.names, inputs: [(first, nil)], outputs: [(last, nil)], keepOriginalOutputs: false),
           c.summary.warnings.isEmpty {
            let dir = repoRoot + "/.build/cut-sweep/\(d)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try ONNXExport.save(c.model, path: dir + "/model.onnx")
        }
    }
    #expect(loaded > 1000)
}
