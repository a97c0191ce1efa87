import Dispatch
import SurgeonTensor

/// Conv (opset 1, 11, 22): N-D convolution with groups, strides, dilations, pads / auto_pad
/// and bias. float32 (and float16/bfloat16 through float32) uses im2col + `sgemm` per group,
/// tiled so the column buffer stays small, with a direct loop for 2-D depthwise convolutions;
/// float64 runs the same code with `dgemm`.
enum Conv {
    static func register(_ r: inout OpRegistry) {
        r.register("Conv", since: 1) { ctx in
            let x = try ctx.tensor(0), w = try ctx.tensor(1)
            let b = try ctx.optionalTensor(2)
            return [.tensor(try conv(ctx: ctx, x: x, w: w, bias: b, epilogue: ctx.tileEpilogue))]
        }
    }

    /// Validates shapes and reads the attributes shared with ConvInteger / QLinearConv.
    static func setup(ctx: OpContext, xShape: [Int], wShape: [Int]) throws -> (SpatialGeometry, Int) {
        guard xShape.count >= 3, wShape.count == xShape.count else {
            throw ctx.error("X \(shapeString(xShape)) and W \(shapeString(wShape)) need one rank of 3 or more")
        }
        let group = try ctx.int("group", 1)
        guard group >= 1, xShape[1] % group == 0, wShape[0] % group == 0 else {
            throw ctx.error("group \(group) does not divide the channels (\(xShape[1]) in, \(wShape[0]) out)")
        }
        guard wShape[1] * group == xShape[1] else {
            throw ctx.error("W \(shapeString(wShape)) expects \(wShape[1] * group) input channels, X has \(xShape[1])")
        }
        let kernel = Array(wShape[2...])
        if let ks = try ctx.ints("kernel_shape"), ks != kernel {
            throw ctx.error("kernel_shape \(ks) does not match W \(shapeString(wShape))")
        }
        let geom = try SpatialGeometry.make(ctx: ctx, input: Array(xShape[2...]), kernel: kernel)
        return (geom, group)
    }

    /// - Parameter epilogue: per-value epilogues of a fused plan, applied to a float32 result
    ///   tile by tile (then `applied` is set); nil in plain runs.
    /// - Parameter halfWeights: a plan's call (PlanHalfWeights.swift) with a float32 `x` and
    ///   float16 / bfloat16 weights that `keepsHalfWeights` accepts: the weights are widened
    ///   block by block during the products (`HalfWeightRows`) instead of being copied.
    /// - Parameter tapWeights: a plan's kept copies of this constant weight for the tap paths
    ///   of `convCore` (PlanConvTapWeights.swift); nil copies them at every call.
    static func conv(ctx: OpContext, x: Tensor, w: Tensor, bias: Tensor?, epilogue: TileEpilogueOffer? = nil,
                     halfWeights: Bool = false, tapWeights: ConvTapWeights? = nil) throws -> Tensor {
        try requireFloat(x, "Conv", "X")
        let mixed = halfWeights && x.dtype == .float32 && keepsHalfWeights(w)
        guard w.dtype == x.dtype || mixed else { throw ctx.error("X and W types differ (\(x.dtype), \(w.dtype))") }
        let (geom, group) = try setup(ctx: ctx, xShape: x.shape, wShape: w.shape)
        let m = w.shape[0]
        if let bias, bias.count != m { throw ctx.error("B needs \(m) values, got \(bias.count)") }
        let outShape = [x.shape[0], m] + geom.output
        if x.dtype == .float64 {
            let y = try convFast(x: x.doubleArray(), xShape: x.shape, w: w.doubleArray(), wShape: w.shape,
                                 bias: bias?.doubleArray(), geom: geom, group: group)
            return try Tensor(doubles: y, shape: outShape, dtype: .float64)
        }
        if x.dtype == .float32 {
            // Straight from the input buffers into the output tensor, no copies. convCore
            // writes every output (the bias first, gemm with beta 0, or the depthwise loops'
            // bias + products): zeroing the buffer first was a wasted pass over memory (5-8%
            // of a CNN run with biases, 4% of squeezenet1_1 whose fused convs have none).
            let (buf, yb, count) = try newOutput(outShape, Float.self)
            let tile = epilogue?.epilogue
            try convFloat32(x: x, w: w, mixed: mixed, bias: bias, geom: geom, group: group, y: yb, count: count, epilogue: tile,
                            taps: mixed ? nil : tapWeights?.source(for: w))
            epilogue?.applied = tile != nil
            return Tensor(dtype: .float32, shape: outShape, buffer: buf)
        }
        // float16 / bfloat16: one conversion in and out, the products in float32 (as onnxruntime).
        // The weights' float32 copy is made once and kept with them (not on every run). The
        // epilogues run on the half result, as the plan has them.
        return try conv(ctx: ctx, x: x.cast(to: .float32), w: w.float32Copy(),
                        bias: bias?.float32Copy()).cast(to: x.dtype)
    }

    /// Conv's float32 result (`count` values, `[N, M, output...]`) written into `y`, then
    /// `epilogue`: straight from the input buffers through `convCore`, or, with no input
    /// channels or an empty batch, every output its channel's bias. `Conv.conv` and the plan's
    /// kept-tile Conv (PlanKeptTile.swift), which only differ in where `y` lives, both use it.
    static func convFloat32(x: Tensor, w: Tensor, mixed: Bool, bias: Tensor?, geom: SpatialGeometry, group: Int,
                            y yb: UnsafeMutablePointer<Float>, count: Int, epilogue tile: TileEpilogue?,
                            taps: ConvTapSource? = nil) throws {
        let m = w.shape[0]
        let b: [Float]? = try bias.map { try $0.cast(to: .float32).scalars(of: Float.self) }
        try x.withUnsafeBuffer(of: Float.self) { px in
            try withWeights(w, mixed: mixed) { wb, half in
                if x.count > 0 && w.count > 0, let xb = px.baseAddress, let wb {
                    try convCore(x: xb, xShape: x.shape, w: wb, wShape: w.shape, bias: b, geom: geom,
                                 group: group, y: yb, epilogue: tile, halfWeights: half, taps: taps)
                } else {
                    // No input channels (or an empty batch): every output is its channel's bias.
                    let per = count / max(1, x.shape[0] * m)
                    for i in 0..<(count / max(1, per)) { (yb + i * per).initialize(repeating: b?[i % m] ?? 0, count: per) }
                    tile?.apply(yb, count)
                }
            }
        }
    }

