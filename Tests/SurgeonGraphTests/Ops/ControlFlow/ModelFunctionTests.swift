import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Model-local functions (FunctionProto) as the interpreter runs them, exercised with this
/// group's ops (attribute references, nesting, subgraphs inside function bodies).
@Suite struct ModelFunctionTests {
    /// local.AddRelu(a, b) = Relu(a + b)
    let addRelu = Function(name: "AddRelu", domain: "local", inputs: ["a", "b"], outputs: ["c"], nodes: [
        Node(opType: "Add", inputs: ["a", "b"], outputs: ["s"]),
        Node(opType: "Relu", inputs: ["s"], outputs: ["c"]),
    ], opsetImports: ["": 18])

    /// local.Stack(x, y) = ConcatFromSequence([x, y], axis: @axis (default 0), new_axis: 1)
    let stack = Function(
        name: "Stack", domain: "local", inputs: ["x", "y"], outputs: ["z"], attributeNames: ["axis"],
        attributeDefaults: [Attribute(name: "axis", value: .int(0))],
        nodes: [
            Node(opType: "SequenceConstruct", inputs: ["x", "y"], outputs: ["s"]),
            Node(opType: "ConcatFromSequence", inputs: ["s"], outputs: ["z"], attributes: [
                Attribute(name: "axis", value: .reference("axis"), refType: 2), Attribute(name: "new_axis", value: .int(1)),
            ]),
        ], opsetImports: ["": 18])

    @Test func simpleFunction() throws {
        let out = try cfRun([Node(opType: "AddRelu", domain: "local", inputs: ["p", "q"], outputs: ["r"])],
                            inputs: [("p", .tensor(try f32([2], [1, -5]))), ("q", .tensor(try f32([2], [1, 1])))],
                            outputs: ["r"], functions: [addRelu], opsets: ["local": 1])
        #expect(try out[0].asTensor().scalars(of: Float.self) == [2, 0])
    }

    @Test func attributeReferenceAndDefault() throws {
        let inputs: [(String, Value)] = [("p", .tensor(try f32([2], [1, 2]))), ("q", .tensor(try f32([2], [3, 4])))]
        let byDefault = try cfRun([Node(opType: "Stack", domain: "local", inputs: ["p", "q"], outputs: ["r"])],
                                  inputs: inputs, outputs: ["r"], functions: [stack], opsets: ["local": 1])
        #expect(try byDefault[0].asTensor().scalars(of: Float.self) == [1, 2, 3, 4])
        let given = try cfRun([Node(opType: "Stack", domain: "local", inputs: ["p", "q"], outputs: ["r"],
                                    attributes: [Attribute(name: "axis", value: .int(1))])],
                              inputs: inputs, outputs: ["r"], functions: [stack], opsets: ["local": 1])
        #expect(try given[0].asTensor().scalars(of: Float.self) == [1, 3, 2, 4])
    }

    @Test func nestedFunctionAndSubgraphInBody() throws {
        // local.Outer(a, c) = If(c) then AddRelu(a, a) else a
        let then = cfGraph([Node(opType: "AddRelu", domain: "local", inputs: ["a", "a"], outputs: ["t"])], outputs: ["t"])
        let other = cfGraph([], outputs: ["a"])
        let outer = Function(name: "Outer", domain: "local", inputs: ["a", "c"], outputs: ["o"], nodes: [
            Node(opType: "If", inputs: ["c"], outputs: ["o"], attributes: [
                Attribute(name: "then_branch", value: .graph(then)), Attribute(name: "else_branch", value: .graph(other)),
            ]),
        ], opsetImports: ["": 18, "local": 1])
        let out = try cfRun([Node(opType: "Outer", domain: "local", inputs: ["p", "k"], outputs: ["r"])],
                            inputs: [("p", .tensor(try f32([2], [1, -1]))), ("k", .tensor(Tensor(scalar: true)))],
                            outputs: ["r"], functions: [addRelu, outer], opsets: ["local": 1])
        #expect(try out[0].asTensor().scalars(of: Float.self) == [2, 0])
    }
}
