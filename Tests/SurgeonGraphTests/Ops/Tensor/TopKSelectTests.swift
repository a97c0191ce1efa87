@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// TopK's heap selection for float inputs against the comparison sort: values with many
/// ties, NaN, ±0 and ±inf; k from 0 to n; largest and smallest; inner axes.
@Suite struct TopKSelectTests {
    @Test func heapSelectionMatchesTheSort() throws {
        var seed: UInt32 = 17
        func next(_ n: Int) -> Int { seed = seed &* 1664525 &+ 1013904223; return Int(seed >> 8) % n }
        var checked = 0
        for trial in 0..<150 {
            let shape = [1 + next(3), 1 + next(40), 1 + next(3)]
            let axis = trial % 3 == 0 ? 1 : [0, 1, 2, -1][next(4)]
            let n = shape[(axis + 3) % 3]
            let special: [Float] = [.nan, .infinity, -.infinity, 0, -0.0]
            let values: [Float] = (0..<shape.reduce(1, *)).map { _ in
                next(8) == 0 ? special[next(special.count)] : Float(next(trial % 2 == 0 ? 5 : 1000)) - 2
            }
            let dtype: DType = [.float32, .float64, .float16][trial % 3]
            let x = try f32(shape, values).cast(to: dtype)
            let k = [0, n, 1 + next(n), min(n, 3)][next(4)]
            for largest in [1, 0] {
                let node = Node(name: "t", opType: "TopK", inputs: ["x", "k"], outputs: ["v", "i"],
                                attributes: [Attribute(name: "axis", value: .int(axis)), Attribute(name: "largest", value: .int(largest))])
                let inputs: [Value?] = [.tensor(x), .tensor(try Tensor(ints: [k]))]
                func run(_ fast: Bool) throws -> ([Double], [Int64]) {
                    let ctx = OpContext(node: node, inputs: inputs, opset: 11, subgraphRunner: { _, _ in [] })
                    let out = try TopK.topK(ctx, k: k, fast: fast)
                    return (try out[0].asTensor().doubleArray(), try out[1].asTensor().scalars(of: Int64.self))
                }
                let (fv, fi) = try run(true), (pv, pi) = try run(false)
                #expect(fi == pi, "trial \(trial) \(shape) axis \(axis) k \(k) largest \(largest)")
                #expect(fv.count == pv.count && zip(fv, pv).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
                checked += 1
            }
        }
        #expect(checked == 300)
    }
}
