import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct FastExpTests {
    /// The branch-free exp against libm over its whole clamped range.
    @Test func fastExpMatchesLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let ref = Foundation.exp(x)
            worst = max(worst, abs(fastExpF(x) - ref) / ref)
            x += 0.01234
        }
        #expect(worst < 4e-7)
        #expect(fastExpF(0) == 1)
        #expect(fastExpF(.nan).isNaN)
        #expect(fastExpF(-1000) >= 0 && fastExpF(-1000) < 1e-37)
    }

    /// The vectorisable sigmoid against the libm one it replaced.
    @Test func sigmoidMatchesReference() throws {
        var x: Float = -87
        var worst: Float = 0
        while x < 60 {
            let ref = sigmoidReferenceF(x)
            worst = max(worst, abs(sigmoidF(x) - ref) / ref)
            x += 0.0173
        }
        #expect(worst < 5e-7)
        let y = try runNode("Sigmoid", [try f32([4], [0, 1, -3, .nan])])[0].scalars(of: Float.self)
        #expect(y[0] == 0.5 && abs(y[1] - 0.7310586) < 1e-6 && abs(y[2] - 0.04742587) < 1e-7 && y[3].isNaN)
    }
}
