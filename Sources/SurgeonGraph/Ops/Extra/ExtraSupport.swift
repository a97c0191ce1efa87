import SurgeonTensor

/// Helpers shared by the Extra group's kernels.
enum ExtraSupport {
    /// Rounds a float32 value to what `dtype` can hold (float16/bfloat16), so reduced-float
    /// kernels can round intermediate results the way the reference does; other dtypes pass through.
    @inline(__always)
    static func round(_ x: Float, to dtype: DType) -> Float {
        switch dtype {
        case .float16: return roundedToHalf(x)
        case .bfloat16: return BFloat16(x).floatValue
        default: return x
        }
    }

    /// Rounds a double to `dtype` (float32 and reduced floats round; float64 passes through).
    @inline(__always)
    static func round(_ x: Double, to dtype: DType) -> Double {
        switch dtype {
        case .float32: return Double(Float(x))
        case .float16: return Double(roundedToHalf(Float(x)))
        case .bfloat16: return Double(BFloat16(Float(x)).floatValue)
        default: return x
        }
    }

    /// The tensor as float32 values; it must be floating-point.
    static func floats(_ t: Tensor, _ what: String) throws -> [Float] {
        guard t.dtype.isFloatingPoint else { throw TensorError("\(what) must be floating-point, got \(t.dtype)") }
        return t.floatArray()
    }

    /// A scalar (or one-element tensor) input as a Double.
    static func scalarDouble(_ t: Tensor, _ what: String) throws -> Double {
        guard t.count == 1 else { throw TensorError("\(what) must be a scalar, got \(t.typeDescription)") }
        guard let v = t.doubleArray().first else { throw TensorError("\(what) is empty") }
        return v
    }

    /// A scalar (or one-element tensor) integer input.
    static func scalarInt(_ t: Tensor, _ what: String) throws -> Int64 {
        guard t.count == 1, t.dtype.isInteger else { throw TensorError("\(what) must be an integer scalar, got \(t.typeDescription)") }
        guard let v = t.int64Array().first else { throw TensorError("\(what) is empty") }
        return v
    }
}

extension ExtraSupport {
    static let trainingDomain = "ai.onnx.preview.training"

    /// Splits an optimizer's inputs `R, T, X1..Xn, G1..Gn, S1..Sn, ...` (`groups` tensor lists
    /// after R and T) and returns (R, T, groups[k][i]) with shapes checked against X.
    static func optimizerInputs(_ ctx: OpContext, groups: Int) throws -> (r: Double, t: Int64, sets: [[Tensor]]) {
        let rest = ctx.inputCount - 2
        guard rest > 0, rest % groups == 0 else {
            throw ctx.error("expects R, T and \(groups) equally long lists of tensors, got \(ctx.inputCount) inputs")
        }
        let n = rest / groups
        let r = try scalarDouble(ctx.tensor(0), "R")
        let t = try scalarInt(ctx.tensor(1), "T")
        var sets: [[Tensor]] = []
        for i in 0..<n {
            var set: [Tensor] = []
            for g in 0..<groups {
                let x = try ctx.tensor(2 + g * n + i)
                guard x.dtype.isFloatingPoint else { throw ctx.error("input \(3 + g * n + i) must be floating-point, got \(x.dtype)") }
                if let first = set.first, first.shape != x.shape {
                    throw ctx.error("tensor \(x.typeDescription) does not match \(first.typeDescription)")
                }
                set.append(x)
            }
            sets.append(set)
        }
        return (r, t, sets)
    }

    /// Runs an elementwise optimizer step over each tensor set: `step` maps one element's inputs
    /// (x, g, states...) to its outputs (x_new, states_new...). Outputs are grouped by kind.
    static func optimizerStep(_ sets: [[Tensor]], outputs: Int, _ step: ([Double]) -> [Double]) throws -> [Value] {
        var byKind = [[Value]](repeating: [], count: outputs)
        for set in sets {
            let cols = set.map { $0.doubleArray() }
            let n = set[0].count
            var outs = [[Double]](repeating: [Double](repeating: 0, count: n), count: outputs)
            var args = [Double](repeating: 0, count: set.count)
            for e in 0..<n {
                for k in 0..<set.count { args[k] = cols[k][e] }
                let res = step(args)
                for k in 0..<outputs { outs[k][e] = res[k] }
            }
            for k in 0..<outputs {
                // Outputs follow X, then the state inputs (G is input 1, so state k is input k+1).
                let like = set[k == 0 ? 0 : k + 1]
                byKind[k].append(.tensor(try Tensor(doubles: outs[k], shape: like.shape, dtype: like.dtype)))
            }
        }
        return byKind.flatMap { $0 }
    }
}
