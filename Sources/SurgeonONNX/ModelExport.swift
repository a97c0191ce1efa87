import Foundation
import ONNXProto
import SwiftProtobuf
import SurgeonGraph
import SurgeonTensor

/// Writes the graph IR back to ONNX protobuf, keeping names, opsets and metadata.
public enum ONNXExport {
    /// Serializes `model` to ONNX bytes.
    public static func encode(_ model: Model) throws -> Data {
        do { return try proto(model).serializedData() } catch let e as GraphError { throw e } catch {
            throw GraphError("cannot encode model: \(error)")
        }
    }

    /// Saves `model` to `path` (atomically: a temporary file renamed into place).
    /// Models whose weights pass 2 GB, the protobuf limit, get their initializers in
    /// `<file>.data` beside it (ONNX external data). Large weights go from the tensors'
    /// memory (often the mapped model file) straight to the file, never through a copy.
    public static func save(_ model: Model, path: String) throws {
        try save(model, path: path, externalDataFrom: (1 << 31) - (64 << 20))
    }

    /// `save`, with weights of `externalDataFrom` bytes or more going to external data.
    static func save(_ model: Model, path: String, externalDataFrom limit: Int) throws {
        let weightBytes = model.graph.initializers.values.reduce(0) { $0 + $1.byteCount }
        if weightBytes < limit {
            let w = try AtomicFileWriter(path: path)
            try encode(model) { try w.write($0) }
            try w.commit()
            return
        }
        let dataName = (path as NSString).lastPathComponent + ".data"
        let dir = (path as NSString).deletingLastPathComponent
        let dataPath = (dir.isEmpty ? "." : dir) + "/" + dataName
        // Offsets first (each tensor 64-byte aligned), then the bytes, tensor by tensor.
        var blobCount = 0
        var placed: [(Tensor, Int)] = []
        var p = try proto(model, externalize: { name, t in
            var tp = Onnx_TensorProto()
            tp.name = name
            tp.dataType = Int32(t.dtype.rawValue)
            tp.dims = t.shape.map { Int64($0) }
            let offset = blobCount
            let length = t.dtype.packedBits == nil ? t.byteCount : t.dtype.packedByteCount(t.count)
            placed.append((t, length))
            blobCount += length
            blobCount += (64 - blobCount % 64) % 64
            tp.dataLocation = .external
            tp.externalData = [entry("location", dataName), entry("offset", String(offset)), entry("length", String(length))]
            return tp
        })
        p.irVersion = max(p.irVersion, 4)
        let blob = try AtomicFileWriter(path: dataPath)
        var written = 0
        let zeros = [UInt8](repeating: 0, count: 64)
        for (t, length) in placed {
            if t.dtype.packedBits == nil {
                try blob.write(UnsafeRawBufferPointer(start: t.rawPointer, count: length))
            } else {
                try blob.write(t.onnxRawData())
            }
            written += length
            let pad = (64 - written % 64) % 64
            try zeros.withUnsafeBytes { try blob.write(UnsafeRawBufferPointer(rebasing: $0.prefix(pad))) }
            written += pad
        }
        try blob.commit()
        do { try writeFileAtomically(try p.serializedData(), to: path) } catch let e as GraphError { throw e } catch {
            throw GraphError("cannot encode model: \(error)")
        }
    }

    /// Raw data at least this big is streamed from tensor memory by `encode(_:emit:)`.
    static let streamedRawBytes = 64 << 10

