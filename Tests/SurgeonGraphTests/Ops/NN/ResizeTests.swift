@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ResizeTests {
    @Test func nearestUpsampleByScales() throws {
        let x = try f32([1, 1, 2, 2], [1, 2, 3, 4])
        let scales = try f32([4], [1, 1, 2, 2])
        let y = try runNode("Resize", [x, nil, scales], attributes: [Attribute(name: "mode", value: .string("nearest"))], opset: 19)[0]
        #expect(y.shape == [1, 1, 4, 4])
        #expect(try y.scalars(of: Float.self) == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func linearAlignCornersBySizes() throws {
        let x = try f32([1, 1, 1, 2], [0, 3])
        let sizes = try Tensor(shape: [4], scalars: [Int64(1), 1, 1, 4])
        let y = try runNode("Resize", [x, nil, nil, sizes], attributes: [
            Attribute(name: "mode", value: .string("linear")),
            Attribute(name: "coordinate_transformation_mode", value: .string("align_corners")),
        ], opset: 19)[0]
        #expect(isClose(y, try f32([1, 1, 1, 4], [0, 1, 2, 3])))
    }

    @Test func upsampleNearest() throws {
        let x = try f32([1, 2], [5, 6])
        let y = try runNode("Upsample", [x, try f32([2], [2, 2])], attributes: [Attribute(name: "mode", value: .string("nearest"))], opset: 9)[0]
        #expect(try y.scalars(of: Float.self) == [5, 5, 6, 6, 5, 5, 6, 6])
    }

    @Test func missingScalesAndSizesIsAnError() throws {
        let x = try f32([1, 2], [5, 6])
        #expect(throws: (any Error).self) { try runNode("Resize", [x], opset: 19) }
    }

    /// Sizes equal to the input's under a transformation that is then the identity: the input
    /// itself, NaN and inf where they were (onnxruntime gives the same); finite inputs match
    /// the interpolating kernel. tf_crop_and_resize (the roi decides) still interpolates.
    @Test func sameSizeIsTheInput() throws {
        var v = (0..<(2 * 3 * 4)).map { Float($0) * 0.25 - 2 }
        let finite = try f32([1, 2, 3, 4], v)
        v[5] = .infinity; v[9] = .nan
        let x = try f32([1, 2, 3, 4], v)
        let sizes = try Tensor(ints: [1, 2, 3, 4])
        for mode in ["nearest", "linear", "cubic"] {
            for coord in ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "half_pixel_symmetric"] {
                let attrs = [Attribute(name: "mode", value: .string(mode)),
                             Attribute(name: "coordinate_transformation_mode", value: .string(coord))]
                let y = try runNode("Resize", [x, nil, nil, sizes], attributes: attrs, opset: 19)[0]
                #expect(y.buffer === x.buffer, "\(mode) \(coord)")
                let yf = try runNode("Resize", [finite, nil, nil, sizes], attributes: attrs, opset: 19)[0]
                let plain = try Resize.plainResize(finite, scales: [1, 1, 1, 1], outSize: [1, 2, 3, 4], roi: nil, axes: [0, 1, 2, 3],
                                                   cfg: Resize.Config(mode: mode, coordMode: coord), ctx: nil)
                #expect(isClose(yf, plain, atol: 1e-6, rtol: 1e-6), "\(mode) \(coord)")
            }
        }
        let one = try f32([1, 1, 1, 3], [1, 2, 3])
        let attrs = [Attribute(name: "mode", value: .string("linear")),
                     Attribute(name: "coordinate_transformation_mode", value: .string("tf_crop_and_resize"))]
        let y = try runNode("Resize", [one, try f32([8], [0, 0, 0, 0, 1, 1, 1, 1]), nil, try Tensor(ints: [1, 1, 1, 3])],
                            attributes: attrs, opset: 19)[0]
        #expect(y.buffer !== one.buffer)
        #expect(try y.scalars(of: Float.self) == [1, 2, 3])
    }
}
