import Foundation
import SurgeonTensor

/// A 2-D Conv of a QDQ-format model run on the integers: its input is DequantizeLinear(xq)
/// of an 8-bit activation and its weights DequantizeLinear(wq) of a constant int8 tensor
/// (zero points 0, one scale or one per output channel). Mathematically
/// `conv(sx·(xq − zx), sw·wq) + b = sx·sw[m]·(Σ wq·xq − zx·Σ wq) + b[m]`: the sums are exact
/// int32 products (`QGemm`, AVX-512 VNNI), so the result differs from the float32 convolution
/// of the dequantized values only by that convolution's own rounding (relative ~1e-6), as
/// onnxruntime's QLinearConv does for these models.
struct QuantizedConv: @unchecked Sendable {
    /// The weights as an int8 matrix [M, kh·kw·C]: each row in (tap row, tap column, channel)
    /// order, the order of an NHWC im2col row (group 1).
    let weights: QGemm.PackedWeights
    /// [M, C, kh, kw] as in the graph.
    let weightShape: [Int]
    /// sx · sw[m] per output channel.
    let scale: [Float]
    /// The bias per output channel (0 without one).
    let offset: [Float]
    /// z·Σw[m] per output channel, z the uint8 zero point (int8's shifted by 128).
    let correction: [Int32]
    /// Activation zero point and integer type.
    let zeroPoint: Int32
    let signed: Bool
    /// The last indirection table made (`indirection`), reused while the scratch buffers it
    /// points into and the input's size are the same (steady-state runs).
    let tables = IndirectionTables()

    /// `wq` ([M, C, kh, kw] row-major) reordered to rows of (kh, kw, C) and packed.
    init(wq: [Int8], shape: [Int], scale: [Float], bias: [Float]?, zeroPoint: Int32, signed: Bool) throws {
        let m = shape[0], c = shape[1], kh = shape[2], kw = shape[3]
        let taps = kh * kw
        guard m > 0, c > 0, taps > 0, wq.count == m * c * taps else {
            throw GraphError("quantized Conv weights: \(wq.count) values for shape \(shape)")
        }
        // Each output channel's [C, taps] block transposed to [taps, C], through raw buffers:
        // the indexed array loop took ~35 ms of resnet18_qdq's first run (11M weights).
        let reordered = [Int8](unsafeUninitializedCapacity: wq.count) { dst, initialized in
            wq.withUnsafeBufferPointer { src in
                guard let d = dst.baseAddress, let s = src.baseAddress else { return }
                for o in 0..<m {
                    let so = s + o * c * taps, dq = d + o * c * taps
                    for tap in 0..<taps {
                        let row = dq + tap * c
                        var from = so + tap
                        for ch in 0..<c {
                            row[ch] = from.pointee
                            from += taps
                        }
                    }
                }
            }
            initialized = wq.count
        }
        weights = try QGemm.PackedWeights(reordered, rows: m, depth: c * taps)
        weightShape = shape
        self.scale = scale
        offset = bias ?? [Float](repeating: 0, count: m)
        let z = signed ? zeroPoint &+ 128 : zeroPoint
        correction = weights.rowSums.map { z &* $0 }
        self.zeroPoint = zeroPoint
        self.signed = signed
    }