    /// Serializes `model` in pieces handed to `emit`, in order: the bytes of `encode(model)`
    /// (fields in field-number order, as protobuf writes them), with every large raw_data
    /// handed over straight from the tensor's memory instead of being copied into messages.
    public static func encode(_ model: Model, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var streamed: [String: Tensor] = [:]
        let p = try proto(model, externalize: { name, t in
            guard t.dtype.packedBits == nil, t.byteCount >= streamedRawBytes else { return t.proto(name: name) }
            // Everything but raw_data (field 9); dims, data_type and name are fields 1, 2 and 8.
            var tp = Onnx_TensorProto()
            tp.name = name
            tp.dataType = Int32(t.dtype.rawValue)
            tp.dims = t.shape.map { Int64($0) }
            streamed[name] = t
            return tp
        })
        func bytes(_ m: some SwiftProtobuf.Message) throws -> Data {
            do { return try m.serializedData() } catch { throw GraphError("cannot encode model: \(error)") }
        }
        // ModelProto: fields 1-6, graph (7), then 8 and up.
        var head = Onnx_ModelProto()
        if p.hasIrVersion { head.irVersion = p.irVersion }
        if p.hasProducerName { head.producerName = p.producerName }
        if p.hasProducerVersion { head.producerVersion = p.producerVersion }
        if p.hasDomain { head.domain = p.domain }
        if p.hasModelVersion { head.modelVersion = p.modelVersion }
        if p.hasDocString { head.docString = p.docString }
        var tail = p
        tail.clearIrVersion(); tail.clearProducerName(); tail.clearProducerVersion()
        tail.clearDomain(); tail.clearModelVersion(); tail.clearDocString(); tail.clearGraph()
        // GraphProto: node (1), name (2), initializer (5), then 10 and up.
        let g = p.graph
        var graphHead = Onnx_GraphProto()
        graphHead.node = g.node
        if g.hasName { graphHead.name = g.name }
        var graphTail = g
        graphTail.node = []
        graphTail.clearName()
        graphTail.initializer = []
        var inits: [(head: Data, raw: Tensor?)] = []
        inits.reserveCapacity(g.initializer.count)
        for t in g.initializer {
            inits.append((try bytes(t), t.hasRawData ? nil : streamed[t.name]))
        }
        let graphHeadBytes = try bytes(graphHead)
        var graphCount = graphHeadBytes.count
        for i in inits {
            let size = i.head.count + (i.raw.map { rawFieldSize($0.byteCount) } ?? 0)
            graphCount += 1 + varintSize(size) + size
        }
        let graphTailBytes = try bytes(graphTail)
        graphCount += graphTailBytes.count
        func emitData(_ d: Data) throws { try d.withUnsafeBytes { try emit($0) } }
        func emitLength(field: Int, _ n: Int) throws {
            var b: [UInt8] = []
            appendVarint(&b, UInt64(field << 3 | 2))
            appendVarint(&b, UInt64(n))
            try b.withUnsafeBytes { try emit($0) }
        }
        try emitData(try bytes(head))
        try emitLength(field: 7, graphCount)
        try emitData(graphHeadBytes)
        for i in inits {
            guard let t = i.raw else {
                try emitLength(field: 5, i.head.count)
                try emitData(i.head)
                continue
            }
            try emitLength(field: 5, i.head.count + rawFieldSize(t.byteCount))
            try emitData(i.head)
            try emitLength(field: 9, t.byteCount)
            try emit(UnsafeRawBufferPointer(start: t.rawPointer, count: t.byteCount))
        }
        try emitData(graphTailBytes)
        try emitData(try bytes(tail))
    }

    /// Bytes of a length-delimited field 9 (raw_data) holding `n` bytes.
    static func rawFieldSize(_ n: Int) -> Int { 1 + varintSize(n) + n }

    static func varintSize(_ n: Int) -> Int {
        var v = UInt64(n), k = 1
        while v >= 0x80 { v >>= 7; k += 1 }
        return k
    }

