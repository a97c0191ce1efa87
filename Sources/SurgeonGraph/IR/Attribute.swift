import SurgeonTensor

/// The value of a node attribute (ONNX AttributeProto).
public indirect enum AttributeValue: Sendable {
    case float(Float)
    case int(Int)
    case string(String)
    case tensor(Tensor)
    case graph(Graph)
    case floats([Float])
    case ints([Int])
    case strings([String])
    case tensors([Tensor])
    case graphs([Graph])
    case type(ValueType)
    case types([ValueType])
    case sparseTensor(Tensor)
    /// Inside a function body: the value comes from the calling node's attribute of this name.
    case reference(String)
}

public struct Attribute: Sendable {
    public var name: String
    public var value: AttributeValue
    public var docString: String
    /// The ONNX attribute type code of a `reference` (so it can be written back).
    public var refType: Int

    public init(name: String, value: AttributeValue, docString: String = "", refType: Int = 0) {
        self.name = name
        self.value = value
        self.docString = docString
        self.refType = refType
    }
}