    /// The float32 output, or nil when `xq` is not what the plan expected (the caller then
    /// runs the original kernels). `fuseDequantize` (tests): whether the kernel dequantizes
    /// its sums itself (`fusedDequantize`, the default) or they go through `dequantize`.
    func run(ctx: OpContext, xq: Tensor, fuseDequantize: Bool = QuantizedConv.fusedDequantize) throws -> Tensor? {
        guard xq.dtype == (signed ? .int8 : .uint8), xq.rank == 4, xq.shape[1] == weightShape[1] else { return nil }
        let (geom, group) = try Conv.setup(ctx: ctx, xShape: xq.shape, wShape: weightShape)
        guard group == 1, geom.rank == 2 else { return nil }
        let n = xq.shape[0], c = xq.shape[1], h = xq.shape[2], w = xq.shape[3]
        let m = weightShape[0], kh = weightShape[2], kw = weightShape[3]
        let oh = geom.output[0], ow = geom.output[1]
        let positions = oh * ow, depth = c * kh * kw
        let stride = QGemm.rowStride(depth: depth)
        // The C kernel takes 32-bit sizes; anything near that runs the original kernels.
        guard positions < 1 << 30, stride < 1 << 30, m < 1 << 30 else { return nil }
        let outShape = [n, m, oh, ow]
        let (buf, y, count) = try newOutput(outShape, Float.self)
        if count == 0 { return Tensor(dtype: .float32, shape: outShape, buffer: buf) }
        // The uint8 value of the padding (the zero point: it dequantizes to 0) and of int8 inputs
        // (shifted by 128, the zero point with them).
        let flip: UInt8 = signed ? 0x80 : 0
        let z = signed ? zeroPoint + 128 : zeroPoint
        guard z >= 0, z <= 255 else { return nil }
        let imageBytes = try Tensor.checkedCount([h, w, c], dtype: .uint8)
        // Channels in whole 4-byte groups: the product reads each tap's channels in place from
        // the NHWC image through a table of pointers (`indirection`), no im2col copy.
        let indirect = QGemm.available && c % 4 == 0 && Self.indirectOn
        let taps = kh * kw
        let colBytes = indirect ? 0 : try Tensor.checkedCount([positions, stride], dtype: .uint8)
        // The indirection table (positions × taps pointers) is sized like any tensor.
        if indirect { _ = try Tensor.checkedCount([positions, taps], dtype: .int64) }
        let accCount = try Tensor.checkedCount([positions, m], dtype: .int32)
        // The padding row (C bytes of the zero point) right after the image, one allocation:
        // the indirection table's key is then one address.
        let nhwc = ScratchMemory.allocate(UInt8.self, count: imageBytes + c)
        let padRow = nhwc + imageBytes
        let cols = ScratchMemory.allocate(UInt8.self, count: colBytes)
        // The int32 sums' matrix, only where the kernel does not dequantize them itself.
        var accBuffer: UnsafeMutablePointer<Int32>?
        defer {
            ScratchMemory.release(nhwc, count: imageBytes + c)
            ScratchMemory.release(cols, count: colBytes)
            if let accBuffer { ScratchMemory.release(accBuffer, count: accCount) }
        }
        let src = try bytePointer(xq)
        var table: [UnsafePointer<UInt8>?] = []
        if indirect {
            padRow.update(repeating: UInt8(z), count: c)
            let key = IndirectionTables.Key(image: UInt(bitPattern: nhwc), h: h, w: w)
            table = tables.table(for: key) {
                var made = [UnsafePointer<UInt8>?](repeating: nil, count: positions * taps)
                made.withUnsafeMutableBufferPointer { t in
                    guard let into = t.baseAddress else { return }
                    Self.indirection(image: UnsafePointer(nhwc), channels: c, h: h, w: w, kh: kh, kw: kw, geom: geom,
                                     pad: UnsafePointer(padRow), into: into)
                }
                return made
            }
        }
        withExtendedLifetime(xq) {
            correction.withUnsafeBufferPointer { corr in
                scale.withUnsafeBufferPointer { sc in
                    offset.withUnsafeBufferPointer { bi in
                        for b in 0..<n {
                            Self.toNHWC(src + b * c * h * w, channels: c, h: h, w: w, flip: flip, dst: nhwc)
                            if !indirect {
                                im2colNHWC(nhwc, channels: c, h: h, w: w, kh: kh, kw: kw, geom: geom, pad: UInt8(z),
                                           stride: stride, dst: cols)
                            }
                            // The kernel dequantizes its sums into the output planes itself
                            // (`fusedDequantize`); else they go through `acc` and `dequantize`.
                            let out = y + b * m * positions
                            if fuseDequantize, let cp = corr.baseAddress, let sp = sc.baseAddress, let bp = bi.baseAddress {
                                let dq = QGemm.Dequantization(correction: cp, scale: sp, bias: bp, out: out, positions: positions)
                                let fused = indirect
                                    ? table.withUnsafeBufferPointer { t in
                                        t.baseAddress.map {
                                            QGemm.multiplyIndirectDequantized($0, taps: taps, channels: c, m: positions, weights, dq)
                                        } ?? false
                                    }
                                    : QGemm.multiplyDequantized(a: cols, lda: stride, m: positions, weights, dq)
                                if fused { continue }
                            }
                            let acc = accBuffer ?? ScratchMemory.allocate(Int32.self, count: accCount)
                            accBuffer = acc
                            if indirect {
                                // The table holds positions × taps pointers (made for this h and w).
                                table.withUnsafeBufferPointer { t in
                                    if let tp = t.baseAddress {
                                        QGemm.multiplyIndirect(tp, taps: taps, channels: c, m: positions, weights, c: acc, ldc: m)
                                    }
                                }
                            } else {
                                QGemm.multiply(a: cols, lda: stride, m: positions, weights, c: acc, ldc: m)
                            }
                            dequantize(acc, positions: positions, channels: m, into: out)
                        }
                    }
                }
            }
        }
        return Tensor(dtype: .float32, shape: outShape, buffer: buf)
    }
}

