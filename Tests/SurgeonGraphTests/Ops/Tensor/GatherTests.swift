import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct GatherTests {
    @Test func axis1WithNegativeIndices() throws {
        let x = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        let out = try runNode("Gather", [x, Tensor(ints: [-1, 0])], attributes: [Attribute(name: "axis", value: .int(1))])[0]
        #expect(out.shape == [2, 2])
        #expect(try out.scalars(of: Float.self) == [3, 1, 6, 4])
    }

    @Test func stringsAndScalarIndex() throws {
        let x = Tensor(shape: [3], strings: ["a", "b", "c"])
        let out = try runNode("Gather", [x, Tensor(scalar: Int64(1))])[0]
        #expect(out.shape == [] && out.strings == ["b"])
    }

    @Test func outOfRangeThrows() throws {
        let x = try f32([3], [1, 2, 3])
        #expect(throws: (any Error).self) { try runNode("Gather", [x, Tensor(ints: [3])]) }
        #expect(throws: (any Error).self) { try runNode("Gather", [x, Tensor(ints: [-4])]) }
    }

    /// One index into the leading axis: a view of that slice (no copy), with the same values;
    /// ops after it in a run (in place where they may) leave the source and the other slices
    /// as they were.
    @Test func leadingSliceIsAViewAndStaysIntact() throws {
        let x = try f32([3, 2, 2], (0..<12).map { Float($0) - 5 })
        let y = try runNode("Gather", [x, Tensor(scalar: Int64(1))])[0]
        #expect(y.shape == [2, 2] && y.buffer === x.buffer && y.byteOffset == x.byteOffset + 16)
        #expect(try y.scalars(of: Float.self) == [-1, 0, 1, 2])
        #expect(try runNode("Gather", [x, Tensor(ints: [-1])])[0].scalars(of: Float.self) == [3, 4, 5, 6])
        // x → Gather 0 → Relu → Mul(2) → a; x → Gather 1 → b; x → Gather 2 → Neg → c, in one run.
        let g = Graph(name: "g", nodes: [
            Node(name: "g0", opType: "Gather", inputs: ["x", "i0"], outputs: ["s0"]),
            Node(name: "relu", opType: "Relu", inputs: ["s0"], outputs: ["r0"]),
            Node(name: "mul", opType: "Mul", inputs: ["r0", "two"], outputs: ["a"]),
            Node(name: "g1", opType: "Gather", inputs: ["x", "i1"], outputs: ["b"]),
            Node(name: "g2", opType: "Gather", inputs: ["x", "i2"], outputs: ["s2"]),
            Node(name: "neg", opType: "Neg", inputs: ["s2"], outputs: ["c"]),
        ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "a"), ValueInfo(name: "b"), ValueInfo(name: "c")],
                      initializers: [("i0", Tensor(scalar: Int64(0))), ("i1", Tensor(scalar: Int64(1))), ("i2", Tensor(scalar: Int64(2))),
                                     ("two", Tensor(scalar: Float(2)))])
        let r = try Interpreter(model: Model(graph: g, opsetImports: ["": 17])).run(feeds: ["x": .tensor(x)])
        #expect(try #require(r["a"]).asTensor().scalars(of: Float.self) == [0, 0, 0, 0])
        #expect(try #require(r["b"]).asTensor().scalars(of: Float.self) == [-1, 0, 1, 2])
        #expect(try #require(r["c"]).asTensor().scalars(of: Float.self) == [-3, -4, -5, -6])
        #expect(try x.scalars(of: Float.self) == (0..<12).map { Float($0) - 5 })
    }
}
