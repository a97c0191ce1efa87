import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct HammingWindowTests {
    @Test func periodicInDouble() throws {
        let w = try runNode("HammingWindow", [Tensor(scalar: Int64(2))], attributes: [Attribute(name: "output_datatype", value: .int(11))], opset: 17)[0]
        #expect(w.dtype == .float64)
        #expect(isClose(w, try Tensor(shape: [2], scalars: [4.0 / 46.0, 1.0])))
    }
}