extension QuantizedConv {
    /// One image [C, H, W] to [H, W, C], int8 values shifted by 128 (`flip`): blocks of 8
    /// channels × 8 pixels transposed as eight 64-bit words (three rounds of masked swaps), in
    /// tiles of 64 pixels so both sides stay in cache; the channels and pixels past the last
    /// whole block byte by byte. The byte-by-byte loop for everything (`toNHWCPlain`) took 17%
    /// of resnet18_qdq's run (4-5 cycles a byte).
    @inline(never)
    static func toNHWC(_ src: UnsafePointer<UInt8>, channels c: Int, h: Int, w: Int, flip: UInt8,
                       dst: UnsafeMutablePointer<UInt8>) {
        let pixels = h &* w
        let tile = 64
        let flip64 = UInt64(flip) &* 0x0101_0101_0101_0101
        let c8 = c / 8 * 8
        if c >= 16 && Self.blocks16 {
            // 16 × 16 blocks (CQGemm, SSE2 unpacks): a quarter of the 8 × 8 loop's operations a byte.
            parallelItems((pixels + tile - 1) / tile, costPerItem: tile &* c) { t in
                let p0 = t &* tile, p1 = min(pixels, p0 &+ tile)
                QGemm.transposeBytes(src + p0, rows: c, cols: p1 &- p0, srcStride: pixels, dst + p0 &* c, dstStride: c, flip: flip)
            }
            return
        }
        parallelItems((pixels + tile - 1) / tile, costPerItem: tile &* c) { t in
            let p0 = t &* tile, p1 = min(pixels, p0 &+ tile)
            let p8 = p0 &+ (p1 &- p0) / 8 * 8
            var c0 = 0
            while c0 < c8 {
                var p = p0
                while p < p8 {
                    let s = UnsafeRawPointer(src + (c0 &* pixels &+ p))
                    var r0 = s.loadUnaligned(as: UInt64.self) ^ flip64
                    var r1 = (s + pixels).loadUnaligned(as: UInt64.self) ^ flip64
                    var r2 = (s + 2 &* pixels).loadUnaligned(as: UInt64.self) ^ flip64
                    var r3 = (s + 3 &* pixels).loadUnaligned(as: UInt64.self) ^ flip64
                    var r4 = (s + 4 &* pixels).loadUnaligned(as: UInt64.self) ^ flip64
                    var r5 = (s + 5 &* pixels).loadUnaligned(as: UInt64.self) ^ flip64
                    var r6 = (s + 6 &* pixels).loadUnaligned(as: UInt64.self) ^ flip64
                    var r7 = (s + 7 &* pixels).loadUnaligned(as: UInt64.self) ^ flip64
                    // Byte j of row i (channel c0 + i, pixel p + j) goes to byte i of row j.
                    swapUnits(&r0, &r1, 8, 0x00FF_00FF_00FF_00FF); swapUnits(&r2, &r3, 8, 0x00FF_00FF_00FF_00FF)
                    swapUnits(&r4, &r5, 8, 0x00FF_00FF_00FF_00FF); swapUnits(&r6, &r7, 8, 0x00FF_00FF_00FF_00FF)
                    swapUnits(&r0, &r2, 16, 0x0000_FFFF_0000_FFFF); swapUnits(&r1, &r3, 16, 0x0000_FFFF_0000_FFFF)
                    swapUnits(&r4, &r6, 16, 0x0000_FFFF_0000_FFFF); swapUnits(&r5, &r7, 16, 0x0000_FFFF_0000_FFFF)
                    swapUnits(&r0, &r4, 32, 0x0000_0000_FFFF_FFFF); swapUnits(&r1, &r5, 32, 0x0000_0000_FFFF_FFFF)
                    swapUnits(&r2, &r6, 32, 0x0000_0000_FFFF_FFFF); swapUnits(&r3, &r7, 32, 0x0000_0000_FFFF_FFFF)
                    let d = UnsafeMutableRawPointer(dst + (p &* c &+ c0))
                    d.storeBytes(of: r0, as: UInt64.self)
                    (d + c).storeBytes(of: r1, as: UInt64.self)
                    (d + 2 &* c).storeBytes(of: r2, as: UInt64.self)
                    (d + 3 &* c).storeBytes(of: r3, as: UInt64.self)
                    (d + 4 &* c).storeBytes(of: r4, as: UInt64.self)
                    (d + 5 &* c).storeBytes(of: r5, as: UInt64.self)
                    (d + 6 &* c).storeBytes(of: r6, as: UInt64.self)
                    (d + 7 &* c).storeBytes(of: r7, as: UInt64.self)
                    p &+= 8
                }
                for q in p8..<p1 {
                    let o = dst + q &* c
                    for ch in c0..<(c0 &+ 8) { o[ch] = src[ch &* pixels &+ q] ^ flip }
                }
                c0 &+= 8
            }
            for q in p0..<p1 where c8 < c {
                let o = dst + q &* c
                for ch in c8..<c { o[ch] = src[ch &* pixels &+ q] ^ flip }
            }
        }
    }

