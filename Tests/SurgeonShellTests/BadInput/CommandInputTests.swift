import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
@testable import SurgeonShell

/// `run` with inputs that do not fit the model (demo: x float32[batch,5]).
@Suite struct RunMismatchTests {
    @Test func wrongShape() { expectOneError("run x=rand(1,4)", mentions: ["'x'", "float32[batch,5]", "float32[1,4]"]) }
    @Test func wrongRank() { expectOneError("run x=rand(5)", mentions: ["'x'", "float32[5]"]) }
    @Test func wrongRankZeroD() { expectOneError("run x=3.5", mentions: ["'x'"]) }
    @Test func wrongDtype() { expectOneError("run x=ones(1,5,dtype=int64)", mentions: ["'x'", "int64", "cast"]) }
    @Test func boolInput() { expectOneError("run x=zeros(1,5,dtype=bool)", mentions: ["'x'", "bool"]) }
    @Test func unknownInputName() { expectOneError("run y=rand(1,5)", mentions: ["no input 'y'", "x: float32[batch,5]"]) }
    @Test func stringInput() { expectOneError("run x=\"hello\"", mentions: ["'x'", "tensor"]) }
    @Test func inputGivenTwice() { expectOneError("run x=rand(1,5) x=rand(2,5)", mentions: ["'x'", "twice"]) }
    @Test func badExpressionInInput() { expectOneError("run x=rand(1,5", mentions: ["unclosed"]) }
    @Test func positionalOnTwoInputModel() throws {
        let dir = scratchDirectory()
        let m = Hostile.model([Node(name: "add", opType: "Add", inputs: ["a", "b"], outputs: ["y"])], inputs: ["a", "b"])
        let path = try Hostile.write(m, dir)
        let s = preparedSession()
        expectNoError("load \"\(path)\" as two", session: s)
        expectOneError("run rand(1,4)", mentions: ["2 inputs", "a, b"], session: s)
    }
    @Test func runWithNoModel() {
        let s = preparedSession()
        expectNoError("drop demo", session: s)
        expectOneError("run", mentions: ["no model loaded"], session: s)
    }
}

/// Unknown (and near-miss) names in every command that takes one.
@Suite struct UnknownNameTests {
    @Test func unknownCommand() { expectOneError("lod model.onnx", mentions: ["unknown command 'lod'", "'load'"]) }
    @Test func useUnknownModel() { expectOneError("use dem", mentions: ["no model 'dem'", "'demo'"]) }
    @Test func dropUnknownModel() { expectOneError("drop nosuch", mentions: ["no model 'nosuch'"]) }
    @Test func useAmbiguousPrefix() throws {
        let dir = scratchDirectory()
        let path = try Hostile.write(try Hostile.tinyModel(), dir)
        let s = preparedSession()
        expectNoError("load \"\(path)\" as m1; load \"\(path)\" as m2", session: s)
        expectOneError("use m", mentions: ["no model 'm'", "'m1'", "'m2'"], session: s)
    }
    @Test func infoUnknownNode() { expectOneError("info /layer9/Gemm", mentions: ["unknown node '/layer9/Gemm'", "'/layer1/Gemm'"]) }
    @Test func inspectUnknownNode() { expectOneError("inspect /Relu /Nope", mentions: ["unknown node '/Nope'"]) }
    @Test func inspectBadKeep() { expectOneError("inspect /Relu keep=maybe", mentions: ["keep="]) }
    @Test func treeUnknownName() { expectOneError("tree /Nope", mentions: ["unknown node '/Nope'"]) }
    @Test func printUnknownVariable() { expectOneError("print aa", mentions: ["unknown name 'aa'", "'a'"]) }
    @Test func statsUnknownVariable() { expectOneError("stats nosuch", mentions: ["unknown name 'nosuch'"]) }
    @Test func heatmapUnknownVariable() { expectOneError("heatmap nosuch", mentions: ["unknown name 'nosuch'"]) }
    @Test func letFromUnknownVariable() { expectOneError("let b = nosuch * 2", mentions: ["unknown name 'nosuch'"]) }
    @Test func unknownFunction() { expectOneError("print rnad(2)", mentions: ["unknown function 'rnad'", "'rand'"]) }
    @Test func unknownResultAttribute() { expectOneError("print out.yy", mentions: ["no result 'yy'"]) }
    @Test func unknownResultKey() { expectOneError("print out[\"nosuch\"]", mentions: ["no result 'nosuch'"]) }
    @Test func resultIndexOutOfRange() { expectOneError("print out[7]", mentions: ["7"]) }
    @Test func helpUnknownCommand() { expectOneError("help lod", mentions: ["no command 'lod'"]) }
    @Test func unknownKey() { expectOneError("heatmap a dimz=0,1", mentions: ["no key 'dimz'", "'dims'"]) }
    @Test func unknownDtype() { expectOneError("print zeros(2, dtype=float33)", mentions: ["float33"]) }
    @Test func cutUnknownName() { expectOneError("cut out=/Nope") }
    @Test func exportUnknownVariable() {
        let dir = scratchDirectory()
        expectOneError("export nosuch \"\(dir)/x.npy\"", mentions: ["unknown name 'nosuch'"])
        #expect(listing(dir).isEmpty)
    }
    @Test func outBeforeAnyRun() {
        let (_, s) = runScript("let a = 1")
        expectOneError("print out", mentions: ["nothing has been run"], session: s)
    }
    @Test func duplicateOnnxNodeNamesGetDistinctFriendlyNames() throws {
        let dir = scratchDirectory()
        let m = Hostile.model([
            Node(name: "A", opType: "Relu", inputs: ["x"], outputs: ["a1"]),
            Node(name: "A", opType: "Relu", inputs: ["a1"], outputs: ["a2"]),
            Node(name: "A_1", opType: "Relu", inputs: ["a2"], outputs: ["y"]),
        ])
        let path = try Hostile.write(m, dir)
        let s = preparedSession()
        expectNoError("load \"\(path)\" as dup", session: s)
        let names = s.current?.names.nodeNames ?? []
        #expect(Set(names).count == 3, "friendly names collide: \(names)")
        // Every node is reachable by its friendly name.
        for (i, n) in names.enumerated() {
            #expect((try? s.current?.names.resolve(n, in: s.current?.model ?? Hostile.model([]))) == .node(i))
        }
    }
    @Test func letBadNames() {
        expectOneError("let 1a = 2", mentions: ["not a variable name"])
        expectOneError("let out = 2", mentions: ["reserved"])
        expectOneError("let = 2", mentions: ["not a variable name"])
        expectOneError("let b = ", mentions: ["expression expected"])
    }
    @Test func seedNotANumber() { expectOneError("seed abc", mentions: ["seed needs an integer"]) }
}
