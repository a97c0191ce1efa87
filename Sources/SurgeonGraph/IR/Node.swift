/// One operator application (ONNX NodeProto).
public struct Node: Sendable {
    /// The ONNX node name (may be empty in hand-built models).
    public var name: String
    public var opType: String
    /// "" for the default ONNX domain (`ai.onnx`).
    public var domain: String
    /// Input value names; "" marks an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [Attribute]
    public var docString: String
    /// metadata_props in file order (the dynamo exporter's name scopes live here).
    public var metadata: [(String, String)]
    public var overload: String

    public init(
        name: String = "", opType: String, domain: String = "", inputs: [String], outputs: [String],
        attributes: [Attribute] = [], docString: String = "", metadata: [(String, String)] = [], overload: String = ""
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain == "ai.onnx" ? "" : domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.docString = docString
        self.metadata = metadata
        self.overload = overload
    }

    public func attribute(_ name: String) -> AttributeValue? {
        attributes.first(where: { $0.name == name })?.value
    }

    /// Value names this node reads from enclosing scopes through its subgraphs.
    public var implicitInputs: [String] {
        var names: [String] = []
        for a in attributes {
            switch a.value {
            case .graph(let g): names.append(contentsOf: g.outerScopeReferences)
            case .graphs(let gs): for g in gs { names.append(contentsOf: g.outerScopeReferences) }
            default: break
            }
        }
        return names
    }

    public func metadataValue(_ key: String) -> String? {
        metadata.first(where: { $0.0 == key })?.1
    }
}