    /// Whether the VNNI kernel dequantizes its sums into the output planes from its registers
    /// (`QGemm.multiplyIndirectDequantized`): no int32 matrix written and read back, no pass
    /// of `dequantize`; the same operations on the same sums, so the same bits.
    /// `SURGEON_QCONV_DQ=off` keeps the separate pass (an A/B switch; tests compare both).
    static let fusedDequantize = environmentSwitchOn("SURGEON_QCONV_DQ")

    /// Whether convolutions over whole 4-channel groups read their taps in place
    /// (`indirection`); `SURGEON_QCONV_INDIRECT=off` copies them into im2col rows (A/B switch).
    static let indirectOn = environmentSwitchOn("SURGEON_QCONV_INDIRECT")

    /// The indirect product's table: for output position p and tap (a, t), in the weights'
    /// (tap row, tap column) order, where that tap's C bytes start in the NHWC `image`, or
    /// `pad` (C bytes of the zero point) for taps outside it.
    static func indirection(image: UnsafePointer<UInt8>, channels c: Int, h: Int, w: Int, kh: Int, kw: Int,
                            geom: SpatialGeometry, pad: UnsafePointer<UInt8>,
                            into table: UnsafeMutablePointer<UnsafePointer<UInt8>?>) {
        let sh = geom.strides[0], sw = geom.strides[1], dh = geom.dilations[0], dw = geom.dilations[1]
        let ph = geom.padBegin[0], pw = geom.padBegin[1]
        let oh = geom.output[0], ow = geom.output[1]
        var k = 0
        for oy in 0..<oh {
            for ox in 0..<ow {
                for a in 0..<kh {
                    let iy = oy &* sh &- ph &+ a &* dh
                    for t in 0..<kw {
                        let ix = ox &* sw &- pw &+ t &* dw
                        table[k] = iy >= 0 && iy < h && ix >= 0 && ix < w ? image + (iy &* w &+ ix) &* c : pad
                        k &+= 1
                    }
                }
            }
        }
    }

    /// Whether `toNHWC` moves 16 × 16 blocks through CQGemm (`SURGEON_QCONV_T16=off`: the
    /// 8 × 8 Swift loop, an A/B switch).
    static let blocks16 = environmentSwitchOn("SURGEON_QCONV_T16")

    /// The units of `a` at odd positions (of `bits` bits) swapped with those of `b` at even ones.
    @inline(__always)
    static func swapUnits(_ a: inout UInt64, _ b: inout UInt64, _ bits: UInt64, _ mask: UInt64) {
        let t = ((a >> bits) ^ b) & mask
        b ^= t
        a ^= t << bits
    }

    /// The plain kernel `toNHWC` is tested against: byte by byte.
    static func toNHWCPlain(_ src: UnsafePointer<UInt8>, channels c: Int, h: Int, w: Int, flip: UInt8,
                            dst: UnsafeMutablePointer<UInt8>) {
        let pixels = h &* w
        for p in 0..<pixels {
            for ch in 0..<c { dst[p &* c &+ ch] = src[ch &* pixels &+ p] ^ flip }
        }
    }

