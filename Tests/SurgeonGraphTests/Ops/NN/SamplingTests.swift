import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SamplingTests {
    @Test func rotaryEmbeddingRotatesHalves() throws {
        // One head of size 2 at position 0 with cos 0, sin 1: (x1, x2) -> (-x2, x1).
        let x = try f32([1, 1, 1, 2], [3, 4])
        let cosC = try f32([1, 1], [0]), sinC = try f32([1, 1], [1])
        let pos = try Tensor(shape: [1, 1], scalars: [Int64(0)])
        let y = try runNode("RotaryEmbedding", [x, cosC, sinC, pos], opset: 23)[0]
        #expect(try y.scalars(of: Float.self) == [-4, 3])
        let bad = try Tensor(shape: [1, 1], scalars: [Int64(5)])
        #expect(throws: (any Error).self) { try runNode("RotaryEmbedding", [x, cosC, sinC, bad], opset: 23) }
    }

    @Test func gridSampleCornersAlignCorners() throws {
        let x = try f32([1, 1, 2, 2], [1, 2, 3, 4])
        let grid = try f32([1, 1, 2, 2], [-1, -1, 1, 1])
        let y = try runNode("GridSample", [x, grid], attributes: [Attribute(name: "align_corners", value: .int(1))], opset: 22)[0]
        #expect(try y.scalars(of: Float.self) == [1, 4])
        let mid = try runNode("GridSample", [x, try f32([1, 1, 1, 2], [0, 0])], attributes: [Attribute(name: "align_corners", value: .int(1))], opset: 22)[0]
        #expect(isClose(mid, try f32([1, 1, 1, 1], [2.5])))
    }

    @Test func affineGridIdentity() throws {
        let theta = try f32([1, 2, 3], [1, 0, 0, 0, 1, 0])
        let size = try Tensor(shape: [4], scalars: [Int64(1), 1, 1, 2])
        let g = try runNode("AffineGrid", [theta, size], attributes: [Attribute(name: "align_corners", value: .int(1))], opset: 20)[0]
        #expect(g.shape == [1, 1, 2, 2])
        #expect(try g.scalars(of: Float.self) == [-1, -1, 1, -1])
    }

    @Test func col2ImSumsOverlaps() throws {
        // 1-D image of 3 with block 2: columns [[a0, a1], [b0, b1]] -> [a0, a1 + b0, b1].
        let x = try f32([1, 2, 2], [1, 2, 10, 20])
        let y = try runNode("Col2Im", [x, try Tensor(shape: [1], scalars: [Int64(3)]), try Tensor(shape: [1], scalars: [Int64(2)])], opset: 18)[0]
        #expect(try y.scalars(of: Float.self) == [1, 12, 20])
    }
}
