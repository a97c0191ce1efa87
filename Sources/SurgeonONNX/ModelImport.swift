import Foundation
import ONNXProto
import SwiftProtobuf
import SurgeonGraph
import SurgeonTensor

/// Reads ONNX files into the graph IR. Loading never runs anything: a model whose ops this
/// build cannot run still loads and can be browsed.
public enum ONNXImport {
    /// Deepest subgraph nesting accepted (hostile files nest thousands deep).
    static let maxDepth = 64

    /// Loads a `.onnx` file; external data is looked up beside it and memory-mapped.
    public static func load(path: String) throws -> Model {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw GraphError("no such file: \(path)") }
        guard !isDirectory.boolValue else { throw GraphError("\(path) is a directory, not an ONNX file") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw GraphError("cannot read \(path): permission denied") }
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch let e as TensorError {
            throw GraphError("cannot read \(path): \(e.message)")
        }
        let dir = (path as NSString).deletingLastPathComponent
        let base = dir.isEmpty ? "." : dir
        guard file.byteCount > 0 else { throw GraphError("\(path) is empty, not an ONNX model") }
        let bytes = UnsafeRawBufferPointer(start: file.pointer, count: file.byteCount)
        // Large raw_data is left out of what protobuf decodes and borrowed from the mapping.
        if let stripped = WeightStripper.strip(bytes), !stripped.isEmpty {
            return try decode(Data(stripped.bytes), baseDirectory: base, source: path,
                              borrowed: BorrowedWeights(file: file, stripped: stripped))
        }
        return try withExtendedLifetime(file) {
            try decode(Data(bytesNoCopy: file.pointer, count: file.byteCount, deallocator: .none), baseDirectory: base, source: path)
        }
    }

    /// x86-64 and arm64 load misaligned scalars at full speed; protobuf does not align raw_data.
    #if arch(x86_64) || arch(arm64)
    static let unalignedLoadsAreSafe = true
    #else
    static let unalignedLoadsAreSafe = false
    #endif

    /// Decodes serialized ModelProto bytes.
    public static func decode(_ data: Data, baseDirectory: String? = nil, source: String = "model") throws -> Model {
        try decode(data, baseDirectory: baseDirectory, source: source, borrowed: nil)
    }

    static func decode(_ data: Data, baseDirectory: String?, source: String, borrowed: BorrowedWeights?) throws -> Model {
        guard !data.isEmpty else { throw GraphError("\(source) is empty, not an ONNX model") }
        let proto: Onnx_ModelProto
        do {
            var opts = BinaryDecodingOptions()
            opts.messageDepthLimit = 200
            proto = try Onnx_ModelProto(serializedBytes: data, options: opts)
        } catch BinaryDecodingError.messageDepthLimit {
            throw GraphError("\(source) is nested too deeply (subgraphs more than \(maxDepth) levels deep): refusing to load it")
        } catch {
            throw GraphError("\(source) is not a valid ONNX model (truncated or corrupt: \(error))")
        }
        guard proto.hasGraph else { throw GraphError("\(source) has no graph: not an ONNX model") }
        do {
            return try model(from: proto, external: ExternalDataResolver(baseDirectory: baseDirectory), borrowed: borrowed)
        } catch let e as GraphError {
            throw GraphError("\(source): \(e.message)")
        } catch {
            throw GraphError("\(source): \(error)")
        }
    }

    public static func model(from p: Onnx_ModelProto, external: ExternalDataResolver?) throws -> Model {
        try model(from: p, external: external, borrowed: nil)
    }

    static func model(from p: Onnx_ModelProto, external: ExternalDataResolver?, borrowed: BorrowedWeights?) throws -> Model {
        var opsets: [String: Int] = [:]
        for o in p.opsetImport {
            let d = o.domain == "ai.onnx" ? "" : o.domain
            opsets[d] = Int(o.version)
        }
        if opsets.isEmpty { opsets[""] = 1 }
        let graph = try self.graph(from: p.graph, external: external, depth: 0, borrowed: borrowed)
        try graph.validate()
        let functions = try p.functions.map { try function(from: $0, external: external) }
        return Model(
            graph: graph, opsetImports: opsets, irVersion: Int(p.irVersion),
            producerName: p.producerName, producerVersion: p.producerVersion, domain: p.domain,
            modelVersion: Int(p.modelVersion), docString: p.docString,
            metadata: p.metadataProps.map { ($0.key, $0.value) }, functions: functions)
    }

    /// `borrowed` (top-level graph only) holds the raw_data left out of `g`.
    static func graph(from g: Onnx_GraphProto, external: ExternalDataResolver?, depth: Int, borrowed: BorrowedWeights? = nil) throws -> Graph {
        guard depth <= maxDepth else { throw GraphError("subgraphs are nested more than \(maxDepth) levels deep: refusing to load") }
        var inits: [(String, Tensor)] = []
        inits.reserveCapacity(g.initializer.count)
        for (i, t) in g.initializer.enumerated() {
            inits.append((t.name, try Tensor(proto: t, external: external, raw: borrowed?.initializer(i))))
        }
        for s in g.sparseInitializer {
            inits.append((s.values.name, try denseFromSparse(s, external: external)))
        }
        return Graph(
            name: g.name,
            nodes: try g.node.enumerated().map { i, n in
                try node(from: n, external: external, depth: depth, borrowed: borrowed, index: i)
            },
            inputs: g.input.map(valueInfo), outputs: g.output.map(valueInfo), initializers: inits,
            valueInfo: g.valueInfo.map(valueInfo), docString: g.docString,
            metadata: g.metadataProps.map { ($0.key, $0.value) })
    }

    static func node(from n: Onnx_NodeProto, external: ExternalDataResolver?, depth: Int,
                     borrowed: BorrowedWeights? = nil, index: Int = 0) throws -> Node {
        Node(
            name: n.name, opType: n.opType, domain: n.domain, inputs: n.input, outputs: n.output,
            attributes: try n.attribute.enumerated().map { j, a in
                try attribute(from: a, external: external, depth: depth, raw: borrowed?.attribute(node: index, attribute: j))
            },
            docString: n.docString, metadata: n.metadataProps.map { ($0.key, $0.value) }, overload: n.overload)
    }

    static func attribute(from a: Onnx_AttributeProto, external: ExternalDataResolver?, depth: Int, raw: BorrowedBytes? = nil) throws -> Attribute {
        if !a.refAttrName.isEmpty {
            return Attribute(name: a.name, value: .reference(a.refAttrName), docString: a.docString, refType: a.type.rawValue)
        }
        let v: AttributeValue
        var type = a.type
        if !a.hasType {
            // Old files omit the type; infer it from the field that is set.
            if a.hasF { type = .float } else if a.hasI { type = .int } else if a.hasS { type = .string }
            else if a.hasT { type = .tensor } else if a.hasG { type = .graph } else if !a.floats.isEmpty { type = .floats }
            else if !a.ints.isEmpty { type = .ints } else if !a.strings.isEmpty { type = .strings }
            else if !a.tensors.isEmpty { type = .tensors } else if !a.graphs.isEmpty { type = .graphs }
        }
        switch type {
        case .float: v = .float(a.f)
        case .int: v = .int(Int(truncatingIfNeeded: a.i))
        case .string: v = .string(String(decoding: a.s, as: UTF8.self))
        case .tensor: v = .tensor(try Tensor(proto: a.t, external: external, raw: raw))
        case .graph: v = .graph(try graph(from: a.g, external: external, depth: depth + 1))
        case .floats: v = .floats(a.floats)
        case .ints: v = .ints(a.ints.map { Int(truncatingIfNeeded: $0) })
        case .strings: v = .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        case .tensors: v = .tensors(try a.tensors.map { try Tensor(proto: $0, external: external) })
        case .graphs: v = .graphs(try a.graphs.map { try graph(from: $0, external: external, depth: depth + 1) })
        case .typeProto: v = .type(valueType(a.tp))
        case .typeProtos: v = .types(a.typeProtos.map(valueType))
        case .sparseTensor: v = .sparseTensor(try denseFromSparse(a.sparseTensor, external: external))
        default: throw GraphError("attribute '\(a.name)' has an unsupported type (\(a.type.rawValue))")
        }
        return Attribute(name: a.name, value: v, docString: a.docString)
    }

    static func function(from f: Onnx_FunctionProto, external: ExternalDataResolver?) throws -> Function {
        var opsets: [String: Int] = [:]
        for o in f.opsetImport { opsets[o.domain == "ai.onnx" ? "" : o.domain] = Int(o.version) }
        return Function(
            name: f.name, domain: f.domain, overload: f.overload, inputs: f.input, outputs: f.output,
            attributeNames: f.attribute,
            attributeDefaults: try f.attributeProto.map { try attribute(from: $0, external: external, depth: 1) },
            nodes: try f.node.map { try node(from: $0, external: external, depth: 1) },
            opsetImports: opsets, docString: f.docString, valueInfo: f.valueInfo.map(valueInfo),
            metadata: f.metadataProps.map { ($0.key, $0.value) })
    }

    static func valueInfo(_ v: Onnx_ValueInfoProto) -> ValueInfo {
        ValueInfo(name: v.name, type: v.hasType ? valueType(v.type) : .unknown, docString: v.docString,
                  metadata: v.metadataProps.map { ($0.key, $0.value) })
    }

    static func dims(_ s: Onnx_TensorShapeProto) -> [Dim] {
        s.dim.map { d in
            switch d.value {
            case .dimValue(let v)?: return v >= 0 ? .known(Int(v)) : .unknown
            case .dimParam(let p)?: return p.isEmpty ? .unknown : .symbolic(p)
            case nil: return .unknown
            }
        }
    }

    static func valueType(_ t: Onnx_TypeProto) -> ValueType {
        switch t.value {
        case .tensorType(let tt)?:
            let shape = tt.hasShape ? dims(tt.shape) : nil
            if tt.hasElemType && tt.elemType != 0 && DType(rawValue: Int(tt.elemType)) == nil {
                return .unsupported(Int(tt.elemType), shape)
            }
            return .tensor(DType(rawValue: Int(tt.elemType)), shape)
        case .sparseTensorType(let st)?:
            return .sparseTensor(DType(rawValue: Int(st.elemType)), st.hasShape ? dims(st.shape) : nil)
        case .sequenceType(let s)?: return .sequence(s.hasElemType ? valueType(s.elemType) : .unknown)
        case .optionalType(let o)?: return .optional(o.hasElemType ? valueType(o.elemType) : .unknown)
        case .mapType(let m)?: return .map(keyType: Int(m.keyType), m.hasValueType ? valueType(m.valueType) : .unknown)
        case .opaqueType?, nil: return .unknown
        }
    }

    /// Sparse tensors (COO) are expanded to dense ones: we compute on dense data only.
    static func denseFromSparse(_ s: Onnx_SparseTensorProto, external: ExternalDataResolver?) throws -> Tensor {
        let values = try Tensor(proto: s.values, external: external)
        guard values.dtype != .string else { throw GraphError("sparse tensor '\(s.values.name)' holds strings, which sparse tensors cannot") }
        let indices = try Tensor(proto: s.indices, external: external).intArray()
        let shape = s.dims.map { Int($0) }
        let n = try Tensor.checkedCount(shape, dtype: values.dtype)
        let nnz = values.count
        var flat = [Int](repeating: -1, count: nnz)
        if indices.count == nnz {
            flat = indices
        } else if indices.count == nnz * shape.count {
            let strides = contiguousStrides(shape)
            for i in 0..<nnz {
                var f = 0
                for d in 0..<shape.count {
                    let k = indices[i * shape.count + d]
                    guard k >= 0 && k < shape[d] else {
                        throw GraphError("sparse tensor '\(s.values.name)' index \(k) out of range for dimension \(d) of size \(shape[d])")
                    }
                    f += k * strides[d]
                }
                flat[i] = f
            }
        } else {
            throw GraphError("sparse tensor '\(s.values.name)' has \(indices.count) indices for \(nnz) values")
        }
        var dense = try Tensor(zeros: values.dtype, shape: [n]).doubleArray()
        let vals = values.doubleArray()
        for (i, f) in flat.enumerated() {
            guard f >= 0 && f < n else { throw GraphError("sparse tensor index \(f) out of range") }
            dense[f] = vals[i]
        }
        return try Tensor(doubles: dense, shape: shape, dtype: values.dtype)
    }
}