    /// The NHWC im2col matrix: one row per output position, `stride` bytes, holding the
    /// kh·kw·C inputs it reads in (tap row, tap column, channel) order; taps outside the image
    /// read `pad`, and the bytes past kh·kw·C are 0. With unit dilation along the row, the kw
    /// taps of a tap row are one contiguous run of kw·C bytes of the image.
    @inline(never)
    func im2colNHWC(_ image: UnsafePointer<UInt8>, channels c: Int, h: Int, w: Int, kh: Int, kw: Int,
                    geom: SpatialGeometry, pad: UInt8, stride: Int, dst: UnsafeMutablePointer<UInt8>) {
        let sh = geom.strides[0], sw = geom.strides[1], dh = geom.dilations[0], dw = geom.dilations[1]
        let ph = geom.padBegin[0], pw = geom.padBegin[1]
        let oh = geom.output[0], ow = geom.output[1]
        let depth = kh &* kw &* c
        let run = kw &* c
        parallelItems(oh, costPerItem: ow &* stride) { oy in
            for ox in 0..<ow {
                let row = dst + (oy &* ow &+ ox) &* stride
                if stride > depth { (row + depth).update(repeating: 0, count: stride &- depth) }
                let x0 = ox &* sw &- pw
                for a in 0..<kh {
                    let iy = oy &* sh &- ph &+ a &* dh
                    let seg = row + a &* run
                    if iy < 0 || iy >= h {
                        seg.update(repeating: pad, count: run)
                        continue
                    }
                    let line = image + iy &* w &* c
                    if dw == 1 && x0 >= 0 && x0 &+ kw <= w {
                        seg.update(from: line + x0 &* c, count: run)
                        continue
                    }
                    for t in 0..<kw {
                        let ix = x0 &+ t &* dw
                        if ix < 0 || ix >= w {
                            (seg + t &* c).update(repeating: pad, count: c)
                        } else {
                            (seg + t &* c).update(from: line + ix &* c, count: c)
                        }
                    }
                }
            }
        }
    }

    /// `out[oc][p] = Float(acc[p][oc] − z·Σw[oc]) · scale[oc] + bias[oc]`: the products
    /// ([positions, M]) turned into floats and transposed to [M, positions], in tiles.
    @inline(never)
    func dequantize(_ acc: UnsafePointer<Int32>, positions: Int, channels m: Int, into out: UnsafeMutablePointer<Float>) {
        let tile = 32
        correction.withUnsafeBufferPointer { corr in
            scale.withUnsafeBufferPointer { sc in
                offset.withUnsafeBufferPointer { bi in
                    parallelItems((positions + tile - 1) / tile, costPerItem: tile &* m) { t in
                        let p0 = t &* tile, p1 = min(positions, p0 &+ tile)
                        // 4 positions × 4 channels through registers: converted with the
                        // channels in lanes, stored transposed (a row of 4 positions per channel).
                        let p4 = p0 &+ (p1 &- p0) / 4 &* 4, m4 = m / 4 &* 4
                        let raw = UnsafeRawPointer(acc), o = UnsafeMutableRawPointer(out)
                        var oc = 0
                        while oc < m4 {
                            let cr = SIMD4<Int32>(corr[oc], corr[oc &+ 1], corr[oc &+ 2], corr[oc &+ 3])
                            let s = SIMD4<Float>(sc[oc], sc[oc &+ 1], sc[oc &+ 2], sc[oc &+ 3])
                            let b = SIMD4<Float>(bi[oc], bi[oc &+ 1], bi[oc &+ 2], bi[oc &+ 3])
                            var p = p0
                            while p < p4 {
                                @inline(__always) func row(_ q: Int) -> SIMD4<Float> {
                                    let v = raw.loadUnaligned(fromByteOffset: 4 &* (q &* m &+ oc), as: SIMD4<Int32>.self) &- cr
                                    return SIMD4<Float>(Float(v[0]), Float(v[1]), Float(v[2]), Float(v[3])) * s + b
                                }
                                let f0 = row(p), f1 = row(p &+ 1), f2 = row(p &+ 2), f3 = row(p &+ 3)
                                let d = 4 &* (oc &* positions &+ p), rs = 4 &* positions
                                o.storeBytes(of: SIMD4(f0[0], f1[0], f2[0], f3[0]), toByteOffset: d, as: SIMD4<Float>.self)
                                o.storeBytes(of: SIMD4(f0[1], f1[1], f2[1], f3[1]), toByteOffset: d &+ rs, as: SIMD4<Float>.self)
                                o.storeBytes(of: SIMD4(f0[2], f1[2], f2[2], f3[2]), toByteOffset: d &+ 2 &* rs, as: SIMD4<Float>.self)
                                o.storeBytes(of: SIMD4(f0[3], f1[3], f2[3], f3[3]), toByteOffset: d &+ 3 &* rs, as: SIMD4<Float>.self)
                                p &+= 4
                            }
                            oc &+= 4
                        }
                        // The channels and positions left over, one at a time.
                        for oc in 0..<m {
                            let cr = corr[oc], s = sc[oc], bo = bi[oc]
                            let row = out + oc &* positions
                            let from = oc < m4 ? p4 : p0
                            for p in from..<p1 { row[p] = Float(acc[p &* m &+ oc] &- cr) * s + bo }
                        }
                    }
                }
            }
        }
    }
}

