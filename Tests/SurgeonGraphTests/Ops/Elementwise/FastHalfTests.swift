import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// The blockwise float16 fast paths against the cast-compute-cast path they replace.
@Suite struct FastHalfTests {
    /// float16 values: every finite half magnitude class, NaN (quiet and signalling), ±inf,
    /// ±0, subnormals, and values whose sums / products overflow.
    static func halves(_ n: Int, seed: Int) -> Tensor {
        let specials: [UInt16] = [0x7E00, 0x7C01, 0xFD55, 0x7C00, 0xFC00, 0x8000, 0, 1, 0x8001, 0x03FF, 0x7BFF, 0xFBFF, 0x3C00]
        var bits = (0..<n).map { UInt16(truncatingIfNeeded: ($0 &+ seed) &* 40503 &+ seed &* 17) }
        // Mostly ordinary magnitudes (exponents 10..20), the specials sprinkled in.
        for i in bits.indices where i % 5 != 0 { bits[i] = bits[i] & 0x83FF | UInt16(10 + i % 11) << 10 }
        for (k, s) in specials.enumerated() where k * 31 < n { bits[k * 31] = s }
        // Safe: Tensor(shape:scalars:) checks the count.
        return try! Tensor(shape: [n], scalars: bits.map { Float16(bitPattern: $0) })
    }

    static func bitsOf(_ t: Tensor) throws -> [UInt16] { try t.scalars(of: Float16.self).map(\.bitPattern) }

    /// What the kernels did before: cast to float32, compute, cast back.
    static func viaFloat32(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) throws -> Tensor {
        try bmap2(a.cast(to: .float32), b.cast(to: .float32), Float.self, Float.self, Float.self, f).cast(to: .float16)
    }

    func checkBinary<K: FloatBinaryKernel>(_ k: K.Type, _ f: (Float, Float) -> Float, _ sa: [Int], _ sb: [Int]) throws {
        let a = try Self.halves(sa.reduce(1, *), seed: 3).reshaped(sa)
        let b = try Self.halves(sb.reduce(1, *), seed: 11).reshaped(sb)
        let fast = try fastBinaryHalf(a, b, K.self)
        let plain = try Self.viaFloat32(a, b, f)
        #expect(fast != nil, "\(sa) \(sb)")
        if let fast {
            #expect(fast.shape == plain.shape && fast.dtype == .float16)
            #expect(try Self.bitsOf(fast) == Self.bitsOf(plain), "\(K.self) \(sa) \(sb)")
        }
    }

    /// Same shape, scalars, row broadcasts (rows shorter and longer than a block), odd sizes
    /// and sizes past the parallel threshold.
    @Test func binaryMatchesCastComputeCast() throws {
        let cases: [([Int], [Int])] = [
            ([7], [7]), ([3, 70_001], [3, 70_001]), ([200_003], []), ([], [200_003]), ([1], [5, 3]),
            ([300, 1001], [1001]), ([1001], [300, 1001]), ([2, 150, 769], [1, 1, 769]), ([1, 769], [2, 150, 769]),
            ([4, 5, 6], [5, 6]), ([0, 4], [4]), ([40, 5000], [5000]), ([5000], [30, 5000]), ([3, 2049], [2049]),
        ]
        for (sa, sb) in cases {
            try checkBinary(AddF.self, { $0 + $1 }, sa, sb)
            try checkBinary(SubF.self, { $0 - $1 }, sa, sb)
            try checkBinary(MulF.self, { $0 * $1 }, sa, sb)
            try checkBinary(DivF.self, { $0 / $1 }, sa, sb)
        }
        // Other broadcasts: nil here, and the op still answers through the general path.
        let a = try Self.halves(3, seed: 1).reshaped([3, 1]), b = try Self.halves(4, seed: 2).reshaped([1, 4])
        #expect(try fastBinaryHalf(a, b, AddF.self) == nil)
        let y = try runNode("Add", [a, b])[0]
        #expect(try Self.bitsOf(y) == Self.bitsOf(Self.viaFloat32(a, b, { $0 + $1 })))
    }

    @Test func unaryMatchesCastComputeCast() throws {
        for n in [0, 1, 13, 2048, 2049, 150_001] {
            let x = Self.halves(n, seed: n)
            let x32 = try x.cast(to: .float32)
            func plain(_ f: (Float) -> Float) throws -> [UInt16] {
                try Self.bitsOf(emap1(x32, Float.self, Float.self, f).cast(to: .float16))
            }
            // Kernels with a C vector form: the float32 loop's values (VectorMathTests compares
            // them with `apply`).
            func viaKernel<K: FloatUnaryKernel>(_ k: K.Type) throws -> [UInt16] {
                var f = try x32.scalars(of: Float.self)
                f.withUnsafeMutableBufferPointer { b in if let p = b.baseAddress { unaryRunF32(p, b.count, K.self) } }
                return try Self.bitsOf(Tensor(shape: x32.shape, scalars: f).cast(to: .float16))
            }
            #expect(try Self.bitsOf(fastUnaryHalf(x, SigmoidF.self)) == viaKernel(SigmoidF.self))
            #expect(try Self.bitsOf(fastUnaryHalf(x, GeluErfF.self)) == viaKernel(GeluErfF.self))
            #expect(try Self.bitsOf(fastUnaryHalf(x, SqrtF.self)) == plain(SqrtF.apply))
            #expect(try Self.bitsOf(reluHalf(x)) == plain(ReluF.apply), "n \(n)")
            // Through the ops.
            #expect(try Self.bitsOf(runNode("Relu", [x])[0]) == plain(ReluF.apply))
            #expect(try Self.bitsOf(runNode("Sigmoid", [x])[0]) == viaKernel(SigmoidF.self))
        }
        // Every half pattern through Relu, including NaN payloads and -0.
        let all = try Tensor(shape: [65536], scalars: (0...0xFFFF).map { Float16(bitPattern: UInt16($0)) })
        let want = try Self.bitsOf(emap1(all.cast(to: .float32), Float.self, Float.self, ReluF.apply).cast(to: .float16))
        #expect(try Self.bitsOf(reluHalf(all)) == want)
    }
}
