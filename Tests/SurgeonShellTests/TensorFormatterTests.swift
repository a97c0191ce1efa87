import SurgeonTensor
import Testing
@testable import SurgeonShell

@Suite struct TensorFormatterTests {
    @Test func matchesPyTorchForSmallFloats() throws {
        let t = try Tensor(shape: [1, 2], scalars: [Float(-0.2726), 0.0910])
        #expect(TensorFormatter().format(t) == "tensor([[-0.2726,  0.0910]])")
    }

    @Test func scientificWhenMagnitudesDiffer() throws {
        let t = try Tensor(shape: [2], scalars: [Float(1e-5), 10])
        #expect(TensorFormatter().format(t) == "tensor([1.0000e-05, 1.0000e+01])")
    }

    @Test func summarisesPast1000Elements() throws {
        let t = try Tensor(floats: (0..<2000).map { Float($0) }, shape: [2000])
        #expect(TensorFormatter().format(t) == "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03], shape=[2000])")
    }

    @Test func zeroDAndEmptyAndBool() throws {
        #expect(TensorFormatter().format(Tensor(scalar: Float(0.5))) == "tensor(0.5000)")
        #expect(TensorFormatter().format(try Tensor(zeros: .float32, shape: [0])) == "tensor([])")
        #expect(TensorFormatter().format(try Tensor(zeros: .float32, shape: [0, 3])) == "tensor([], size=(0, 3))")
        #expect(TensorFormatter().format(try Tensor(bools: [true, false], shape: [2])) == "tensor([ True, False], dtype=bool)")
    }

    // Bug fixed in session 2: non-finite values widened the column (`tensor([ nan,  inf, -inf])`).
    @Test func nonFiniteValuesDoNotWidenTheColumn() throws {
        let f = TensorFormatter()
        #expect(f.format(try Tensor(shape: [3], scalars: [Float.nan, .infinity, -.infinity])) == "tensor([nan, inf, -inf])")
        #expect(f.format(try Tensor(shape: [3], scalars: [Float(1), .nan, -.infinity])) == "tensor([1., nan, -inf])")
        #expect(f.format(try Tensor(shape: [2], scalars: [Float(-1), .nan])) == "tensor([-1., nan])")
        #expect(f.format(try Tensor(shape: [3], scalars: [Float(0), 0.5, .nan])) == "tensor([0.0000, 0.5000,    nan])")
    }
}