/// A quantized Conv's last indirection table and what it was made for: the address of the
/// NHWC scratch copy it points into (the padding row follows the image), and the input's
/// height and width (the Conv's attributes and channels fix the rest). The scratch buffers come
/// from the same arena blocks run after run, so a steady-state run finds its table instead of
/// making it again (150K pointers a run for resnet18_qdq, 2% of it); any other address or size
/// makes a new one.
final class IndirectionTables: @unchecked Sendable {
    struct Key: Equatable {
        let image: UInt, h: Int, w: Int
    }
    private var key: Key?
    private var table: [UnsafePointer<UInt8>?] = []
    private let lock = NSLock()

    func table(for key: Key, make: () -> [UnsafePointer<UInt8>?]) -> [UnsafePointer<UInt8>?] {
        lock.lock()
        if self.key == key {
            let hit = table
            lock.unlock()
            return hit
        }
        lock.unlock()
        let made = make()
        lock.lock()
        self.key = key
        table = made
        lock.unlock()
        return made
    }
}

/// The float32 weights of a rewritten Conv, made on first use (by the fallback to the original
/// kernels, which plain runs of the planned input never take) and kept from then on.
final class LazyWeights: @unchecked Sendable {
    private let make: () throws -> Value
    private var made: Value?
    private let lock = NSLock()
    init(_ make: @escaping () throws -> Value) { self.make = make }
    func value() throws -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        let v = try make()
        made = v
        return v
    }
}

/// A uint8 view of a uint8 or int8 tensor's bytes.
private func bytePointer(_ t: Tensor) throws -> UnsafePointer<UInt8> {
    guard t.dtype == .uint8 || t.dtype == .int8 else {
        throw TensorError("expected uint8, got \(t.dtype)")
    }
    return UnsafePointer(t.rawPointer.bindMemory(to: UInt8.self, capacity: max(t.count, 1)))
}

