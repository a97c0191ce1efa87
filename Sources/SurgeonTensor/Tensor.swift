import Foundation

/// An n-dimensional array in row-major (C) order.
///
/// Tensors are values: operations return new tensors and never write into their inputs.
/// - `dtype`: the element type.
/// - `shape`: one extent per axis; `[]` is a 0-d scalar, a 0 extent makes it empty.
/// - storage: `count * dtype.size` bytes at `buffer.pointer + byteOffset`; string
///   tensors keep their elements in `strings` instead.
public struct Tensor: @unchecked Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let buffer: TensorBuffer
    public let byteOffset: Int
    /// A string tensor's elements (held by its buffer, so copying a tensor retains two
    /// references, not three: every value passed between nodes is copied a few times per run).
    public var strings: [String] { buffer.strings }

    /// Number of elements (1 for a 0-d tensor).
    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }
    public var byteCount: Int { count * dtype.size }

    /// Start of the element bytes.
    public var rawPointer: UnsafeMutableRawPointer { buffer.pointer + byteOffset }

    /// Wraps existing bytes (no copy).
    public init(dtype: DType, shape: [Int], buffer: TensorBuffer, byteOffset: Int = 0) {
        self.dtype = dtype
        self.shape = shape
        self.buffer = buffer
        self.byteOffset = byteOffset
    }

    /// A string tensor.
    public init(shape: [Int], strings: [String]) {
        dtype = .string
        self.shape = shape
        buffer = TensorBuffer(strings: strings)
        byteOffset = 0
    }

    /// A zero-filled tensor. Throws when the shape is negative or too large to allocate.
    public init(zeros dtype: DType, shape: [Int]) throws {
        let n = try Tensor.checkedCount(shape, dtype: dtype)
        if dtype == .string {
            self.init(shape: shape, strings: Array(repeating: "", count: n))
        } else {
            self.init(dtype: dtype, shape: shape, buffer: TensorBuffer(zeroedByteCount: n * dtype.size))
        }
    }

    /// A tensor from Swift scalars. `scalars.count` must equal the shape's element count.
    public init<T: TensorScalar>(shape: [Int], scalars: [T]) throws {
        let n = try Tensor.checkedCount(shape, dtype: T.dtype)
        guard n == scalars.count else {
            throw TensorError("\(scalars.count) values do not fill shape \(shape) (\(n) elements)")
        }
        let buf = TensorBuffer(uninitializedByteCount: n * MemoryLayout<T>.stride)
        scalars.withUnsafeBytes { src in
            if let base = src.baseAddress { buf.pointer.copyMemory(from: base, byteCount: src.count) }
        }
        self.init(dtype: T.dtype, shape: shape, buffer: buf)
    }

    /// A 0-d tensor.
    public init<T: TensorScalar>(scalar: T) {
        let buf = TensorBuffer(uninitializedByteCount: MemoryLayout<T>.stride)
        buf.pointer.storeBytes(of: scalar, as: T.self)
        self.init(dtype: T.dtype, shape: [], buffer: buf)
    }

    /// Allocates a tensor and lets `fill` write every element.
    @inlinable
    public static func build<T: TensorScalar>(
        _ shape: [Int], of type: T.Type, _ fill: (UnsafeMutableBufferPointer<T>) throws -> Void
    ) throws -> Tensor {
        try make(shape, zeroed: true, fill)
    }

    /// Like `build`, without zero-filling first: `fill` must write every element (kernels whose
    /// loops or BLAS calls overwrite the whole output).
    @inlinable
    public static func buildOverwriting<T: TensorScalar>(
        _ shape: [Int], of type: T.Type, _ fill: (UnsafeMutableBufferPointer<T>) throws -> Void
    ) throws -> Tensor {
        try make(shape, zeroed: false, fill)
    }

    /// `build` (zeroed first) and `buildOverwriting` (left uninitialised).
    @inlinable
    static func make<T: TensorScalar>(
        _ shape: [Int], zeroed: Bool, _ fill: (UnsafeMutableBufferPointer<T>) throws -> Void
    ) throws -> Tensor {
        let n = try checkedCount(shape, dtype: T.dtype)
        let bytes = n * MemoryLayout<T>.stride
        let buf = zeroed ? TensorBuffer(zeroedByteCount: bytes) : TensorBuffer(uninitializedByteCount: bytes)
        let typed = buf.pointer.bindMemory(to: T.self, capacity: max(n, 1))
        try fill(UnsafeMutableBufferPointer(start: typed, count: n))
        return Tensor(dtype: T.dtype, shape: shape, buffer: buf)
    }

    /// Element count of `shape` for a tensor about to be allocated: refuses negative extents,
    /// sizes past the memory budget (counting the tensor bytes already live) or, with no
    /// budget, past `tensorByteLimit`.
    public static func checkedCount(_ shape: [Int], dtype: DType) throws -> Int {
        try elementCount(shape, dtype: dtype, allocating: true)
    }

    /// `allocating: false` checks the size alone (a reshape makes no new bytes).
    static func elementCount(_ shape: [Int], dtype: DType, allocating: Bool) throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw TensorError("negative dimension \(d) in shape \(shape)") }
            let (m, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { throw TensorError("shape \(shape) has too many elements") }
            n = m
        }
        // Kernels and shell functions may build the values in Float64 first: 8 bytes an element.
        let work = n.multipliedReportingOverflow(by: max(dtype.size, 8))
        let bytes = n.multipliedReportingOverflow(by: max(dtype.size, 1))
        // Built only when refusing: every allocation passes here, and formatting costs microseconds.
        var what: String { "a \(dtype)\(shapeString(shape)) tensor needs \(bytes.overflow ? "more than 8 EiB" : formatBytes(bytes.partialValue))" }
        guard let budget = MemoryBudget.effectiveLimit else {
            if work.overflow || work.partialValue > tensorByteLimit {
                throw TensorError("\(what), over the limit of \(formatBytes(tensorByteLimit))")
            }
            return n
        }
        if bytes.overflow || bytes.partialValue > budget {
            throw TensorError("\(what), over the memory budget of \(formatBytes(budget)) (`set memory SIZE` changes it)")
        }
        if work.overflow || work.partialValue > budget {
            throw TensorError("\(what) (\(formatBytes(work.partialValue)) while it is computed), over the memory budget of \(formatBytes(budget)) (`set memory SIZE` changes it)")
        }
        if allocating {
            let live = MemoryBudget.liveBytes
            if live > budget - bytes.partialValue {
                throw TensorError("\(what), with \(formatBytes(live)) already in use; over the memory budget of \(formatBytes(budget)) (`set memory SIZE` changes it)")
            }
        }
        return n
    }

    /// Read access to the elements as `T`; throws if `T` is not this tensor's dtype.
    @inlinable
    public func withUnsafeBuffer<T: TensorScalar, R>(
        of type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
    ) throws -> R {
        guard T.dtype == dtype else { throw TensorError("expected \(T.dtype), got \(dtype)") }
        let p = rawPointer.bindMemory(to: T.self, capacity: max(count, 1))
        return try body(UnsafeBufferPointer(start: p, count: count))
    }

    /// The elements as a Swift array of `T`; throws if `T` is not this tensor's dtype.
    public func scalars<T: TensorScalar>(of type: T.Type) throws -> [T] {
        try withUnsafeBuffer(of: T.self) { Array($0) }
    }

    /// Same elements, another shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let n = try Tensor.elementCount(newShape, dtype: dtype, allocating: false)
        guard n == count else {
            throw TensorError("cannot reshape \(dtype)\(shapeString(shape)) (\(count) elements) to \(shapeString(newShape))")
        }
        if dtype == .string { return Tensor(shape: newShape, strings: strings) }
        return Tensor(dtype: dtype, shape: newShape, buffer: buffer, byteOffset: byteOffset)
    }

    /// A copy into freshly owned memory (e.g. to release a mapped file).
    public func copied() -> Tensor {
        if dtype == .string { return self }
        let buf = TensorBuffer(uninitializedByteCount: byteCount)
        buf.pointer.copyMemory(from: rawPointer, byteCount: byteCount)
        return Tensor(dtype: dtype, shape: shape, buffer: buf)
    }

    /// `dtype[shape]`, e.g. `float32[1,3,224,224]`.
    public var typeDescription: String { "\(dtype)\(shapeString(shape))" }
}

/// `[1,3,224,224]`
public func shapeString(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ",") + "]"
}

/// `1.5 GiB`, `12 MiB`, `800 B`.
public func formatBytes(_ n: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var v = Double(n)
    var i = 0
    while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
}