    /// float32 weights as they are, or half weights as `HalfWeightRows` (then the pointer is
    /// their address, only to be passed on: convCore does not read it).
    static func withWeights(_ w: Tensor, mixed: Bool,
                            _ body: (UnsafePointer<Float>?, HalfWeightRows?) throws -> Void) throws {
        guard mixed else {
            try w.withUnsafeBuffer(of: Float.self) { try body($0.baseAddress, nil) }
            return
        }
        let bits = w.rawPointer.assumingMemoryBound(to: UInt16.self)
        try body(UnsafeRawPointer(bits).assumingMemoryBound(to: Float.self),
                 HalfWeightRows(bits: bits, bfloat: w.dtype == .bfloat16))
    }

    /// The fast convolution on arrays (Float with sgemm, Double with dgemm). Same contract as
    /// `ConvReference.conv`.
    static func convFast<T: GemmScalar>(x: [T], xShape: [Int], w: [T], wShape: [Int], bias: [T]?,
                                        geom: SpatialGeometry, group: Int, epilogue: TileEpilogue? = nil,
                                        packedLevel: Int = ConvPacked.defaultLevel,
                                        directLevel: Int = ConvDirect.defaultLevel) throws -> [T] {
        let outCount = try Tensor.checkedCount([xShape[0], wShape[0]] + geom.output, dtype: .float32)
        var y = [T](repeating: 0, count: outCount)
        try x.withUnsafeBufferPointer { px in
            try w.withUnsafeBufferPointer { pw in
                try y.withUnsafeMutableBufferPointer { py in
                    guard let xb = px.baseAddress, let wb = pw.baseAddress, let yb = py.baseAddress else { return }
                    try convCore(x: xb, xShape: xShape, w: wb, wShape: wShape, bias: bias, geom: geom, group: group, y: yb,
                                 epilogue: epilogue, packedLevel: packedLevel, directLevel: directLevel)
                }
            }
        }
        return y
    }

    /// im2col + gemm per group (tiled so the column buffer stays small), direct loops for 2-D
    /// depthwise, plain gemm for 1×1 stride-1 unpadded kernels. `y`
    /// (`[N, M, output...]`) must hold zeros on entry for a depthwise convolution without
    /// bias of another type than Float; every other path overwrites it.
    /// - Parameter epilogue: applied (T = Float only) to each tile of the output right after
    ///   it is computed, while it is in cache. Tiles do not depend on it: a result with it is
    ///   the result without it, then the epilogue, bit for bit.
    /// - Parameter packedLevel: the packed-GEMM kernel level for im2col products of float32
    ///   weights (`ConvPacked`), -1 for OpenBLAS through ConvPacked's tiles, -2 for the
    ///   tiles below (tests compare them).
    /// - Parameter directLevel: the kernel level for float32 2-D convolutions without im2col
    ///   columns (`ConvDirect`), -1 to leave them to the im2col paths.
    /// For a 2-D convolution some of whose kernel rows or columns read only padding at every
    /// output position: the taps that read the input along each axis (a contiguous range) and
    /// the geometry of the smaller kernel over them (pads reduced by the dropped taps, the same
    /// output). Nil when every tap reads the input somewhere, no tap does, or a pad would go
    /// negative.
    static func liveTaps(inSp: [Int], geom: SpatialGeometry) -> ([Range<Int>], SpatialGeometry)? {
        guard geom.rank == 2, inSp.count == 2 else { return nil }
        var ranges: [Range<Int>] = [], kernel: [Int] = [], pb: [Int] = [], pe: [Int] = []
        for a in 0..<2 {
            let k = geom.kernel[a], s = geom.strides[a], d = geom.dilations[a], out = geom.output[a]
            guard k >= 1, s >= 1, d >= 1, out >= 1 else { return nil }
            let live = (0..<k).filter { t in
                // The first output position at or past the input's start, and whether it is inside.
                let need = geom.padBegin[a] - t * d
                let y0 = need <= 0 ? 0 : (need + s - 1) / s
                return y0 < out && y0 * s - geom.padBegin[a] + t * d < inSp[a]
            }
            guard let lo = live.first, let hi = live.last, live.count == hi - lo + 1 else { return nil }
            ranges.append(lo..<(hi + 1))
            kernel.append(hi - lo + 1)
            pb.append(geom.padBegin[a] - lo * d)
            pe.append(geom.padEnd[a] - (k - 1 - hi) * d)
        }
        guard kernel != geom.kernel, pb.allSatisfy({ $0 >= 0 }), pe.allSatisfy({ $0 >= 0 }) else { return nil }
        return (ranges, SpatialGeometry(kernel: kernel, strides: geom.strides, dilations: geom.dilations,
                                        padBegin: pb, padEnd: pe, output: geom.output))
    }

