import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ScanTests {
    func body() -> Graph {
        cfGraph([Node(opType: "Add", inputs: ["s", "x"], outputs: ["s2"]), Node(opType: "Relu", inputs: ["s2"], outputs: ["y"])],
                inputs: ["s", "x"], outputs: ["s2", "y"])
    }

    @Test func opset9ReverseAndAxes() throws {
        // x: [2, 3], scanned along axis 1 backwards; outputs stacked along axis 1.
        let node = Node(opType: "Scan", inputs: ["init", "x"], outputs: ["final", "ys"], attributes: [
            Attribute(name: "body", value: .graph(body())), Attribute(name: "num_scan_inputs", value: .int(1)),
            Attribute(name: "scan_input_axes", value: .ints([1])), Attribute(name: "scan_input_directions", value: .ints([1])),
            Attribute(name: "scan_output_axes", value: .ints([-1])),
        ])
        let out = try cfRun([node], inputs: [("init", .tensor(try f32([2], [0, 0]))), ("x", .tensor(try f32([2, 3], [1, 2, 3, 4, 5, 6])))],
                            outputs: ["final", "ys"], opset: 11)
        #expect(try out[0].asTensor().scalars(of: Float.self) == [6, 15])
        let ys = try out[1].asTensor()
        #expect(ys.shape == [2, 3])
        #expect(try ys.scalars(of: Float.self) == [3, 5, 6, 6, 11, 15])
    }

    @Test func opset8BatchWithSequenceLengths() throws {
        let node = Node(opType: "Scan", inputs: ["lens", "init", "x"], outputs: ["final", "ys"], attributes: [
            Attribute(name: "body", value: .graph(body())), Attribute(name: "num_scan_inputs", value: .int(1)),
        ])
        let out = try cfRun([node], inputs: [
            ("lens", .tensor(try i64([2], [2, 1]))), ("init", .tensor(try f32([2, 1], [0, 0]))),
            ("x", .tensor(try f32([2, 2, 1], [1, 2, 3, 4]))),
        ], outputs: ["final", "ys"], opset: 8)
        #expect(try out[0].asTensor().scalars(of: Float.self) == [3, 3])
        #expect(try out[1].asTensor().scalars(of: Float.self) == [1, 3, 3, 0])
    }
}
