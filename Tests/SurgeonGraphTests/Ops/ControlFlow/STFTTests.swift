import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct STFTTests {
    @Test func framesAndBins() throws {
        // Signal [1,2,3,4,5], frames of 4 every 1 sample: [1,2,3,4] and [2,3,4,5].
        let signal = try f32([1, 5, 1], [1, 2, 3, 4, 5])
        let y = try runNode("STFT", [signal, Tensor(scalar: Int64(1)), nil, Tensor(scalar: Int64(4))], opset: 17)[0]
        #expect(y.shape == [1, 2, 3, 2])
        // DFT of [1,2,3,4]: 10, -2+2i, -2.
        #expect(isClose(y, try f32([1, 2, 3, 2], [10, 0, -2, 2, -2, 0, 14, 0, -2, 2, -2, 0])))
    }
}