    static func convCore<T: GemmScalar>(x xb: UnsafePointer<T>, xShape: [Int], w wb: UnsafePointer<T>, wShape: [Int],
                                        bias: [T]?, geom g0: SpatialGeometry, group: Int,
                                        y yb: UnsafeMutablePointer<T>, epilogue: TileEpilogue? = nil,
                                        halfWeights: HalfWeightRows? = nil,
                                        packedLevel: Int = ConvPacked.defaultLevel,
                                        directLevel: Int = ConvDirect.defaultLevel,
                                        taps: ConvTapSource? = nil) throws {
        var xs = xShape, ws = wShape, geom = g0
        if geom.rank == 1 {
            // 1-D as 2-D with a unit height.
            xs.insert(1, at: 2); ws.insert(1, at: 2)
            geom = SpatialGeometry(kernel: [1] + geom.kernel, strides: [1] + geom.strides,
                                   dilations: [1] + geom.dilations, padBegin: [0] + geom.padBegin,
                                   padEnd: [0] + geom.padEnd, output: [1] + geom.output)
        }
        let n = xs[0], c = xs[1], m = ws[0]
        let cg = c / group, mg = m / group
        let inSp = Array(xs[2...]), outSp = geom.output, kSp = geom.kernel
        let inSize = inSp.reduce(1, *), outSize = outSp.reduce(1, *), kSize = kSp.reduce(1, *)
        if outSize == 0 || n == 0 || m == 0 { return }
        let r = inSp.count
        let depthwise = cg == 1 && mg == 1 && r == 2
        // Half weights (T = Float only): read by the products a block of rows at a time
        // (`product`); a depthwise kernel reads them whole, widened once here.
        let halfRows: HalfWeightRows? = T.self == Float.self ? halfWeights : nil
        if let halfRows, depthwise {
            let count = m * kSize
            let wide = ScratchMemory.allocate(Float.self, count: count)
            defer { ScratchMemory.release(wide, count: count) }
            halfRows.widen(halfRows.bits, count: count, into: wide)
            try convCore(x: xb, xShape: xShape, w: UnsafeRawPointer(wide).assumingMemoryBound(to: T.self), wShape: wShape,
                         bias: bias, geom: g0, group: group, y: yb, epilogue: epilogue)
            return
        }

        let pointwiseGeometry = kSp.allSatisfy { $0 == 1 } && geom.strides.allSatisfy { $0 == 1 }
            && geom.padBegin.allSatisfy { $0 == 0 } && geom.padEnd.allSatisfy { $0 == 0 }
        if let halfRows, directLevel >= 0,
           pointwiseGeometry || ((inSp.count == 2 || inSp.count == 3) && kSize > geom.strides.reduce(1, *)) {
            // Where the float32 weights would reach ConvDirect (every tap reads the input, in
            // every region), ConvDirect reads the half weights themselves: its kernel widens each
            // register tile into the L1 copy it makes of float32 weights too (the same bits), so
            // no float32 copy of the weights goes through memory (resnet18_fp16's 3x3 convs).
            if !pointwiseGeometry, T.self == Float.self, liveTaps(inSp: inSp, geom: geom) == nil,
               ConvRegions.plan(inSp: inSp, geom: geom, channelsPerGroup: cg, outputsPerGroup: mg) == nil {
                let shape = ConvPacked.Shape(n: n, c: c, m: m, group: group, inSp: inSp, inStrides: contiguousStrides(inSp),
                                             inSize: inSize, outSp: outSp, outSize: outSize, kSize: kSize, geom: geom)
                let f = { (p: UnsafePointer<T>) in UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
                let done = withOptionalBuffer(bias) { pb in
                    ConvDirect.run(x: f(xb), weights: .half(halfRows), bias: pb.map(f), shape: shape,
                                   y: UnsafeMutableRawPointer(yb).assumingMemoryBound(to: Float.self),
                                   epilogue: T.self == Float.self ? epilogue : nil, level: directLevel)
                }
                if done { return }
            }
            // Half weights for ConvPointwise (and ConvDirect elsewhere), which read float32
            // weights in place: all of them widened once (what the block-by-block products widen
            // in a call as well).
            let count = m * cg * kSize
            let wide = ScratchMemory.allocate(Float.self, count: count)
            defer { ScratchMemory.release(wide, count: count) }
            halfRows.widen(halfRows.bits, count: count, into: wide)
            try convCore(x: xb, xShape: xShape, w: UnsafeRawPointer(wide).assumingMemoryBound(to: T.self), wShape: wShape,
                         bias: bias, geom: g0, group: group, y: yb, epilogue: epilogue, packedLevel: packedLevel,
                         directLevel: directLevel)
            return
        }
        if halfRows == nil, let (live, liveGeom) = liveTaps(inSp: inSp, geom: geom) {
            // Kernel rows / columns that only ever read padding (DeepLabV3's ASPP: 3x3 with dilation 24
            // and 36 on a 14x14 map is a 1x1): a smaller kernel over the taps that read the input.
            let liveK = liveGeom.kernel.reduce(1, *), count = m * cg * liveK
            if liveK == 1, T.self == Float.self,
               let kept = taps?.singleTap(live[0].lowerBound * kSp[1] + live[1].lowerBound) {
                // The slice kept by the plan, the values the copy below would make.
                try convCore(x: xb, xShape: xs, w: UnsafeRawPointer(kept).assumingMemoryBound(to: T.self),
                             wShape: [m, cg] + liveGeom.kernel, bias: bias, geom: liveGeom, group: group, y: yb,
                             epilogue: epilogue, packedLevel: packedLevel, directLevel: directLevel)
                return
            }
            let wl = ScratchMemory.allocate(T.self, count: count)
            defer { ScratchMemory.release(wl, count: count) }
            var q = 0
            for row in 0..<(m * cg) {
                let src = wb + row * kSize
                for kh in live[0] { for kw in live[1] { wl[q] = src[kh * kSp[1] + kw]; q += 1 } }
            }
            try convCore(x: xb, xShape: xs, w: wl, wShape: [m, cg] + liveGeom.kernel, bias: bias, geom: liveGeom,
                         group: group, y: yb, epilogue: epilogue, packedLevel: packedLevel, directLevel: directLevel)
            return
        }
        if T.self == Float.self, halfRows == nil, !depthwise,
           let ranges = ConvRegions.plan(inSp: inSp, geom: geom, channelsPerGroup: cg, outputsPerGroup: mg) {
            // Taps that read the input for only part of the outputs (DeepLabV3's dilation-12
            // ASPP): each tap over its own outputs (ConvRegions.swift).
            let f = { (p: UnsafePointer<T>) in UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
            withOptionalBuffer(bias) { pb in
                ConvRegions.run(x: f(xb), xShape: xs, w: f(wb), wShape: ws, bias: pb.map(f), geom: geom, group: group,
                                ranges: ranges, y: UnsafeMutableRawPointer(yb).assumingMemoryBound(to: Float.self),
                                epilogue: epilogue, regrouped: taps?.regrouped())
            }
            return
        }

        let isPointwise = pointwiseGeometry
        let inStrides = contiguousStrides(inSp)
        let outerOut = Array(outSp.dropLast())

        // The bias goes in first and the products add to it (gemm beta 1). (With beta 0,
        // OpenBLAS zeroes C in a pass of its own, sgemm_beta, before adding the products:
        // adding the bias after the product instead was slower.)
        let beta: T = bias == nil ? 0 : 1
        func fillBias(_ b: Int, _ oc0: Int, _ count: Int, col0: Int, cols: Int) {
            guard let bias else { return }
            for oc in oc0..<(oc0 + count) {
                (yb + (b * m + oc) * outSize + col0).update(repeating: bias[oc], count: cols)
            }
        }
        // y rows `c` (ldc apart) = weight rows [row0, row0 + rows) (`k` values each) × `b`: from
        // the weights themselves, or with half weights one block of columns (the inner
        // dimension) at a time, widened into `scratch` (`weightScratch(k)` values) right before
        // its product, which adds to what the blocks before it wrote.
        func product(row0: Int, rows: Int, k: Int, b: UnsafePointer<T>, ldb: Int, n: Int,
                     c: UnsafeMutablePointer<T>, ldc: Int, threads: Int, scratch: UnsafeMutablePointer<T>?) {
            guard let halfRows, let scratch else {
                T.gemm(transA: false, transB: false, m: rows, n: n, k: k, alpha: 1, a: wb + row0 * k, lda: k,
                       b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
                return
            }
            let block = halfRows.blockColumns(rows: rows, rowLength: k)
            var k0 = 0
            repeat {
                let kc = min(block, k - k0)
                halfRows.widen(row0: row0, rows: rows, rowLength: k, column0: k0, columns: kc,
                               into: UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: Float.self))
                T.gemm(transA: false, transB: false, m: rows, n: n, k: kc, alpha: 1, a: scratch, lda: kc,
                       b: b + k0 * ldb, ldb: ldb, beta: k0 == 0 ? beta : 1, c: c, ldc: ldc, threads: threads)
                k0 += kc
            } while k0 < k
        }
        // Values of a product's weight scratch (0: none, the weights are read in place).
        func weightScratch(_ k: Int) -> Int {
            halfRows.map { mg * $0.blockColumns(rows: mg, rowLength: k) } ?? 0
        }
        // The epilogue on a tile just computed (`rows` channels of `cols` values from `p`),
        // while it is in cache.
        let tileEpilogue: TileEpilogue? = T.self == Float.self ? epilogue : nil
        func finish(_ p: UnsafeMutablePointer<T>, rows: Int, cols: Int) {
            guard let tileEpilogue else { return }
            tileEpilogue.apply(UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self), rows: rows, cols: cols, stride: outSize)
        }
        if depthwise && T.self == Float.self && n * c >= DepthwiseInterleaved.minimumPlanes {
            // Float, eight planes at a time (DepthwiseConv.swift), which writes bias + products.
            let layout = DepthwiseInterleaved(h: inSp[0], w: inSp[1], geom: geom)
            let groups = (n * c + 7) / 8
            let grain = max(1, parallelGrain / max(1, 8 * outSize * kSize))
            let xf = UnsafeRawPointer(xb).assumingMemoryBound(to: Float.self)
            let wf = UnsafeRawPointer(wb).assumingMemoryBound(to: Float.self)
            let yf = UnsafeMutableRawPointer(yb).assumingMemoryBound(to: Float.self)
            let bf: [Float]? = bias.map { $0.map { Float($0) } }
            parallelChunks(groups, grain: grain) { range in
                let scratch = ScratchMemory.allocate(SIMD8<Float>.self, count: layout.scratchCount)
                scratch.initialize(repeating: SIMD8<Float>(), count: layout.scratchCount)
                let results = ScratchMemory.allocate(SIMD8<Float>.self, count: layout.resultCount)
                let taps = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: kSize)
                defer {
                    ScratchMemory.release(scratch, count: layout.scratchCount)
                    ScratchMemory.release(results, count: layout.resultCount)
                    taps.deallocate()
                }
                for g in range {
                    layout.run(src: xf, first: g * 8, count: min(8, n * c - g * 8), channels: c, kernel: wf,
                               bias: bf, dst: yf, epilogue: tileEpilogue, scratch: scratch, results: results, taps: taps)
                }
            }
            return
        }
        if depthwise && T.self == Float.self {
            // Float: through a padded copy per band (depthwise2DFloat), which writes bias + products.
            let layout = DepthwiseLayout(h: inSp[0], w: inSp[1], geom: geom)
            let grain = max(1, parallelGrain / max(1, outSize * kSize))
            let xf = UnsafeRawPointer(xb).assumingMemoryBound(to: Float.self)
            let wf = UnsafeRawPointer(wb).assumingMemoryBound(to: Float.self)
            let yf = UnsafeMutableRawPointer(yb).assumingMemoryBound(to: Float.self)
            // Channels (of every batch item) are independent: a contiguous run per kernel thread,
            // each with its own scratch.
            parallelChunks(n * c, grain: grain) { range in
                let scratch = ScratchMemory.allocate(Float.self, count: layout.scratchCount)
                defer { ScratchMemory.release(scratch, count: layout.scratchCount) }
                for item in range {
                    let ch = item % c
                    depthwise2DFloat(src: xf + item * inSize, layout: layout, kernel: wf + ch * kSize,
                                     bias: bias.map { Float($0[ch]) } ?? 0, scratch: scratch, dst: yf + item * outSize,
                                     epilogue: tileEpilogue)
                }
            }
            return
        }
        if depthwise {
            let (h, w) = (inSp[0], inSp[1])
            // Channels (of every batch item) are independent: spread them over the kernel threads.
            parallelItems(n * c, costPerItem: outSize * kSize) { item in
                let b = item / c, ch = item % c
                fillBias(b, ch, 1, col0: 0, cols: outSize)
                depthwise2D(src: xb + item * inSize, h: h, w: w, kernel: wb + ch * kSize, geom: geom,
                            dst: yb + (b * m + ch) * outSize)
                finish(yb + (b * m + ch) * outSize, rows: 1, cols: outSize)
            }
            return
        }
        if isPointwise && T.self == Float.self && halfRows == nil && directLevel >= 0 {
            // Our own kernel (ConvPointwise.swift): the same bits whatever the thread count.
            let f = { (p: UnsafePointer<T>) in UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
            let done = withOptionalBuffer(bias) { pb in
                ConvPointwise.run(x: f(xb), w: f(wb), bias: pb.map(f), n: n, c: c, m: m, group: group, pixels: outSize,
                                  y: UnsafeMutableRawPointer(yb).assumingMemoryBound(to: Float.self),
                                  epilogue: tileEpilogue, level: directLevel)
            }
            if done { return }
        }
        if isPointwise {
            // OpenBLAS (float64, or without the vector kernels). One product per (batch, group), the epilogue right after it (the whole block, or
            // its rows split among the kernel threads when the product was). Not tiled by
            // columns: tiles of 64K-128K floats measured no faster (the epilogues are bound by
            // their arithmetic, not by memory, and the bias written as one short segment per
            // channel and tile was slower than one sequential stream; see DECISIONS.md). The
            // (batch, group) blocks are shared among the kernel threads when there are enough.
            let items = n * group
            let threads = max(1, kernelThreads)
            let split = threads > 1 && items >= threads
            let run = { (item: Int) in
                let gi = item % group, b = item / group
                let yt = yb + (b * m + gi * mg) * outSize
                fillBias(b, gi * mg, mg, col0: 0, cols: outSize)
                let wsCount = weightScratch(cg)
                let ws = wsCount > 0 ? ScratchMemory.allocate(T.self, count: wsCount) : nil
                defer { if let ws { ScratchMemory.release(ws, count: wsCount) } }
                product(row0: gi * mg, rows: mg, k: cg, b: xb + (b * c + gi * cg) * inSize, ldb: inSize, n: outSize,
                        c: yt, ldc: outSize, threads: split ? 1 : threads, scratch: ws)
                if split || tileEpilogue == nil {
                    finish(yt, rows: mg, cols: outSize)
                } else {
                    parallelItems(mg, costPerItem: outSize) { r in finish(yt + r * outSize, rows: 1, cols: outSize) }
                }
            }
            if split {
                parallelItems(items, costPerItem: mg * cg * outSize) { run($0) }
            } else {
                for item in 0..<items { run(item) }
            }
            return
        }
        // Float: first ConvDirect.swift (2-D / 3-D, no im2col columns: taps read a padded copy
        // of the input in place), only where im2col would copy the input more than once (not a
        // strided 1×1, a subsampling copy, nor a "patchify" convolution whose stride is its
        // kernel, ConvNeXt's 4×4 stem and 2×2 downsampling: measured slower through the phase
        // planes); then ConvPacked.swift (the packed-GEMM kernel or OpenBLAS on im2col tiles
        // balanced among the threads). Each when the sizes fit it.
        let direct = directLevel >= 0 && (r == 2 || r == 3) && kSize > geom.strides.reduce(1, *)
        if T.self == Float.self, halfRows == nil, direct || packedLevel >= -1 {
            let shape = ConvPacked.Shape(n: n, c: c, m: m, group: group, inSp: inSp, inStrides: inStrides, inSize: inSize,
                                         outSp: outSp, outSize: outSize, kSize: kSize, geom: geom)
            let f = { (p: UnsafePointer<T>) in UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
            let yf = UnsafeMutableRawPointer(yb).assumingMemoryBound(to: Float.self)
            let done = withOptionalBuffer(bias) { pb in
                (direct && ConvDirect.run(x: f(xb), w: f(wb), bias: pb.map(f), shape: shape, y: yf, epilogue: tileEpilogue,
                                          level: directLevel))
                    || (packedLevel >= -1 && ConvPacked.run(x: f(xb), w: f(wb), bias: pb.map(f), shape: shape, y: yf,
                                                            epilogue: tileEpilogue, level: packedLevel))
            }
            if done { return }
        }
        // im2col + gemm on tiles of output rows (a row = all positions along the last axis):
        // at least ~256 columns per tile (OpenBLAS packs the weights once per call), and the
        // column buffer near 1 MB so it is still in cache when gemm packs it. The tiles of every
        // (batch, group) are shared among the kernel threads, each with its own buffer; with
        // fewer tiles than threads, the tiles run in turn and each product is split instead.
        let last = outSp[r - 1]
        let rows = outSize / last
        let colRows = cg * kSize
        let minRows = (256 + last - 1) / last
        let tileRows = max(1, min(rows, max(minRows, (1 << 18) / max(1, colRows * last))))
        let tilesPerGroup = (rows + tileRows - 1) / tileRows
        let items = n * group * tilesPerGroup
        let threads = max(1, kernelThreads)
        let workers = items >= threads ? threads : 1
        let gemmThreads = workers > 1 ? 1 : threads
        let colCount = colRows * tileRows * last
        let wsCount = weightScratch(colRows)
        // Every element of a column buffer is written by im2col before gemm reads it. A column
        // buffer is followed by the weight scratch of half weights.
        let run: (Int, UnsafeMutablePointer<T>) -> Void = { item, cb in
            let tile = item % tilesPerGroup, gi = (item / tilesPerGroup) % group, b = item / (tilesPerGroup * group)
            let row0 = tile * tileRows
            let nr = min(tileRows, rows - row0)
            let ncol = nr * last
            let xg = xb + (b * c + gi * cg) * inSize
            fillBias(b, gi * mg, mg, col0: row0 * last, cols: ncol)
            if r == 2 {
                im2col2D(src: xg, channels: cg, h: inSp[0], w: inSp[1], geom: geom, row0: row0, rowCount: nr, dst: cb)
            } else {
                im2col(src: xg, channels: cg, inSp: inSp, inStrides: inStrides, inSize: inSize,
                       geom: geom, outerOut: outerOut, last: last, row0: row0, rowCount: nr, dst: cb)
            }
            let yt = yb + (b * m + gi * mg) * outSize + row0 * last
            product(row0: gi * mg, rows: mg, k: colRows, b: cb, ldb: ncol, n: ncol, c: yt, ldc: outSize,
                    threads: gemmThreads, scratch: wsCount > 0 ? cb + colCount : nil)
            finish(yt, rows: mg, cols: ncol)
        }
        if workers == 1 {
            let cb = ScratchMemory.allocate(T.self, count: colCount + wsCount)
            defer { ScratchMemory.release(cb, count: colCount + wsCount) }
            for item in 0..<items { run(item, cb) }
            return
        }
        let per = (items + workers - 1) / workers
        parallelFor(workers, threads: workers) { wi in
            let lo = wi * per, hi = min(items, lo + per)
            guard lo < hi else { return }
            let cb = ScratchMemory.allocate(T.self, count: colCount + wsCount)
            defer { ScratchMemory.release(cb, count: colCount + wsCount) }
            for item in lo..<hi { run(item, cb) }
        }
    }

    /// One kernel tap's row of the column buffer: for output rows row0 ..< row0 + rowCount, the
    /// values tap (ky, kx) reads from the channel at `chBase` (h × w), rowCount × output width
    /// at `out`, zero where it reads padding.
    @inline(__always)
    static func im2colTapRow<T: GemmScalar>(_ out: UnsafeMutablePointer<T>, channel chBase: UnsafePointer<T>, h: Int, w: Int,
                                            geom: SpatialGeometry, ky: Int, kx: Int, row0: Int, rowCount: Int) {
        let sh = geom.strides[0], sw = geom.strides[1], dh = geom.dilations[0], dw = geom.dilations[1]
        let ph = geom.padBegin[0], pw = geom.padBegin[1]
        let last = geom.output[1]
        let kOffL = kx * dw - pw
        // Output columns j whose input column j*sw + kOffL lies in [0, w): jLo ..< jHi.
        let jLo = min(last, kOffL >= 0 ? 0 : (-kOffL + sw - 1) / sw)
        let jHi = max(jLo, w - 1 - kOffL < 0 ? 0 : min(last, (w - 1 - kOffL) / sw + 1))
        for rr in 0..<rowCount {
            let o = out + rr * last
            let iy = (row0 + rr) * sh - ph + ky * dh
            if iy < 0 || iy >= h {
                o.update(repeating: 0, count: last)
                continue
            }
            fillColumnRow(o, from: chBase + iy * w, jLo: jLo, jHi: jHi, last: last, step: sw, offset: kOffL)
        }
    }

    /// `im2col` for 2-D inputs (`[channels, h, w]` at `src`): the same buffer, without the
    /// N-D index bookkeeping.
    static func im2col2D<T: GemmScalar>(src: UnsafePointer<T>, channels: Int, h: Int, w: Int, geom: SpatialGeometry,
                                        row0: Int, rowCount: Int, dst: UnsafeMutablePointer<T>) {
        let kh = geom.kernel[0], kw = geom.kernel[1]
        let last = geom.output[1]
        let ncol = rowCount * last
        let kSize = kh * kw
        for ch in 0..<channels {
            let chBase = src + ch * h * w
            for ky in 0..<kh {
                for kx in 0..<kw {
                    im2colTapRow(dst + (ch * kSize + ky * kw + kx) * ncol, channel: chBase, h: h, w: w, geom: geom,
                                 ky: ky, kx: kx, row0: row0, rowCount: rowCount)
                }
            }
        }
    }

    /// Fills `dst` (`channels * kSize` rows × `rowCount * last` columns) with the input patches
    /// of output rows `row0 ..< row0 + rowCount` (a row = all positions along the last axis).
    static func im2col<T: GemmScalar>(src: UnsafePointer<T>, channels: Int, inSp: [Int], inStrides: [Int], inSize: Int,
                       geom: SpatialGeometry, outerOut: [Int], last: Int, row0: Int, rowCount: Int,
                       dst: UnsafeMutablePointer<T>) {
        let r = inSp.count
        let kSp = geom.kernel
        let kSize = kSp.reduce(1, *)
        let ncol = rowCount * last
        let sL = geom.strides[r - 1], dL = geom.dilations[r - 1], pL = geom.padBegin[r - 1], wL = inSp[r - 1]
        // Outer output indices of each row in the tile.
        var rowIdx: [[Int]] = []
        rowIdx.reserveCapacity(rowCount)
        let outerStrides = contiguousStrides(outerOut)
        for rr in 0..<rowCount {
            var rem = row0 + rr
            var idx = [Int](repeating: 0, count: outerOut.count)
            for a in 0..<outerOut.count { idx[a] = rem / outerStrides[a]; rem %= outerStrides[a] }
            rowIdx.append(idx)
        }
        var kidx = [Int](repeating: 0, count: r)
        for k in 0..<kSize {
            // Decompose k into the kernel multi-index.
            var rem = k
            for a in stride(from: r - 1, through: 0, by: -1) { kidx[a] = rem % kSp[a]; rem /= kSp[a] }
            let kOffL = kidx[r - 1] * dL - pL
            // Output columns j whose input column j*sL + kOffL lies in [0, wL): jLo ..< jHi.
            let jLo = min(last, kOffL >= 0 ? 0 : (-kOffL + sL - 1) / sL)
            let jHi = max(jLo, wL - 1 - kOffL < 0 ? 0 : min(last, (wL - 1 - kOffL) / sL + 1))
            for ch in 0..<channels {
                let out = dst + (ch * kSize + k) * ncol
                let chBase = src + ch * inSize
                for rr in 0..<rowCount {
                    let o = out + rr * last
                    var off = 0
                    var valid = true
                    let ri = rowIdx[rr]
                    for a in 0..<(r - 1) {
                        let p = ri[a] * geom.strides[a] - geom.padBegin[a] + kidx[a] * geom.dilations[a]
                        if p < 0 || p >= inSp[a] { valid = false; break }
                        off += p * inStrides[a]
                    }
                    if !valid {
                        o.update(repeating: 0, count: last)
                        continue
                    }
                    fillColumnRow(o, from: chBase + off, jLo: jLo, jHi: jHi, last: last, step: sL, offset: kOffL)
                }
            }
        }
    }

    /// One im2col row segment of `last` columns: `line[j*step + offset]` for j in jLo..<jHi,
    /// zeros outside (the taps that fall in the padding).
    @inline(__always)
    static func fillColumnRow<T: GemmScalar>(_ o: UnsafeMutablePointer<T>, from line: UnsafePointer<T>, jLo: Int, jHi: Int,
                                             last: Int, step: Int, offset: Int) {
        if jLo > 0 { o.update(repeating: 0, count: jLo) }
        if step == 1 {
            (o + jLo).update(from: line + (jLo + offset), count: jHi - jLo)
        } else {
            var p = jLo &* step &+ offset
            var j = jLo
            if step == 2 && T.self == Float.self {
                // 4 columns from 8 values (their even lanes), while the 8th value is one the row
                // still holds (j + 4 < jHi: column j + 4 reads inside the row).
                let lf = UnsafeRawPointer(line).assumingMemoryBound(to: Float.self)
                let of = UnsafeMutableRawPointer(o).assumingMemoryBound(to: Float.self)
                while j &+ 4 < jHi {
                    let v = UnsafeRawPointer(lf + p).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(of + j).storeBytes(of: v.evenHalf, as: SIMD4<Float>.self)
                    j &+= 4; p &+= 8
                }
            }
            while j < jHi { o[j] = line[p]; p &+= step; j &+= 1 }
        }
        if jHi < last { (o + jHi).update(repeating: 0, count: last - jHi) }
    }

    /// `depthwise2D` for Float, one channel at a time through a zero-padded copy of its input:
    /// band by band (see `DepthwiseLayout`), the rows an output band reads are copied into
    /// `scratch` with the pads as zeros and each row split into `sw` phases (columns x ≡ p mod
    /// sw), so every tap of every output is a unit-stride vector load and there is no border
    /// path. Outputs go in tiles of 4 rows × 8 (or, for the last 1-4 columns, 4) columns, eight
    /// independent SIMD4 sums per tile so the adds' latency overlaps (and the 4 rows share each
    /// tap's broadcast); a tile's rows past the
    /// band and columns past the row read the copy's slack and are not stored. Writes `dst`
    /// (`bias` + the products, then `epilogue` on each band while it is in cache); `scratch`
    /// holds `layout.scratchCount` floats.
    static func depthwise2DFloat(src: UnsafePointer<Float>, layout l: DepthwiseLayout, kernel: UnsafePointer<Float>,
                                 bias: Float, scratch: UnsafeMutablePointer<Float>, dst: UnsafeMutablePointer<Float>,
                                 epilogue: TileEpilogue? = nil) {
        l.offsets.withUnsafeBufferPointer { ob in
            guard let off = ob.baseAddress else { return }
            var i0 = 0
            while i0 < l.oh {
                let nr = min(l.bandRows, l.oh &- i0)
                fillBand(src: src, layout: l, firstRow: i0 &* l.sh &- l.ph,
                         rows: ((nr &+ 3) / 4 &* 4 &- 1) &* l.sh &+ l.extentRows, scratch: scratch)
                let out = dst + i0 &* l.ow
                switch l.taps {
                case 9: depthwiseBand(l, 9, off, kernel, bias, scratch, out, nr)
                case 25: depthwiseBand(l, 25, off, kernel, bias, scratch, out, nr)
                default: depthwiseBand(l, l.taps, off, kernel, bias, scratch, out, nr)
                }
                epilogue?.apply(out, nr &* l.ow)
                i0 &+= nr
            }
        }
    }

    /// Copies input rows `firstRow ..< firstRow + rows` (zeros outside `[0, h)`) into `scratch`,
    /// each as `sw` phase segments of `q` values: segment p index k is padded column k * sw + p
    /// (input column k * sw + p - pw, zero outside `[0, w)`). The indices that read pads are
    /// zeroed, the others read straight from the input: stride 1 as one run (memmove), else 4
    /// indices at a time where all of them are inside the row (stride 2 as 8 values split into
    /// even and odd lanes), one at a time at the two ends.
    @inline(never)
    static func fillBand(src: UnsafePointer<Float>, layout l: DepthwiseLayout, firstRow: Int, rows: Int,
                         scratch: UnsafeMutablePointer<Float>) {
        let sw = l.sw, q = l.q, w = l.w, pw = l.pw, stride = l.rowStride
        // Index kA is the first whose phase 0 reads inside the row; below kA - 1 all read pads.
        let kA = min(q, (pw &+ sw &- 1) / sw)
        let zero = SIMD4<Float>()
        // Phase p's indices lo[p] ..< hi[p] read inside the row (and are copied below); only
        // the others are zeroed (zeroing whole rows first was a third of the copy's time).
        // At most 4 phases are kept here; wider strides zero whole rows.
        var lo = SIMD4<Int>(), hi = SIMD4<Int>()
        let split = sw <= 4
        if split {
            for p in 0..<sw {
                lo[p] = min(q, (pw &- p &+ sw &- 1) / sw)
                let t = w &- 1 &+ pw &- p
                hi[p] = max(lo[p], t < 0 ? 0 : min(q, t / sw &+ 1))
            }
        }
        for r in 0..<rows {
            let y = firstRow &+ r
            let row = scratch + r &* stride
            if y < 0 || y >= l.h || !split {
                var z = 0
                while z < stride { UnsafeMutableRawPointer(row + z).storeBytes(of: zero, as: SIMD4<Float>.self); z &+= 4 }
                if y < 0 || y >= l.h { continue }
            } else {
                for p in 0..<sw {
                    let seg = row + p &* q
                    for k in 0..<lo[p] { seg[k] = 0 }
                    for k in hi[p]..<q { seg[k] = 0 }
                }
            }
            let line = src + y &* w
            if sw == 1 {
                // One phase: the inside of the row is one run of the input (a memmove).
                (row + lo[0]).update(from: line + (lo[0] &- pw), count: hi[0] &- lo[0])
                continue
            }
            @inline(__always) func single(_ k: Int) {
                var x = k &* sw &- pw
                for p in 0..<sw {
                    if x >= 0 && x < w { row[p &* q &+ k] = line[x] }
                    x &+= 1
                }
            }
            if kA > 0 { single(kA &- 1) }
            var k = kA
            if sw == 2 {
                while k &+ 4 <= q && (k &+ 4) &* 2 &- pw <= w {
                    let v = UnsafeRawPointer(line + (k &* 2 &- pw)).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(row + k).storeBytes(of: v.evenHalf, as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(row + (q &+ k)).storeBytes(of: v.oddHalf, as: SIMD4<Float>.self)
                    k &+= 4
                }
            } else {
                while k &+ 4 <= q && (k &+ 4) &* sw &- pw <= w {
                    let x0 = k &* sw &- pw
                    for p in 0..<sw {
                        let seg = row + (p &* q &+ k), from = line + (x0 &+ p)
                        seg[0] = from[0]; seg[1] = from[sw]; seg[2] = from[2 &* sw]; seg[3] = from[3 &* sw]
                    }
                    k &+= 4
                }
            }
            while k < q && k &* sw &- pw < w { single(k); k &+= 1 }
        }
    }

    /// Output rows `0 ..< rows` of a band (`dst` at the band's first row) from its padded copy.
    /// `taps` is `l.taps`, passed as a literal for the common kernels so the tap loop unrolls.
    @inline(__always)
    static func depthwiseBand(_ l: DepthwiseLayout, _ taps: Int, _ off: UnsafePointer<Int>, _ kernel: UnsafePointer<Float>,
                              _ bias: Float, _ scratch: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                              _ rows: Int) {
        let ow = l.ow
        let step = l.sh &* l.rowStride
        @inline(__always) func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
        }
        // Stores the first `count` lanes of `v` at `p` (all of them with one store when it is full).
        @inline(__always) func store(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
            if count == 4 {
                UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
            } else {
                for lane in 0..<count { p[lane] = v[lane] }
            }
        }
        // Lanes 0-3 from `lo`, then `count - 4` (1-4) from `hi`.
        @inline(__always) func store8(_ lo: SIMD4<Float>, _ hi: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
            UnsafeMutableRawPointer(p).storeBytes(of: lo, as: SIMD4<Float>.self)
            store(hi, p + 4, count &- 4)
        }
        var i = 0
        while i < rows {
            let base = UnsafePointer(scratch + i &* step)
            let out = dst + i &* ow
            let live = min(4, rows &- i)
            var j = 0
            // 4 rows × 8 columns: two SIMD4 sums per row (8-lane vectors made the compiler
            // shuffle halves between registers).
            while ow &- j > 4 {
                let b = SIMD4<Float>(repeating: bias)
                var a0 = b, a1 = b, a2 = b, a3 = b, c0 = b, c1 = b, c2 = b, c3 = b
                for t in 0..<taps {
                    let k = SIMD4<Float>(repeating: kernel[t])
                    let p = base + (off[t] &+ j)
                    a0 += k * load4(p); c0 += k * load4(p + 4)
                    a1 += k * load4(p + step); c1 += k * load4(p + (step &+ 4))
                    a2 += k * load4(p + 2 &* step); c2 += k * load4(p + (2 &* step &+ 4))
                    a3 += k * load4(p + 3 &* step); c3 += k * load4(p + (3 &* step &+ 4))
                }
                let n = min(8, ow &- j)
                store8(a0, c0, out + j, n)
                if live > 1 { store8(a1, c1, out + (ow &+ j), n) }
                if live > 2 { store8(a2, c2, out + (2 &* ow &+ j), n) }
                if live > 3 { store8(a3, c3, out + (3 &* ow &+ j), n) }
                j &+= 8
            }
            if j < ow {
                // The last 1-4 columns: 4 rows × 4, the taps split between two sums per row.
                let b = SIMD4<Float>(repeating: bias)
                var a0 = b, a1 = b, a2 = b, a3 = b
                var c0 = SIMD4<Float>(), c1 = SIMD4<Float>(), c2 = SIMD4<Float>(), c3 = SIMD4<Float>()
                var t = 0
                while t &+ 1 < taps {
                    let k = SIMD4<Float>(repeating: kernel[t]), k2 = SIMD4<Float>(repeating: kernel[t &+ 1])
                    let p = base + (off[t] &+ j), p2 = base + (off[t &+ 1] &+ j)
                    a0 += k * load4(p); a1 += k * load4(p + step)
                    a2 += k * load4(p + 2 &* step); a3 += k * load4(p + 3 &* step)
                    c0 += k2 * load4(p2); c1 += k2 * load4(p2 + step)
                    c2 += k2 * load4(p2 + 2 &* step); c3 += k2 * load4(p2 + 3 &* step)
                    t &+= 2
                }
                if t < taps {
                    let k = SIMD4<Float>(repeating: kernel[t])
                    let p = base + (off[t] &+ j)
                    a0 += k * load4(p); a1 += k * load4(p + step)
                    a2 += k * load4(p + 2 &* step); a3 += k * load4(p + 3 &* step)
                }
                let n = ow &- j
                store(a0 + c0, out + j, n)
                if live > 1 { store(a1 + c1, out + (ow &+ j), n) }
                if live > 2 { store(a2 + c2, out + (2 &* ow &+ j), n) }
                if live > 3 { store(a3 + c3, out + (3 &* ow &+ j), n) }
            }
            i &+= 4
        }
    }

    /// One channel of a 2-D depthwise convolution, computed directly and added to `dst`
    /// (which holds zeros or the bias).
    static func depthwise2D<T: GemmScalar>(src: UnsafePointer<T>, h: Int, w: Int, kernel: UnsafePointer<T>,
                                           geom: SpatialGeometry, dst: UnsafeMutablePointer<T>) {
        let kh = geom.kernel[0], kw = geom.kernel[1]
        let sh = geom.strides[0], sw = geom.strides[1], dh = geom.dilations[0], dw = geom.dilations[1]
        let ph = geom.padBegin[0], pw = geom.padBegin[1]
        let oh = geom.output[0], ow = geom.output[1]
        for i in 0..<oh {
            let dstRow = dst + i * ow
            for a in 0..<kh {
                let y = i * sh - ph + a * dh
                if y < 0 || y >= h { continue }
                let srcRow = src + y * w
                for bIdx in 0..<kw {
                    let kv = kernel[a * kw + bIdx]
                    let xOff = bIdx * dw - pw
                    // Output columns whose input column j*sw + xOff lies inside [0, w).
                    let jLo = xOff >= 0 ? 0 : (-xOff + sw - 1) / sw
                    let jHiRaw = w - 1 - xOff
                    if jHiRaw < 0 { continue }
                    let jHi = min(ow - 1, jHiRaw / sw)
                    if jLo > jHi { continue }
                    // Only in-range columns are read: sp[j * sw] for j in jLo...jHi.
                    let sp = srcRow + xOff
                    if sw == 1 {
                        for j in jLo..<(jHi &+ 1) { dstRow[j] += kv * sp[j] }
                    } else {
                        var q = jLo &* sw
                        for j in jLo..<(jHi &+ 1) { dstRow[j] += kv * sp[q]; q &+= sw }
                    }
                }
            }
        }
    }
}

/// Float and Double, with their BLAS matrix multiply.
protocol GemmScalar: BinaryFloatingPoint {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int, threads: Int)
}

extension Float: GemmScalar {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc, threads: threads)
    }
}

