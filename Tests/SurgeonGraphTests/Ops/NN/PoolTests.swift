import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct PoolTests {
    let x4 = try! f32([1, 1, 2, 2], [1, 5, 3, 2])

    @Test func maxPoolWithIndices() throws {
        let x = try f32([1, 1, 2, 3], [1, 9, 2, 7, 3, 8])
        let out = try runNode("MaxPool", [x], attributes: [Attribute(name: "kernel_shape", value: .ints([2, 2]))], outputs: 2)
        #expect(try out[0].scalars(of: Float.self) == [9, 9])
        #expect(try out[1].scalars(of: Int64.self) == [1, 1])
        let cm = try runNode("MaxPool", [x], attributes: [Attribute(name: "kernel_shape", value: .ints([2, 2])),
                                                          Attribute(name: "storage_order", value: .int(1))], outputs: 2)
        #expect(try cm[1].scalars(of: Int64.self) == [2, 2])
    }

    @Test func averagePoolCountIncludePad() throws {
        let attrs = [Attribute(name: "kernel_shape", value: .ints([2, 2])), Attribute(name: "pads", value: .ints([1, 1, 0, 0]))]
        let a = try runNode("AveragePool", [x4], attributes: attrs)[0]
        #expect(try a.scalars(of: Float.self) == [1, 3, 2, 11.0 / 4])
        let b = try runNode("AveragePool", [x4], attributes: attrs + [Attribute(name: "count_include_pad", value: .int(1))])[0]
        #expect(try b.scalars(of: Float.self) == [0.25, 1.5, 1, 11.0 / 4])
    }

    @Test func globalPoolsAndLp() throws {
        #expect(try runNode("GlobalAveragePool", [x4])[0].scalars(of: Float.self) == [2.75])
        #expect(try runNode("GlobalMaxPool", [x4])[0].scalars(of: Float.self) == [5])
        let lp = try runNode("LpPool", [try f32([1, 1, 2], [3, 4])], attributes: [Attribute(name: "kernel_shape", value: .ints([2])),
                                                                                   Attribute(name: "p", value: .int(2))])[0]
        #expect(isClose(lp, try f32([1, 1, 1], [5])))
    }

    @Test func maxUnpoolScatters() throws {
        let v = try f32([1, 1, 1, 1], [7])
        let i = try Tensor(shape: [1, 1, 1, 1], scalars: [Int64(3)])
        let y = try runNode("MaxUnpool", [v, i], attributes: [Attribute(name: "kernel_shape", value: .ints([2, 2])),
                                                               Attribute(name: "strides", value: .ints([2, 2]))], opset: 11)[0]
        #expect(try y.scalars(of: Float.self) == [0, 0, 0, 7])
        let bad = try Tensor(shape: [1, 1, 1, 1], scalars: [Int64(9)])
        #expect(throws: (any Error).self) {
            try runNode("MaxUnpool", [v, bad], attributes: [Attribute(name: "kernel_shape", value: .ints([2, 2])),
                                                             Attribute(name: "strides", value: .ints([2, 2]))], opset: 11)
        }
    }

    @Test func missingKernelShapeIsAnError() throws {
        #expect(throws: (any Error).self) { try runNode("MaxPool", [x4]) }
    }
}
