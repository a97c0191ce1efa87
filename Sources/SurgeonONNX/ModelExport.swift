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
    /// `<file>.data` beside it (ONNX external data).
    public static func save(_ model: Model, path: String) throws {
        let weightBytes = model.graph.initializers.values.reduce(0) { $0 + $1.byteCount }
        if weightBytes < (1 << 31) - (64 << 20) {
            try writeFileAtomically(try encode(model), to: path)
            return
        }
        let dataName = (path as NSString).lastPathComponent + ".data"
        let dir = (path as NSString).deletingLastPathComponent
        let dataPath = (dir.isEmpty ? "." : dir) + "/" + dataName
        var blob = Data()
        var p = try proto(model, externalize: { name, t in
            var tp = Onnx_TensorProto()
            tp.name = name
            tp.dataType = Int32(t.dtype.rawValue)
            tp.dims = t.shape.map { Int64($0) }
            let offset = blob.count
            let bytes = t.onnxRawData()
            blob.append(bytes)
            while blob.count % 64 != 0 { blob.append(0) }
            tp.dataLocation = .external
            tp.externalData = [entry("location", dataName), entry("offset", String(offset)), entry("length", String(bytes.count))]
            return tp
        })
        p.irVersion = max(p.irVersion, 4)
        try writeFileAtomically(blob, to: dataPath)
        do { try writeFileAtomically(try p.serializedData(), to: path) } catch let e as GraphError { throw e } catch {
            throw GraphError("cannot encode model: \(error)")
        }
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