extension Double: GemmScalar {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                     a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                     beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int, threads: Int) {
        dgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc, threads: threads)
    }
}

/// Where `Conv.depthwise2DFloat` reads: output rows go in bands of `bandRows`, and the padded
/// input rows a band reads (rounded up to whole tiles of 4 output rows) are copied,
/// `rowStride` floats each (`sw` phase segments of `q`). Output (i, j) of tap (a, b) reads
/// `copy[(i - band start) * sh * rowStride + offsets[a * kw + b] + j]`: padded column
/// j * sw + b * dw is phase (b * dw) % sw, index j + (b * dw) / sw. `q` covers the output
/// columns rounded up to 4 plus the widest tap reach (a multiple of 4), so every vector load
/// stays in its row.
struct DepthwiseLayout {
    let h: Int, w: Int, oh: Int, ow: Int
    let sh: Int, sw: Int, ph: Int, pw: Int
    let taps: Int, extentRows: Int
    let q: Int, rowStride: Int, bandRows: Int
    let offsets: [Int]
    /// Floats the padded copy of one band needs.
    var scratchCount: Int { (((bandRows + 3) / 4 * 4 - 1) * sh + extentRows) * rowStride }

    /// About 128 KB of padded rows per band: in the L2 cache while the taps re-read them.
    static let bandBudget = 1 << 15

    /// - Parameter budget: floats of padded rows per band (the tests use small ones to force bands).
    init(h: Int, w: Int, geom: SpatialGeometry, budget: Int = DepthwiseLayout.bandBudget) {
        let kh = geom.kernel[0], kw = geom.kernel[1], dh = geom.dilations[0], dw = geom.dilations[1]
        self.h = h; self.w = w
        oh = geom.output[0]; ow = geom.output[1]
        sh = geom.strides[0]; sw = geom.strides[1]
        ph = geom.padBegin[0]; pw = geom.padBegin[1]
        taps = kh * kw
        extentRows = (kh - 1) * dh + 1
        q = ((ow + 3) / 4 * 4 + (kw - 1) * dw / sw + 3) / 4 * 4
        rowStride = sw * q
        let fit = (budget / max(1, rowStride) - extentRows) / sh + 1
        bandRows = max(1, min(oh, fit))
        var offs: [Int] = []
        offs.reserveCapacity(taps)
        for a in 0..<kh {
            for b in 0..<kw { offs.append(a * dh * rowStride + (b * dw % sw) * q + b * dw / sw) }
        }
        offsets = offs
    }
}
