import Foundation
import SurgeonTensor

/// MelWeightMatrix: a [dft_length/2 + 1, num_mel_bins] matrix of triangular mel filters
/// between `lower_edge_hertz` and `upper_edge_hertz` (the ONNX reference construction).
enum MelWeightMatrix {
    static func register(_ r: inout OpRegistry) {
        r.register("MelWeightMatrix", since: 17) { ctx in
            let numMel = try cfScalarInt(ctx.tensor(0), "num_mel_bins")
            let dftLength = try cfScalarInt(ctx.tensor(1), "dft_length")
            let sampleRate = try cfScalarDouble(ctx.tensor(2), "sample_rate")
            let lower = try cfScalarDouble(ctx.tensor(3), "lower_edge_hertz")
            let upper = try cfScalarDouble(ctx.tensor(4), "upper_edge_hertz")
            let dtype = try ctx.dtype("output_datatype", .float32)
            guard numMel >= 1, dftLength >= 1, sampleRate > 0 else {
                throw ctx.error("needs positive num_mel_bins, dft_length and sample_rate")
            }
            let bins = dftLength / 2 + 1
            let lowMel = 2595 * log10(1 + lower / 700)
            let highMel = 2595 * log10(1 + upper / 700)
            let melStep = (highMel - lowMel) / Double(numMel + 2)
            var points: [Int] = []
            for i in 0..<(numMel + 2) {
                let mel = Double(i) * melStep + lowMel
                let hz = 700 * (pow(10, mel / 2595) - 1)
                let bin = (Double(dftLength + 1) * hz / sampleRate).rounded(.down)
                guard bin.isFinite, bin >= 0, bin < Double(bins) else {
                    throw ctx.error("mel edge \(hz) Hz falls outside the \(bins) spectrogram bins")
                }
                points.append(Int(bin))
            }
            var out = [Double](repeating: 0, count: bins * numMel)
            for i in 0..<numMel {
                let left = points[i], center = points[i + 1], right = points[i + 2]
                if center == left {
                    out[center * numMel + i] = 1
                } else if center > left {
                    for j in left...center { out[j * numMel + i] = Double(j - left) / Double(center - left) }
                }
                if right > center {
                    for j in center..<right { out[j * numMel + i] = Double(right - j) / Double(right - center) }
                }
            }
            return [.tensor(try Tensor(doubles: out, shape: [bins, numMel], dtype: dtype))]
        }
    }
}
