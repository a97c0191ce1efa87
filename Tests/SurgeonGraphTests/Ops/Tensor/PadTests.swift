import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct PadTests {
    let x: Tensor = (try? f32([3], [1, 2, 3])) ?? Tensor(scalar: Float(0))

    func pad(_ mode: String, _ pads: [Int]) throws -> [Float] {
        try runNode("Pad", [x, Tensor(ints: pads), Tensor(scalar: Float(9))], attributes: [Attribute(name: "mode", value: .string(mode))])[0].scalars(of: Float.self)
    }

    @Test func modes() throws {
        #expect(try pad("constant", [1, 2]) == [9, 1, 2, 3, 9, 9])
        #expect(try pad("reflect", [2, 2]) == [3, 2, 1, 2, 3, 2, 1])
        #expect(try pad("edge", [2, 1]) == [1, 1, 1, 2, 3, 3])
        #expect(try pad("wrap", [2, 1]) == [2, 3, 1, 2, 3, 1])
        #expect(try pad("constant", [-1, 1]) == [2, 3, 9])
    }

    @Test func axesInput() throws {
        let m = try f32([2, 2], [1, 2, 3, 4])
        let out = try runNode("Pad", [m, Tensor(ints: [1, 0]), nil, Tensor(ints: [-1])])[0]
        #expect(try out.shape == [2, 3] && (out.scalars(of: Float.self)) == [0, 1, 2, 0, 3, 4])
    }
}
