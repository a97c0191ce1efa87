import SurgeonTensor

/// STFT: short-time Fourier transform of [batch, length, 1|2] signals: frames of
/// `frame_length` every `frame_step` samples, multiplied by `window` (default all ones), each
/// transformed by a DFT. Output [batch, frames, bins, 2]; `onesided` (default 1) keeps
/// frame_length/2 + 1 bins.
enum STFT {
    static func register(_ r: inout OpRegistry) {
        r.register("STFT", since: 17) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype.isFloatingPoint else { throw ctx.error("needs a floating-point signal, got \(x.dtype)") }
            guard x.rank == 3, x.shape[2] == 1 || x.shape[2] == 2 else {
                throw ctx.error("signal must be [batch, length, 1 or 2], got \(shapeString(x.shape))")
            }
            let step = try cfScalarInt(ctx.tensor(1), "frame_step")
            guard step >= 1 else { throw ctx.error("frame_step \(step) must be positive") }
            let window = try ctx.optionalTensor(2)
            if let window, window.rank != 1 { throw ctx.error("window must be 1-D, got \(shapeString(window.shape))") }
            var frameLength: Int
            if let fl = try ctx.optionalTensor(3) {
                frameLength = try cfScalarInt(fl, "frame_length")
                if let window, window.count != frameLength {
                    throw ctx.error("window length \(window.count) differs from frame_length \(frameLength)")
                }
            } else if let window {
                frameLength = window.count
            } else {
                frameLength = x.shape[1]
            }
            let batch = x.shape[0], length = x.shape[1], c = x.shape[2]
            guard frameLength >= 1, frameLength <= length else {
                throw ctx.error("frame_length \(frameLength) does not fit a signal of \(length)")
            }
            let frames = 1 + (length - frameLength) / step
            let w = window?.doubleArray() ?? Array(repeating: 1, count: frameLength)
            let data = x.doubleArray()
            var framed = [Double](repeating: 0, count: batch * frames * frameLength * c)
            for b in 0..<batch {
                for f in 0..<frames {
                    for k in 0..<frameLength {
                        for j in 0..<c {
                            framed[((b * frames + f) * frameLength + k) * c + j] = data[(b * length + f * step + k) * c + j] * w[k]
                        }
                    }
                }
            }
            let t = try Tensor(doubles: framed, shape: [batch, frames, frameLength, c], dtype: .float64)
            let onesided = try ctx.int("onesided", 1) != 0
            let keep = onesided ? frameLength / 2 + 1 : frameLength
            let y = try cfDFT(t, axis: 2, length: frameLength, inverse: false, hermitianInput: false, keep: keep, scale: 1)
            return [.tensor(try y.cast(to: x.dtype))]
        }
    }
}
