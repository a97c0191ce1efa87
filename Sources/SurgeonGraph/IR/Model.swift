/// A model-local function (ONNX FunctionProto): a named subgraph called like an op.
public struct Function: Sendable {
    public var name: String
    public var domain: String
    public var overload: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributeNames: [String]
    /// Attributes with default values.
    public var attributeDefaults: [Attribute]
    public var nodes: [Node]
    public var opsetImports: [String: Int]
    public var docString: String
    public var valueInfo: [ValueInfo]
    public var metadata: [(String, String)]

    public init(
        name: String, domain: String, overload: String = "", inputs: [String], outputs: [String],
        attributeNames: [String] = [], attributeDefaults: [Attribute] = [], nodes: [Node],
        opsetImports: [String: Int] = [:], docString: String = "", valueInfo: [ValueInfo] = [],
        metadata: [(String, String)] = []
    ) {
        self.name = name
        self.domain = domain
        self.overload = overload
        self.inputs = inputs
        self.outputs = outputs
        self.attributeNames = attributeNames
        self.attributeDefaults = attributeDefaults
        self.nodes = nodes
        self.opsetImports = opsetImports
        self.docString = docString
        self.valueInfo = valueInfo
        self.metadata = metadata
    }
}

/// A whole model (ONNX ModelProto).
public struct Model: Sendable {
    public var graph: Graph
    /// Opset version per domain; the default domain is "".
    public var opsetImports: [String: Int]
    public var irVersion: Int
    public var producerName: String
    public var producerVersion: String
    public var domain: String
    public var modelVersion: Int
    public var docString: String
    public var metadata: [(String, String)]
    public var functions: [Function]

    public init(
        graph: Graph, opsetImports: [String: Int] = ["": 17], irVersion: Int = 8,
        producerName: String = "", producerVersion: String = "", domain: String = "",
        modelVersion: Int = 0, docString: String = "", metadata: [(String, String)] = [],
        functions: [Function] = []
    ) {
        self.graph = graph
        self.opsetImports = opsetImports
        self.irVersion = irVersion
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.docString = docString
        self.metadata = metadata
        self.functions = functions
    }

    /// The default-domain opset (`ai.onnx`).
    public var opset: Int { opsetImports[""] ?? opsetImports["ai.onnx"] ?? 1 }
}
