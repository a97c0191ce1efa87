import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct IfTests {
    func model(_ cond: Bool) throws -> Tensor {
        let then = cfGraph([Node(opType: "Add", inputs: ["x", "x"], outputs: ["t"])], outputs: ["t"])
        let other = cfGraph([], outputs: ["x"])  // an outer value straight through
        let node = Node(opType: "If", inputs: ["c"], outputs: ["y"],
                        attributes: [Attribute(name: "then_branch", value: .graph(then)), Attribute(name: "else_branch", value: .graph(other))])
        let out = try cfRun([node], inputs: [("c", .tensor(Tensor(scalar: cond))), ("x", .tensor(try f32([2], [1, 2])))], outputs: ["y"])
        return try out[0].asTensor()
    }

    @Test func picksBranchAndSeesOuterValues() throws {
        #expect(try model(true).scalars(of: Float.self) == [2, 4])
        #expect(try model(false).scalars(of: Float.self) == [1, 2])
    }

    @Test func sequenceOutput() throws {
        let then = cfGraph([Node(opType: "SequenceConstruct", inputs: ["x", "x"], outputs: ["s"])], outputs: ["s"])
        let node = Node(opType: "If", inputs: ["c"], outputs: ["y"],
                        attributes: [Attribute(name: "then_branch", value: .graph(then)), Attribute(name: "else_branch", value: .graph(then))])
        let out = try cfRun([node], inputs: [("c", .tensor(Tensor(scalar: true))), ("x", .tensor(try f32([1], [3])))], outputs: ["y"])
        #expect(out[0].sequenceValue?.count == 2)
    }

    @Test func conditionMustBeOneValue() throws {
        let g = cfGraph([], outputs: ["x"])
        let node = Node(opType: "If", inputs: ["c"], outputs: ["y"],
                        attributes: [Attribute(name: "then_branch", value: .graph(g)), Attribute(name: "else_branch", value: .graph(g))])
        #expect(throws: (any Error).self) {
            try cfRun([node], inputs: [("c", .tensor(try Tensor(bools: [true, false], shape: [2]))), ("x", .tensor(try f32([1], [3])))], outputs: ["y"])
        }
    }
}
