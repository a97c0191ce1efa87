import Foundation
import SurgeonTensor

/// RoiAlign: pools each region of interest (rois [R, 4] as x1, y1, x2, y2 in input
/// coordinates times `spatial_scale`, image `batch_indices[r]`) of X [N, C, H, W] into an
/// [output_height, output_width] grid by bilinear sampling `sampling_ratio` points per bin
/// side (adaptive when 0), then averaging (`avg`) or taking the max of weighted corners (`max`,
/// as onnxruntime). Opset 16 adds `coordinate_transformation_mode` (default `half_pixel`,
/// which shifts by -0.5 and does not force a 1x1 minimum size); opset 10 behaves as
/// `output_half_pixel`.
enum RoiAlign {
    static func register(_ r: inout OpRegistry) {
        r.register("RoiAlign", since: 10) { ctx in try run(ctx, defaultTransform: "output_half_pixel") }
        r.register("RoiAlign", since: 16) { ctx in try run(ctx, defaultTransform: "half_pixel") }
    }

    struct Sample { var pos: (Int, Int, Int, Int); var w: (Double, Double, Double, Double) }

    static func run(_ ctx: OpContext, defaultTransform: String) throws -> [Value] {
        let x = try ctx.tensor(0), rois = try ctx.tensor(1), batchIdx = try ctx.tensor(2)
        guard x.dtype.isFloatingPoint, rois.dtype.isFloatingPoint else { throw ctx.error("X and rois must be floating-point") }
        guard x.rank == 4 else { throw ctx.error("X must be [N, C, H, W], got \(x.typeDescription)") }
        guard rois.rank == 2, rois.shape[1] == 4 else { throw ctx.error("rois must be [R, 4], got \(rois.typeDescription)") }
        guard batchIdx.dtype.isInteger, batchIdx.count == rois.shape[0] else {
            throw ctx.error("batch_indices must hold \(rois.shape[0]) integers, got \(batchIdx.typeDescription)")
        }
        let transform = try ctx.string("coordinate_transformation_mode", defaultTransform)
        guard transform == "half_pixel" || transform == "output_half_pixel" else {
            throw ctx.error("unknown coordinate_transformation_mode '\(transform)'")
        }
        let mode = try ctx.string("mode", "avg")
        guard mode == "avg" || mode == "max" else { throw ctx.error("unknown mode '\(mode)'") }
        let outH = try ctx.int("output_height", 1), outW = try ctx.int("output_width", 1)
        guard outH > 0, outW > 0 else { throw ctx.error("output size must be positive") }
        let ratio = try ctx.int("sampling_ratio", 0)
        guard ratio >= 0 else { throw ctx.error("sampling_ratio must be >= 0") }
        let scale = Double(try ctx.float("spatial_scale", 1))
        let halfPixel = transform == "half_pixel"

        let box = rois.doubleArray(), batches = batchIdx.int64Array()
        if let y = try RoiAlignFloat.pool(x, box: box, batches: batches, outH: outH, outW: outW, ratio: ratio,
                                          scale: scale, halfPixel: halfPixel, mode: mode) {
            return [.tensor(y)]
        }
        return [.tensor(try plainPool(x, box: box, batches: batches, outH: outH, outW: outW, ratio: ratio,
                                      scale: scale, halfPixel: halfPixel, mode: mode))]
    }

