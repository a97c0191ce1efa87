import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct PReluTests {
    @Test func slopeBroadcastsPerChannel() throws {
        let x = try f32([2, 2], [-1, 2, -3, 4]), slope = try f32([2], [0.5, 2])
        #expect(try runNode("PRelu", [x, slope])[0].scalars(of: Float.self) == [-0.5, 2, -1.5, 4])
    }
}
