import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Extreme indices, axes and sizes must give errors (or results), never a crash.
@Suite struct TensorOpsRobustnessTests {
    @Test func adversarialInputsNeverCrash() throws {
        let x = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        let big = Int.max, small = Int.min
        func attempt(_ op: String, _ ins: @autoclosure () throws -> [Tensor?], _ attrs: [Attribute] = [], outputs: Int = 1, opset: Int = 18) throws {
            do { _ = try runNode(op, ins(), attributes: attrs, outputs: outputs, opset: opset) } catch {}
        }
        for v in [big, small, -1, 0, 1 << 40] {
            let t = try Tensor(ints: [v, v])
            try attempt("Reshape", [x, t]); try attempt("Expand", [x, t]); try attempt("Tile", [x, t])
            try attempt("Pad", [x, Tensor(ints: [v, 0, 0, v])], [Attribute(name: "mode", value: .string("reflect"))])
            try attempt("Pad", [x, Tensor(ints: [v, 0, 0, 0])])
            try attempt("Slice", [x, t, t, Tensor(ints: [0, 1]), t])
            try attempt("Slice", [x, Tensor(ints: [small, big]), Tensor(ints: [big, small]), Tensor(ints: [0, 1]), Tensor(ints: [small, big])])
            try attempt("Gather", [x, t]); try attempt("GatherElements", [x, Tensor(ints: [v], shape: [1, 1])])
            try attempt("GatherND", [x, Tensor(ints: [v, v], shape: [1, 2])], [Attribute(name: "batch_dims", value: .int(v))])
            try attempt("ScatterND", [x, Tensor(ints: [v, v], shape: [1, 2]), f32([1], [1])])
            try attempt("ScatterElements", [x, Tensor(ints: [v], shape: [1, 1]), f32([1, 1], [1])], [Attribute(name: "axis", value: .int(v))])
            try attempt("Range", [Tensor(scalar: Int64(v)), Tensor(scalar: Int64(v == small ? big : -v)), Tensor(scalar: Int64(1))])
            try attempt("Range", [Tensor(scalar: Float(0)), Tensor(scalar: Float(1e30)), Tensor(scalar: Float(-1e-30))])
            try attempt("OneHot", [Tensor(ints: [v]), Tensor(scalar: Int64(v)), f32([2], [0, 1])])
            try attempt("Trilu", [x, Tensor(scalar: Int64(v))])
            try attempt("TopK", [x, Tensor(ints: [v])], outputs: 2)
            try attempt("CenterCropPad", [x, t]); try attempt("ConstantOfShape", [t])
            try attempt("Unsqueeze", [x, t]); try attempt("Squeeze", [x, t]); try attempt("Split", [x, t], outputs: 2)
            try attempt("Split", [x], [Attribute(name: "num_outputs", value: .int(v))], outputs: 2)
            try attempt("DepthToSpace", [x.reshaped([1, 1, 2, 3])], [Attribute(name: "blocksize", value: .int(v))])
            try attempt("SpaceToDepth", [x.reshaped([1, 1, 2, 3])], [Attribute(name: "blocksize", value: .int(v))])
            try attempt("EyeLike", [x], [Attribute(name: "k", value: .int(v))])
            try attempt("CumSum", [x, Tensor(scalar: Int64(v))]); try attempt("Flatten", [x], [Attribute(name: "axis", value: .int(v))])
            try attempt("ReverseSequence", [x, t]); try attempt("Compress", [x, Tensor(bools: [true, false, true, true], shape: [4])])
            try attempt("Shape", [x], [Attribute(name: "start", value: .int(v)), Attribute(name: "end", value: .int(small))])
            try attempt("Transpose", [x], [Attribute(name: "perm", value: .ints([v, 0]))])
            try attempt("Concat", [x, x], [Attribute(name: "axis", value: .int(v))])
            try attempt("Unique", [x], [Attribute(name: "axis", value: .int(v))], outputs: 4)
        }
        let e = try Tensor(zeros: .float32, shape: [0, 3])
        try attempt("Unique", [e], outputs: 4); try attempt("TopK", [e, Tensor(ints: [0])], outputs: 2); try attempt("NonZero", [e])
        try attempt("Pad", [e, Tensor(ints: [1, 1, 1, 1])], [Attribute(name: "mode", value: .string("edge"))])
        try attempt("Slice", [e, Tensor(ints: [-1]), Tensor(ints: [small]), Tensor(ints: [0]), Tensor(ints: [-1])])
        try attempt("CumSum", [e, Tensor(scalar: Int64(1))]); try attempt("Gather", [e, Tensor(ints: [0])], [Attribute(name: "axis", value: .int(1))])
    }
}
