import SurgeonTensor

/// NonMaxSuppression: per batch and class, greedily keeps the highest-scoring boxes whose IoU
/// with every kept box is at most `iou_threshold`, skipping scores not above
/// `score_threshold`, up to `max_output_boxes_per_class` (absent: 0). Boxes are
/// [y1, x1, y2, x2] (corners in any order) or, with `center_point_box`, [xc, yc, w, h].
/// Output: [selected, 3] int64 rows of (batch, class, box).
enum NonMaxSuppression {
    static func register(_ r: inout OpRegistry) {
        r.register("NonMaxSuppression", since: 10) { ctx in
            let boxes = try ctx.tensor(0), scores = try ctx.tensor(1)
            guard boxes.rank == 3, boxes.shape[2] == 4 else {
                throw ctx.error("boxes must be [batch, boxes, 4], got \(shapeString(boxes.shape))")
            }
            guard scores.rank == 3, scores.shape[0] == boxes.shape[0], scores.shape[2] == boxes.shape[1] else {
                throw ctx.error("scores \(shapeString(scores.shape)) do not fit boxes \(shapeString(boxes.shape))")
            }
            let maxOut = try ctx.optionalTensor(2).map { $0.count == 0 ? 0 : $0.intArray()[0] } ?? 0
            let iou = try ctx.optionalTensor(3).map { $0.count == 0 ? 0 : $0.doubleArray()[0] } ?? 0
            let scoreThreshold = try ctx.optionalTensor(4).flatMap { $0.count == 0 ? nil : $0.doubleArray()[0] }
            let center = try ctx.int("center_point_box", 0) != 0
            let batches = boxes.shape[0], classes = scores.shape[1], count = boxes.shape[1]
            let b = boxes.doubleArray(), s = scores.doubleArray()
            var rows: [Int64] = []
            if maxOut > 0 {
                for batch in 0..<batches {
                    // Corners as (ymin, xmin, ymax, xmax).
                    let corners: [(Double, Double, Double, Double)] = (0..<count).map { i in
                        let o = (batch * count + i) * 4
                        if center {
                            let xc = b[o], yc = b[o + 1], w = b[o + 2] / 2, h = b[o + 3] / 2
                            return (yc - h, xc - w, yc + h, xc + w)
                        }
                        return (min(b[o], b[o + 2]), min(b[o + 1], b[o + 3]), max(b[o], b[o + 2]), max(b[o + 1], b[o + 3]))
                    }
                    for cls in 0..<classes {
                        let base = (batch * classes + cls) * count
                        var candidates = (0..<count).filter { i in scoreThreshold.map { s[base + i] > $0 } ?? true }
                        candidates.sort { s[base + $0] > s[base + $1] || (s[base + $0] == s[base + $1] && $0 < $1) }
                        var kept: [Int] = []
                        for i in candidates {
                            if kept.count >= maxOut { break }
                            if kept.allSatisfy({ !suppresses(corners[i], corners[$0], iou) }) {
                                kept.append(i)
                                rows += [Int64(batch), Int64(cls), Int64(i)]
                            }
                        }
                    }
                }
            }
            return [.tensor(try Tensor(int64s: rows, shape: [rows.count / 3, 3]))]
        }
    }

    static func suppresses(_ a: (Double, Double, Double, Double), _ b: (Double, Double, Double, Double), _ threshold: Double) -> Bool {
        let ih = min(a.2, b.2) - max(a.0, b.0)
        let iw = min(a.3, b.3) - max(a.1, b.1)
        guard ih > 0, iw > 0 else { return false }
        let inter = ih * iw
        let areaA = (a.2 - a.0) * (a.3 - a.1), areaB = (b.2 - b.0) * (b.3 - b.1)
        let union = areaA + areaB - inter
        guard areaA > 0, areaB > 0, union > 0 else { return false }
        return inter / union > threshold
    }
}