    static func appendVarint(_ b: inout [UInt8], _ value: UInt64) {
        var v = value
        while v >= 0x80 {
            b.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        b.append(UInt8(v))
    }

    public static func entry(_ k: String, _ v: String) -> Onnx_StringStringEntryProto {
        var e = Onnx_StringStringEntryProto()
        e.key = k
        e.value = v
        return e
    }

    public static func proto(_ m: Model, externalize: ((String, Tensor) -> Onnx_TensorProto)? = nil) throws -> Onnx_ModelProto {
        var p = Onnx_ModelProto()
        p.irVersion = Int64(m.irVersion)
        p.producerName = m.producerName
        p.producerVersion = m.producerVersion
        if !m.domain.isEmpty { p.domain = m.domain }
        p.modelVersion = Int64(m.modelVersion)
        if !m.docString.isEmpty { p.docString = m.docString }
        p.opsetImport = m.opsetImports.sorted { $0.key < $1.key }.map { k, v in
            var o = Onnx_OperatorSetIdProto()
            o.domain = k
            o.version = Int64(v)
            return o
        }
        p.metadataProps = m.metadata.map { entry($0.0, $0.1) }
        p.graph = graph(m.graph, externalize: externalize)
        p.functions = m.functions.map(function)
        return p
    }

    static func graph(_ g: Graph, externalize: ((String, Tensor) -> Onnx_TensorProto)? = nil) -> Onnx_GraphProto {
        var p = Onnx_GraphProto()
        p.name = g.name
        p.node = g.nodes.map(node)
        p.input = g.inputs.map(valueInfo)
        p.output = g.outputs.map(valueInfo)
        p.valueInfo = g.valueInfo.map(valueInfo)
        p.initializer = g.initializerOrder.compactMap { name in
            guard let t = g.initializers[name] else { return nil }
            if let externalize, t.dtype != .string, t.byteCount >= 1024 { return externalize(name, t) }
            return t.proto(name: name)
        }
        if !g.docString.isEmpty { p.docString = g.docString }
        p.metadataProps = g.metadata.map { entry($0.0, $0.1) }
        return p
    }

    static func node(_ n: Node) -> Onnx_NodeProto {
        var p = Onnx_NodeProto()
        p.name = n.name
        p.opType = n.opType
        if !n.domain.isEmpty { p.domain = n.domain }
        if !n.overload.isEmpty { p.overload = n.overload }
        p.input = n.inputs
        p.output = n.outputs
        p.attribute = n.attributes.map(attribute)
        if !n.docString.isEmpty { p.docString = n.docString }
        p.metadataProps = n.metadata.map { entry($0.0, $0.1) }
        return p
    }

    static func attribute(_ a: Attribute) -> Onnx_AttributeProto {
        var p = Onnx_AttributeProto()
        p.name = a.name
        if !a.docString.isEmpty { p.docString = a.docString }
        switch a.value {
        case .float(let v): p.type = .float; p.f = v
        case .int(let v): p.type = .int; p.i = Int64(v)
        case .string(let v): p.type = .string; p.s = Data(v.utf8)
        case .tensor(let t): p.type = .tensor; p.t = t.proto()
        case .graph(let g): p.type = .graph; p.g = graph(g)
        case .floats(let v): p.type = .floats; p.floats = v
        case .ints(let v): p.type = .ints; p.ints = v.map { Int64($0) }
        case .strings(let v): p.type = .strings; p.strings = v.map { Data($0.utf8) }
        case .tensors(let v): p.type = .tensors; p.tensors = v.map { $0.proto() }
        case .graphs(let v): p.type = .graphs; p.graphs = v.map { graph($0) }
        case .type(let t): p.type = .typeProto; p.tp = typeProto(t)
        case .types(let ts): p.type = .typeProtos; p.typeProtos = ts.map(typeProto)
        case .sparseTensor(let t): p.type = .tensor; p.t = t.proto()
        case .reference(let r):
            p.refAttrName = r
            p.type = Onnx_AttributeProto.AttributeType(rawValue: a.refType) ?? .undefined
        }
        return p
    }

    static func function(_ f: Function) -> Onnx_FunctionProto {
        var p = Onnx_FunctionProto()
        p.name = f.name
        p.domain = f.domain
        if !f.overload.isEmpty { p.overload = f.overload }
        p.input = f.inputs
        p.output = f.outputs
        p.attribute = f.attributeNames
        p.attributeProto = f.attributeDefaults.map(attribute)
        p.node = f.nodes.map(node)
        p.opsetImport = f.opsetImports.sorted { $0.key < $1.key }.map { k, v in
            var o = Onnx_OperatorSetIdProto()
            o.domain = k
            o.version = Int64(v)
            return o
        }
        if !f.docString.isEmpty { p.docString = f.docString }
        p.valueInfo = f.valueInfo.map(valueInfo)
        p.metadataProps = f.metadata.map { entry($0.0, $0.1) }
        return p
    }

    static func valueInfo(_ v: ValueInfo) -> Onnx_ValueInfoProto {
        var p = Onnx_ValueInfoProto()
        p.name = v.name
        if case .unknown = v.type {} else { p.type = typeProto(v.type) }
        if !v.docString.isEmpty { p.docString = v.docString }
        p.metadataProps = v.metadata.map { entry($0.0, $0.1) }
        return p
    }

    static func shapeProto(_ dims: [Dim]) -> Onnx_TensorShapeProto {
        var s = Onnx_TensorShapeProto()
        s.dim = dims.map { d in
            var x = Onnx_TensorShapeProto.Dimension()
            switch d {
            case .known(let n): x.dimValue = Int64(n)
            case .symbolic(let name): x.dimParam = name
            case .unknown: break
            }
            return x
        }
        return s
    }

    static func typeProto(_ t: ValueType) -> Onnx_TypeProto {
        var p = Onnx_TypeProto()
        switch t {
        case .tensor(let d, let dims):
            var tt = Onnx_TypeProto.Tensor()
            tt.elemType = Int32(d?.rawValue ?? 0)
            if let dims { tt.shape = shapeProto(dims) }
            p.tensorType = tt
        case .sparseTensor(let d, let dims):
            var st = Onnx_TypeProto.SparseTensor()
            st.elemType = Int32(d?.rawValue ?? 0)
            if let dims { st.shape = shapeProto(dims) }
            p.sparseTensorType = st
        case .unsupported(let code, let dims):
            var tt = Onnx_TypeProto.Tensor()
            tt.elemType = Int32(code)
            if let dims { tt.shape = shapeProto(dims) }
            p.tensorType = tt
        case .sequence(let e):
            var s = Onnx_TypeProto.Sequence()
            s.elemType = typeProto(e)
            p.sequenceType = s
        case .optional(let e):
            var o = Onnx_TypeProto.Optional()
            o.elemType = typeProto(e)
            p.optionalType = o
        case .map(let k, let v):
            var m = Onnx_TypeProto.Map()
            m.keyType = Int32(k)
            m.valueType = typeProto(v)
            p.mapType = m
        case .unknown: break
        }
        return p
    }
}