extension PlanFusion {
    /// Rewrites each 2-D, group-1 float32 Conv whose input is DequantizeLinear(xq) (8-bit,
    /// constant scalar scale and zero point) and whose weights are DequantizeLinear of a
    /// constant int8 tensor (zero points 0, per-tensor or axis-0 scales) into a step reading xq
    /// and running `QuantizedConv`. The DequantizeLinear step goes into `removed` when the conv
    /// was its only reader and its output is not kept; otherwise it stays for its other readers.
    /// Only when `QGemm.available` (the VNNI kernel; the plain one is slower than float32 sgemm).
    static func fuseQuantizedConvs(_ plan: ExecutionPlan, graph: Graph, constant: [Int: Value], fusible: (Int) -> Bool,
                                   producer: [Int], removed: inout Set<Int>
    ) -> [(dequantized: Int, quantized: Int, step: Int, dequantizeRemoved: Bool)] {
        guard QGemm.available else { return [] }
        var rewrites: [(dequantized: Int, quantized: Int, step: Int, dequantizeRemoved: Bool)] = []
        var nodeOfOutput: [String: Int]?
        for k in plan.steps.indices {
            let st = plan.steps[k]
            guard st.node.opType == "Conv", st.node.domain.isEmpty, let convKernel = st.kernel, !st.folded,
                  !st.hasSubgraphs, st.inputs.count >= 2, st.inputs.count <= 3, st.outputs.count == 1,
                  st.inputs[0] >= 0, st.inputs[1] >= 0, constant[st.inputs[0]] == nil,
                  groupAttribute(st.node) == 1 else { continue }
            // The float weights: folded (a constant) or left unfolded for this rewrite.
            let weightStep = producer[st.inputs[1]]
            let floatWeights: LazyWeights
            if let folded = constant[st.inputs[1]] {
                floatWeights = LazyWeights { folded }
            } else if weightStep >= 0, plan.deferredFolds.contains(plan.steps[weightStep].nodeIndex),
                      let wKernel = plan.steps[weightStep].kernel {
                let ws = plan.steps[weightStep]
                let wInputs: [Value?] = ws.inputs.map { $0 < 0 ? nil : constant[$0] }
                let wNode = ws.node, wOpset = ws.opset
                floatWeights = LazyWeights {
                    let out = try wKernel(OpContext(node: wNode, inputs: wInputs, opset: wOpset, subgraphRunner: noSubgraphs))
                    guard let v = out.first else { throw GraphError("DequantizeLinear of the weights gave no output") }
                    return v
                }
            } else { continue }
            let xdq = st.inputs[0]
            let d = producer[xdq]
            guard d >= 0, d < k, !removed.contains(d) else { continue }
            let dq = plan.steps[d]
            guard dq.node.opType == "DequantizeLinear", dq.node.domain.isEmpty, let dqKernel = dq.kernel,
                  dq.inputs.count >= 2, dq.inputs[0] >= 0, constant[dq.inputs[0]] == nil, dq.outputs == [xdq],
                  let (sx, zx, signed) = activationParameters(dq, constant: constant) else { continue }
            // The weights: the constant DequantizeLinear producing them, from the graph.
            if nodeOfOutput == nil {
                var map: [String: Int] = [:]
                for (i, node) in graph.nodes.enumerated() { for o in node.outputs where !o.isEmpty { map[o] = i } }
                nodeOfOutput = map
            }
            guard let wi = nodeOfOutput?[st.node.inputs[1]],
                  let wq = weightParameters(graph.nodes[wi], graph: graph) else { continue }
            let wTensor = graph.initializers[graph.nodes[wi].inputs[0]]
            var bias: [Float]?
            if st.inputs.count == 3, st.inputs[2] >= 0 {
                guard case .tensor(let b)? = constant[st.inputs[2]], b.dtype == .float32, b.count == wq.shape[0],
                      let values = try? b.scalars(of: Float.self) else { continue }
                bias = values
            }
            guard let qc = try? QuantizedConv(wq: wq.values, shape: wq.shape, scale: wq.scales.map { sx * $0 },
                                              bias: bias, zeroPoint: zx, signed: signed) else { continue }
            // The plan reads the packed copy from now on: the int8 weights' pages of a mapped
            // model file leave the resident set (read from the file again if something needs them).
            if let w = wTensor { w.buffer.releaseMappedPages(byteOffset: w.byteOffset, byteCount: w.byteCount) }
            let xq = dq.inputs[0]
            let dqNode = dq.node, dqOpset = dq.opset, convOpset = st.opset, convNodeBox = st.nodeBox
            let dqInputs: [Value?] = dq.inputs.map { $0 < 0 ? nil : constant[$0] }
            let kernel: Kernel = { ctx in
                let x = try ctx.tensor(0)
                if let y = try qc.run(ctx: ctx, xq: x) { return [.tensor(y)] }
                // Not the planned input type or shape: the two original kernels.
                var di = dqInputs
                di[0] = .tensor(x)
                let xf = try dqKernel(OpContext(node: dqNode, inputs: di, opset: dqOpset, subgraphRunner: noSubgraphs))
                var ci = ctx.inputs
                ci[0] = xf.first
                ci[1] = try floatWeights.value()
                return try convKernel(OpContext(nodeBox: convNodeBox, inputs: ci, opset: convOpset, subgraphRunner: noSubgraphs))
            }
            var node = st.node
            node.inputs[0] = dq.node.inputs[0]
            plan.steps[k].node = node
            plan.steps[k].kernel = kernel
            plan.steps[k].inputs[0] = xq
            // The float weights are no input of the step: only its fallback makes them.
            plan.steps[k].inputs[1] = -1
            let gone = fusible(xdq)
            if gone { removed.insert(d) }
            rewrites.append((xdq, xq, k, gone))
        }
        return rewrites
    }

    /// The `group` attribute (1 when absent); nil when it is not an integer.
    static func groupAttribute(_ n: Node) -> Int? {
        switch n.attribute("group") {
        case nil: return 1
        case .int(let g)?: return Int(g)
        default: return nil
        }
    }

