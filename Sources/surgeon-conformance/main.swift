// Runs ONNX backend node test cases (written by tools/gen_conformance.py) and prints one line
// per case: `PASS name`, or `FAIL name: reason`. Used by Tests/ConformanceTests, which runs it
// in a child process so that a crashing kernel costs one case, not the whole suite.
//
// usage: surgeon-conformance DATA_DIR [--from NAME] [--only NAME,NAME...] [--filter SUBSTRING]
import Foundation
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor

setvbuf(stdout, nil, _IOLBF, 0)
var args = Array(CommandLine.arguments.dropFirst())
guard let dataDir = args.first else {
    fputs("usage: surgeon-conformance DATA_DIR [--from NAME] [--only A,B] [--filter S]\n", stderr)
    exit(2)
}
var from: String?
var only: Set<String>?
var filter: String?
var i = 1
while i < args.count {
    switch args[i] {
    case "--from": from = args[safe: i + 1]; i += 2
    case "--only": only = Set((args[safe: i + 1] ?? "").split(separator: ",").map(String.init)); i += 2
    case "--filter": filter = args[safe: i + 1]; i += 2
    default: i += 1
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

let fm = FileManager.default
let cases = ((try? fm.contentsOfDirectory(atPath: dataDir)) ?? []).filter { $0.hasPrefix("test_") }.sorted()
var started = from == nil
for name in cases {
    if !started { if name == from { started = true } else { continue } }
    if let only, !only.contains(name) { continue }
    if let filter, !name.contains(filter) { continue }
    print("START \(name)")
    let dir = dataDir + "/" + name
    do {
        let model = try ONNXImport.load(path: dir + "/model.onnx")
        let interp = Interpreter(model: model)
        let sets = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("test_data_set_") }.sorted()
        var failure: String?
        for set in sets {
            let sd = dir + "/" + set
            var feeds: [String: Value] = [:]
            for (k, inp) in model.graph.feedInputs.enumerated() {
                let p = sd + "/input_\(k).pb"
                if fm.fileExists(atPath: p) { feeds[inp.name] = try ValueFiles.readValuePB(path: p, type: inp.type) }
            }
            let outs = try interp.run(feeds: feeds)
            for (k, o) in model.graph.outputs.enumerated() {
                let expected = try ValueFiles.readValuePB(path: sd + "/output_\(k).pb", type: o.type)
                guard let got = outs[o.name] else { failure = "output \(o.name) missing"; break }
                if let why = compareValues(got, expected) { failure = "\(set) output \(o.name): \(why)"; break }
            }
            if failure != nil { break }
        }
        if let failure { print("FAIL \(name): \(failure)") } else { print("PASS \(name)") }
    } catch {
        print("FAIL \(name): \(String(describing: error).replacingOccurrences(of: "\n", with: " "))")
    }
}
print("DONE")

func compareValues(_ got: Value, _ expected: Value) -> String? {
    switch (got, expected) {
    case (.tensor(let g), .tensor(let e)): return compareTensors(g, e)
    case (.sequence(let g), .sequence(let e)):
        guard g.count == e.count else { return "sequence length \(g.count), expected \(e.count)" }
        for (a, b) in zip(g, e) { if let w = compareTensors(a, b) { return w } }
        return nil
    case (.optional(let g), .optional(let e)):
        switch (g, e) {
        case (nil, nil): return nil
        case (let a?, let b?): return compareValues(a, b)
        default: return "optional presence differs"
        }
    case (.optional(let g?), _): return compareValues(g, expected)
    case (_, .optional(let e?)): return compareValues(got, e)
    default: return "got \(got.kindDescription), expected \(expected.kindDescription)"
    }
}

func compareTensors(_ g: Tensor, _ e: Tensor) -> String? {
    guard g.dtype == e.dtype else { return "dtype \(g.dtype), expected \(e.dtype)" }
    guard g.shape == e.shape else { return "shape \(shapeString(g.shape)), expected \(shapeString(e.shape))" }
    if e.dtype == .string { return g.strings == e.strings ? nil : "strings differ" }
    if e.dtype.isFloatingPoint {
        let a = g.doubleArray(), b = e.doubleArray()
        var worst = 0.0, at = -1
        for i in 0..<a.count {
            if a[i].isNaN && b[i].isNaN { continue }
            if a[i] == b[i] { continue }
            let err = abs(a[i] - b[i])
            let tol = 1e-5 + 1e-3 * abs(b[i])
            if !(err <= tol) && (err.isNaN || err > worst || at < 0) { worst = err; at = i }
        }
        if at >= 0 { return "element \(at): \(a[at]) vs expected \(b[at]) (|diff| \(worst))" }
        return nil
    }
    if e.dtype == .uint64 { return g.uint64Array() == e.uint64Array() ? nil : "values differ" }
    let a = g.int64Array(), b = e.int64Array()
    if let k = (0..<a.count).first(where: { a[$0] != b[$0] }) { return "element \(k): \(a[k]) vs expected \(b[k])" }
    return nil
}
