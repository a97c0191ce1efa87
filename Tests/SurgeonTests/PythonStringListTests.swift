@testable import Surgeon
import Testing

/// The dynamo exporter's `pkg.torch.onnx.name_scopes` metadata: a Python list of strings.
@Suite struct PythonStringListTests {
    @Test func parsesQuotesEscapesAndNonASCII() {
        #expect(parsePythonStringList("['', 'layer1', \"a'b\"]") == ["", "layer1", "a'b"])
        #expect(parsePythonStringList(#"  ['it\'s', 'back\\slash', 'é\é', 'ünï']  "#) == ["it's", "back\\slash", "éé", "ünï"])
        #expect(parsePythonStringList("[]") == [])
    }

    @Test func refusesWhatIsNotAList() {
        #expect(parsePythonStringList("layer1") == nil)
        #expect(parsePythonStringList("['open]") == nil)
        #expect(parsePythonStringList("[1, 2]") == nil)
        #expect(parsePythonStringList("") == nil)
    }
}