    /// The DequantizeLinear nodes of int8 Conv weights (`weightParameters`) whose output only
    /// group-1 Convs read, as their weights, and that is neither kept nor a graph output:
    /// `fuseQuantizedConvs` can run those Convs on the packed int8 weights, so compilePlan
    /// leaves them unfolded instead of making a float32 copy of the weights that a plain run
    /// would not read (`Interpreter.settleDeferredFolds` folds them after all when a step still
    /// reads them). Empty without the VNNI kernel.
    static func deferredWeightDequantizers(graph: Graph, keep: Set<String>) -> Set<Int> {
        guard QGemm.available else { return [] }
        var convWeightReads: [String: Int] = [:], otherReads = Set<String>()
        for n in graph.nodes {
            for (k, x) in n.inputs.enumerated() where !x.isEmpty {
                if k == 1, n.opType == "Conv", n.domain.isEmpty, groupAttribute(n) == 1 {
                    convWeightReads[x, default: 0] += 1
                } else {
                    otherReads.insert(x)
                }
            }
            otherReads.formUnion(n.implicitInputs)
        }
        otherReads.formUnion(graph.outputs.map(\.name))
        otherReads.formUnion(keep)
        var out = Set<Int>()
        for (i, n) in graph.nodes.enumerated() where n.opType == "DequantizeLinear" && n.domain.isEmpty && n.outputs.count == 1 {
            let y = n.outputs[0]
            guard convWeightReads[y] != nil, !otherReads.contains(y), weightParameters(n, graph: graph) != nil else { continue }
            out.insert(i)
        }
        return out
    }

    /// No `block_size` (or 0): per-tensor or per-axis quantization.
    static func blockFree(_ n: Node) -> Bool {
        switch n.attribute("block_size") {
        case nil: return true
        case .int(let b)?: return b <= 0
        default: return false
        }
    }

    /// Scale, zero point and signedness of an activation's DequantizeLinear with constant
    /// scalar parameters and float32 output; nil otherwise.
    static func activationParameters(_ dq: ExecutionPlan.Step, constant: [Int: Value]) -> (Float, Int32, Bool)? {
        guard dq.inputs.count <= 3, blockFree(dq.node),
              case .tensor(let s)? = constant[dq.inputs[1]], s.dtype == .float32, s.count == 1,
              let scale = try? s.scalars(of: Float.self).first, scale.isFinite else { return nil }
        switch dq.node.attribute("output_dtype") {
        case nil: break
        case .int(let v)?: guard DType(rawValue: Int(v)) == .float32 else { return nil }
        default: return nil
        }
        guard dq.inputs.count == 3, dq.inputs[2] >= 0 else { return nil }
        guard case .tensor(let z)? = constant[dq.inputs[2]], z.count == 1, z.dtype == .uint8 || z.dtype == .int8,
              let zp = z.int64Array().first else { return nil }
        return (scale, Int32(zp), z.dtype == .int8)
    }

    /// The int8 weights [M, C, kh, kw] and per-output-channel scales of a DequantizeLinear of
    /// initializers with zero points 0; nil for anything else.
    static func weightParameters(_ node: Node, graph: Graph) -> (values: [Int8], shape: [Int], scales: [Float])? {
        guard node.opType == "DequantizeLinear", node.domain.isEmpty, node.inputs.count >= 2, node.inputs.count <= 3,
              let w = graph.initializers[node.inputs[0]], w.dtype == .int8, w.rank == 4,
              let s = graph.initializers[node.inputs[1]], s.dtype == .float32,
              !graph.inputs.contains(where: { $0.name == node.inputs[0] || $0.name == node.inputs[1] }),
              blockFree(node) else { return nil }
        switch node.attribute("output_dtype") {
        case nil: break
        case .int(let v)?: guard DType(rawValue: Int(v)) == .float32 else { return nil }
        default: return nil
        }
        let m = w.shape[0]
        guard m > 0, let scales = try? s.scalars(of: Float.self), scales.allSatisfy({ $0.isFinite }) else { return nil }
        let perChannel: [Float]
        if scales.count == 1 {
            perChannel = Array(repeating: scales[0], count: m)
        } else {
            var axis = 1
            if case .int(let a)? = node.attribute("axis") { axis = Int(a) }
            if axis < 0 { axis += 4 }
            guard axis == 0, scales.count == m, s.rank == 1 else { return nil }
            perChannel = scales
        }
        if node.inputs.count == 3, !node.inputs[2].isEmpty {
            guard let z = graph.initializers[node.inputs[2]], z.dtype == .int8,
                  z.int64Array().allSatisfy({ $0 == 0 }) else { return nil }
        }
        guard let values = try? w.scalars(of: Int8.self) else { return nil }
        return (values, w.shape, perChannel)
    }
}