    /// The plain kernel, in Double, any floating-point X (RoiAlignFloat is its float32 `avg`
    /// fast path). Arguments are checked by `run`.
    static func plainPool(_ x: Tensor, box: [Double], batches: [Int64], outH: Int, outW: Int, ratio: Int,
                          scale: Double, halfPixel: Bool, mode: String) throws -> Tensor {
        let (n, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let nRois = batches.count
        let data = x.doubleArray()
        var out = [Double](repeating: 0, count: nRois * channels * outH * outW)
        let plane = height * width
        for r in 0..<nRois {
            let b = batches[r]
            guard b >= 0, b < Int64(n) else { throw TensorError("RoiAlign: batch index \(b) is out of range 0..<\(n)") }
            let ((gridH, gridW), samples) = try sampling(box: (box[r * 4], box[r * 4 + 1], box[r * 4 + 2], box[r * 4 + 3]),
                                                          roi: r, scale: scale, halfPixel: halfPixel, outH: outH, outW: outW,
                                                          ratio: ratio, height: height, width: width)
            let count = Double(max(gridH * gridW, 1))
            for c in 0..<channels {
                let base = (Int(b) * channels + c) * plane
                let outBase = (r * channels + c) * outH * outW
                var si = 0
                for bin in 0..<(outH * outW) {
                    var acc = 0.0
                    var first = true
                    for _ in 0..<(gridH * gridW) {
                        let s = samples[si]; si += 1
                        let v1 = s.w.0 * data[base + s.pos.0], v2 = s.w.1 * data[base + s.pos.1]
                        let v3 = s.w.2 * data[base + s.pos.2], v4 = s.w.3 * data[base + s.pos.3]
                        if mode == "avg" {
                            acc += v1 + v2 + v3 + v4
                        } else {
                            let v = max(v1, v2, v3, v4)
                            acc = first ? v : max(acc, v)
                            first = false
                        }
                    }
                    out[outBase + bin] = mode == "avg" ? acc / count : acc
                }
            }
        }
        return try Tensor(doubles: out, shape: [nRois, channels, outH, outW], dtype: x.dtype)
    }

    /// A region's sampling points, bin by bin (`grid` points per bin, row-major), each as its
    /// four bilinear taps: element offsets into one `height` × `width` plane and weights (all
    /// zero for a point outside the image). Shared by all channels, by the plain kernel and by
    /// RoiAlignFloat. `roi` only names the region in errors.
    static func sampling(box: (Double, Double, Double, Double), roi r: Int, scale: Double, halfPixel: Bool,
                         outH: Int, outW: Int, ratio: Int, height: Int, width: Int) throws -> (grid: (Int, Int), samples: [Sample]) {
        let offset = halfPixel ? 0.5 : 0
        let startW = box.0 * scale - offset, startH = box.1 * scale - offset
        let endW = box.2 * scale - offset, endH = box.3 * scale - offset
        var roiW = endW - startW, roiH = endH - startH
        if !halfPixel { roiW = max(roiW, 1); roiH = max(roiH, 1) }
        guard roiW.isFinite, roiH.isFinite else { throw TensorError("RoiAlign: roi \(r) is not finite") }
        let binH = roiH / Double(outH), binW = roiW / Double(outW)
        let gh = ratio > 0 ? Double(ratio) : ceil(max(roiH, 0) / Double(outH))
        let gw = ratio > 0 ? Double(ratio) : ceil(max(roiW, 0) / Double(outW))
        guard gh <= 65536, gw <= 65536 else { throw TensorError("RoiAlign: roi \(r) is too large") }
        let gridH = Int(gh), gridW = Int(gw)
        var samples: [Sample] = []
        samples.reserveCapacity(outH * outW * gridH * gridW)
        for ph in 0..<outH {
            for pw in 0..<outW {
                for iy in 0..<gridH {
                    let y0 = startH + Double(ph) * binH + (Double(iy) + 0.5) * binH / Double(gridH)
                    for ix in 0..<gridW {
                        var xx = startW + Double(pw) * binW + (Double(ix) + 0.5) * binW / Double(gridW)
                        var y = y0
                        if y < -1 || y > Double(height) || xx < -1 || xx > Double(width) || height == 0 || width == 0 {
                            samples.append(Sample(pos: (0, 0, 0, 0), w: (0, 0, 0, 0)))
                            continue
                        }
                        y = max(y, 0); xx = max(xx, 0)
                        var yLow = Int(y), xLow = Int(xx), yHigh: Int, xHigh: Int
                        if yLow >= height - 1 { yLow = height - 1; yHigh = yLow; y = Double(yLow) } else { yHigh = yLow + 1 }
                        if xLow >= width - 1 { xLow = width - 1; xHigh = xLow; xx = Double(xLow) } else { xHigh = xLow + 1 }
                        let ly = y - Double(yLow), lx = xx - Double(xLow), hy = 1 - ly, hx = 1 - lx
                        samples.append(Sample(pos: (yLow * width + xLow, yLow * width + xHigh,
                                                    yHigh * width + xLow, yHigh * width + xHigh),
                                              w: (hy * hx, hy * lx, ly * hx, ly * lx)))
                    }
                }
            }
        }
        return ((gridH, gridW), samples)
    }
}
