import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct RecurrentTests {
    let x = try! f32([1, 1, 1], [1])
    let hs = Attribute(name: "hidden_size", value: .int(1))

    @Test func rnnSingleStep() throws {
        let out = try runNode("RNN", [x, try f32([1, 1, 1], [0.5]), try f32([1, 1, 1], [0])], attributes: [hs], outputs: 2)
        #expect(isClose(out[1], try f32([1, 1, 1], [tanhf(0.5)])))
        #expect(out[0].shape == [1, 1, 1, 1])
    }

    @Test func gruSingleStep() throws {
        // Only the candidate gate sees X: z = r = 0.5, h = 0.5 * tanh(1).
        let w = try f32([1, 3, 1], [0, 0, 1]), r = try f32([1, 3, 1], [0, 0, 0])
        let out = try runNode("GRU", [x, w, r], attributes: [hs], outputs: 2)
        #expect(isClose(out[1], try f32([1, 1, 1], [0.5 * tanhf(1)])))
    }

    @Test func lstmSingleStep() throws {
        let w = try f32([1, 4, 1], [0, 0, 0, 1]), r = try f32([1, 4, 1], [0, 0, 0, 0])
        let out = try runNode("LSTM", [x, w, r], attributes: [hs], outputs: 3)
        let c = 0.5 * tanhf(1)
        #expect(isClose(out[2], try f32([1, 1, 1], [c])))
        #expect(isClose(out[1], try f32([1, 1, 1], [0.5 * tanhf(c)])))
    }

    @Test func wrongWeightShapeIsAnError() throws {
        #expect(throws: (any Error).self) {
            try runNode("LSTM", [x, try f32([1, 3, 1], [0, 0, 0]), try f32([1, 4, 1], [0, 0, 0, 0])], attributes: [hs], outputs: 3)
        }
    }
}
