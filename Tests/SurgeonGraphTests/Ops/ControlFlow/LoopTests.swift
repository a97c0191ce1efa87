import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct LoopTests {
    /// body(i, cond, acc): acc + x (outer value); cond passes through; scan output = new acc.
    func loop(_ inputs: [String]) -> Node {
        let body = cfGraph([Node(opType: "Add", inputs: ["acc", "x"], outputs: ["acc2"])],
                           inputs: ["i", "cond", "acc"], outputs: ["cond", "acc2", "acc2"])
        return Node(opType: "Loop", inputs: inputs, outputs: ["final", "scan"], attributes: [Attribute(name: "body", value: .graph(body))])
    }

    @Test func tripCountAccumulatesAndStacks() throws {
        let out = try cfRun([loop(["m", "", "a"])], inputs: [
            ("m", .tensor(Tensor(scalar: Int64(3)))), ("a", .tensor(try f32([2], [0, 1]))), ("x", .tensor(try f32([2], [1, 10]))),
        ], outputs: ["final", "scan"])
        #expect(try out[0].asTensor().scalars(of: Float.self) == [3, 31])
        let scan = try out[1].asTensor()
        #expect(scan.shape == [3, 2])
        #expect(try scan.scalars(of: Float.self) == [1, 11, 2, 21, 3, 31])
    }

    @Test func falseConditionRunsNothing() throws {
        let out = try cfRun([loop(["m", "c", "a"])], inputs: [
            ("m", .tensor(Tensor(scalar: Int64(3)))), ("c", .tensor(Tensor(scalar: false))),
            ("a", .tensor(try f32([2], [5, 6]))), ("x", .tensor(try f32([2], [1, 1]))),
        ], outputs: ["final", "scan"])
        #expect(try out[0].asTensor().scalars(of: Float.self) == [5, 6])
        #expect(try out[1].asTensor().shape == [0])
    }

    @Test func sequenceCarried() throws {
        let body = cfGraph([Node(opType: "SequenceInsert", inputs: ["s", "x"], outputs: ["s2"])],
                           inputs: ["i", "cond", "s"], outputs: ["cond", "s2"])
        let node = Node(opType: "Loop", inputs: ["m", "", "s0"], outputs: ["out"], attributes: [Attribute(name: "body", value: .graph(body))])
        let out = try cfRun([Node(opType: "SequenceEmpty", inputs: [], outputs: ["s0"]), node],
                            inputs: [("m", .tensor(Tensor(scalar: Int64(4)))), ("x", .tensor(try f32([1], [7])))], outputs: ["out"])
        #expect(out[0].sequenceValue?.count == 4)
    }
}
