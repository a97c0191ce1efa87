import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct LRNTests {
    @Test func normalisesAcrossNeighbouringChannels() throws {
        // size 3: channel 0 sees channels 0...1, channel 1 sees 0...1.
        let x = try f32([1, 2, 1, 1], [1, 2])
        let out = try runNode("LRN", [x], attributes: [Attribute(name: "size", value: .int(3)), Attribute(name: "alpha", value: .float(3)),
                                                      Attribute(name: "beta", value: .float(1)), Attribute(name: "bias", value: .float(1))])[0]
        #expect(isClose(out, try f32([1, 2, 1, 1], [1 / 6, 2 / 6])))
    }
}
