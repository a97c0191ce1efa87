import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct DFTTests {
    // x = [1, 2, 3, 0] as a real signal [1, 4, 1]; X = [6, -2-2i, 2, -2+2i].
    var x: Tensor { get throws { try f32([1, 4, 1], [1, 2, 3, 0]) } }

    @Test func forwardAndOnesided() throws {
        let y = try runNode("DFT", [try x], attributes: [Attribute(name: "axis", value: .int(1))], opset: 17)[0]
        #expect(isClose(y, try f32([1, 4, 2], [6, 0, -2, -2, 2, 0, -2, 2])))
        let h = try runNode("DFT", [try x, nil, Tensor(scalar: Int64(-2))], attributes: [Attribute(name: "onesided", value: .int(1))], opset: 20)[0]
        #expect(isClose(h, try f32([1, 3, 2], [6, 0, -2, -2, 2, 0])))
    }

    @Test func inverseOnesidedRoundTrips() throws {
        let h = try f32([1, 3, 2], [6, 0, -2, -2, 2, 0])
        let y = try runNode("DFT", [h], attributes: [Attribute(name: "inverse", value: .int(1)), Attribute(name: "onesided", value: .int(1))], opset: 20)[0]
        #expect(isClose(y, try x))
    }

    @Test func oddLengthInverseRoundTrips() throws {
        let v = try f32([1, 3, 2], [1, 0, 2, 1, 0, -1])
        let f = try runNode("DFT", [v], opset: 20)[0]
        let back = try runNode("DFT", [f], attributes: [Attribute(name: "inverse", value: .int(1))], opset: 20)[0]
        #expect(isClose(back, v))
    }

    @Test func lastAxisIsRejected() throws {
        #expect(throws: (any Error).self) { try runNode("DFT", [try x], attributes: [Attribute(name: "axis", value: .int(2))], opset: 17) }
    }
}
