import SurgeonTensor

/// Col2Im (opset 18): scatter-adds columns `[N, C*prod(block), L]` back into images
/// `[N, C, image_shape...]` with strides, dilations and pads (the inverse of im2col).
enum Col2Im {
    static func register(_ r: inout OpRegistry) {
        r.register("Col2Im", since: 18) { ctx in
            let x = try ctx.tensor(0)
            let image = try ctx.tensor(1).intArray(), block = try ctx.tensor(2).intArray()
            let r = image.count
            guard r >= 1, block.count == r, x.rank == 3 else { throw ctx.error("needs 3-D input and matching image/block shapes") }
            let strides = try ctx.ints("strides") ?? Array(repeating: 1, count: r)
            let dil = try ctx.ints("dilations") ?? Array(repeating: 1, count: r)
            let pads = try ctx.ints("pads") ?? Array(repeating: 0, count: 2 * r)
            guard strides.count == r, dil.count == r, pads.count == 2 * r,
                  strides.allSatisfy({ $0 > 0 }), dil.allSatisfy({ $0 > 0 }), block.allSatisfy({ $0 > 0 }),
                  image.allSatisfy({ $0 >= 0 }) else {
                throw ctx.error("strides/dilations/pads/block_shape are invalid")
            }
            let k = block.reduce(1, *)
            guard x.shape[1] % k == 0 else { throw ctx.error("input channels \(x.shape[1]) are not a multiple of the block size \(k)") }
            let c = x.shape[1] / k, n = x.shape[0]
            var blocks = [Int](repeating: 0, count: r)
            for a in 0..<r {
                let span: Int = image[a] + pads[a] + pads[a + r] - ((block[a] - 1) * dil[a] + 1)
                blocks[a] = span < 0 ? 0 : span / strides[a] + 1
            }
            guard blocks.allSatisfy({ $0 >= 0 }), blocks.reduce(1, *) == x.shape[2] else {
                throw ctx.error("input has \(x.shape[2]) blocks, the geometry gives \(blocks.reduce(1, *))")
            }
            let l = x.shape[2]
            let imgSize = image.reduce(1, *)
            let imgStrides = contiguousStrides(image)
            let xv = x.doubleArray()
            var out = [Double](repeating: 0, count: try Tensor.checkedCount([n, c] + image, dtype: .float64))
            for b in 0..<n { for ch in 0..<c {
                forEachIndex(block) { kf, kidx in
                    let row = ((b * c + ch) * k + kf) * l
                    forEachIndex(blocks) { lf, lidx in
                        var off = 0
                        for a in 0..<r {
                            let p = lidx[a] * strides[a] - pads[a] + kidx[a] * dil[a]
                            if p < 0 || p >= image[a] { return }
                            off += p * imgStrides[a]
                        }
                        out[(b * c + ch) * imgSize + off] += xv[row + lf]
                    }
                }
            } }
            return [.tensor(try Tensor(doubles: out, shape: [n, c] + image, dtype: x.dtype))]
        }
    }
}
