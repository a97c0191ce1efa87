import Foundation
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor
import Testing
@testable import SurgeonShell

/// NaN/Inf, zero-size and 0-d tensors through print, stats, heatmap, export and run; bad
/// arguments to the expression functions.
@Suite struct ValueEdgeTests {
    @Test func printNaNAndInf() {
        let t = expectNoError("print [nan, inf, -inf, 1.5]")
        #expect(t.out.last == "tensor([   nan,    inf,   -inf, 1.5000])")
    }
    @Test func statsAllNaN() {
        let t = expectNoError("stats full((3,), nan)")
        #expect(t.out.last?.contains("nan=3") == true)
    }
    @Test func statsInf() {
        let t = expectNoError("stats [inf, -inf, 1.0]")
        #expect(t.out.last?.contains("inf=2") == true)
    }
    @Test func statsEmptyAndZeroD() {
        let t = expectNoError("stats z; stats 3")
        #expect(t.out.suffix(2).first?.contains("empty") == true)
        #expect(t.out.last?.contains("mean=3") == true)
    }
    @Test func printEmptyAndZeroD() {
        let t = expectNoError("print z; print zeros(0); print 2.5; print zeros(())")
        #expect(t.out.suffix(4) == ["tensor([], size=(0, 3))", "tensor([])", "tensor(2.5000)", "tensor(0.)"])
    }
    @Test func heatmapNaN() {
        let t = expectNoError("heatmap full((4, 4), nan)")
        #expect(t.out.last?.isEmpty == false)
    }
    @Test func heatmapInfMixed() { expectNoError("heatmap [[inf, 1.0], [-inf, 2.0]]") }
    @Test func heatmapExtremeFloat64() { expectNoError("heatmap cast([[-1e308, 1e308], [0, 1]], float64)") }
    @Test func heatmapZeroD() { expectNoError("heatmap 3.0") }
    @Test func heatmapEmpty() { expectOneError("heatmap z", mentions: ["empty", "float32[0,3]"]) }
    @Test func heatmapBadDims() { expectOneError("heatmap a dims=0,5", mentions: ["5"]) }
    @Test func heatmapSameDims() { expectOneError("heatmap a dims=1,1", mentions: ["two different axes"]) }
    @Test func heatmapIndexOutOfRange() { expectOneError("heatmap zeros(2,3,4) index=9", mentions: ["9"]) }
    @Test func heatmapStrings() { expectOneError("heatmap \"text\"", mentions: ["tensor"]) }

    @Test func exportAndReloadEdgeValues() {
        let dir = scratchDirectory()
        let t = expectNoError("""
            export [nan, inf, -inf] "\(dir)/nan.npy"
            export z "\(dir)/empty.npy"
            export 7 "\(dir)/scalar.pb"
            export zeros(0, 2, dtype=int64) "\(dir)/empty.pb"
            print load("\(dir)/nan.npy"); print load("\(dir)/empty.npy"); print load("\(dir)/scalar.pb"); print load("\(dir)/empty.pb")
            """)
        #expect(t.out.suffix(4) == ["tensor([nan, inf, -inf])", "tensor([], size=(0, 3))", "tensor(7, dtype=int64)", "tensor([], size=(0, 2), dtype=int64)"])
    }
    @Test func runNaNInput() {
        let t = expectNoError("run x=full((1,5), nan)")
        #expect(t.out.last == "y: tensor([[nan]])")
    }
    @Test func runZeroBatch() {
        let t = expectNoError("run x=zeros(0,5); print out.y")
        #expect(t.out.last == "tensor([], size=(0, 1))")
    }
    @Test func reductionsOfEmpty() {
        let s = preparedSession()
        // Each either prints a value or gives one error; none may crash.
        for expr in ["argmax(zeros(0))", "argmin(z)", "max(zeros(0))", "min(z)", "sum(zeros(0))", "mean(zeros(0))",
                     "softmax(zeros(0))", "topk(zeros(0), 1)", "cosine(zeros(0), zeros(0))", "allclose(z, z)", "transpose(z)"] {
            let (t, _) = runScript("print \(expr)", session: s)
            #expect(t.err.count + t.out.count == 1, "print \(expr): \(t.out) \(t.err)")
        }
    }
    @Test func indexEmpty() { expectOneError("print zeros(0)[0]", mentions: ["index"]) }
    @Test func indexOutOfRange() { expectOneError("print a[5]", mentions: ["5"]) }
    @Test func tooManyIndices() { expectOneError("print a[0, 0, 0]", mentions: ["ind"]) }
    @Test func zeroStep() { expectOneError("print a[::0]", mentions: ["step"]) }
    @Test func hugeIndex() { expectOneError("print a[99999999999999999999]") }
    @Test func arangeNaN() { expectOneError("print arange(nan)", mentions: ["arange"]) }
    @Test func arangeInf() { expectOneError("print arange(0, inf)", mentions: ["arange"]) }
    @Test func arangeZeroStep() { expectOneError("print arange(0, 5, 0)", mentions: ["step"]) }
    @Test func castNaNToInt() { expectNoError("print int(full((2,), nan)); print int(1e30); print cast([inf], int8)") }
    @Test func badReshape() { expectOneError("print reshape(rand(6), (4, 2))") }
    @Test func badMatmul() { expectOneError("print rand(2,3) @ rand(2,3)") }
    @Test func badBroadcast() { expectOneError("print rand(2,3) + rand(4)") }
    @Test func badTranspose() { expectOneError("print transpose(a, 0, 5)") }
    @Test func topkTooLarge() { expectOneError("print topk(rand(3), 5)") }
    @Test func randintEmptyRange() { expectOneError("print randint(5, 5, (2,))", mentions: ["low < high"]) }
    @Test func fullWithoutValue() { expectOneError("print full((2,3))", mentions: ["fill value"]) }
    @Test func negativeShape() { expectOneError("print rand(-1, 5)", mentions: ["-1"]) }
    @Test func stringArithmetic() { expectOneError("print \"a\" + 1", mentions: ["string"]) }
    @Test func raggedList() { expectOneError("print [[1, 2], [3]]", mentions: ["ragged"]) }
}

/// Requests too large to allocate are refused with the size they would need.
@Suite struct HugeRequestTests {
    @Test func randHuge() { expectOneError("let big = rand(100000,100000)", mentions: ["37.3 GiB"]) }
    @Test func zerosOverflow() { expectOneError("let big = zeros(100000,100000,100000,100000)", mentions: ["too many elements"]) }
    @Test func randintHuge() { expectOneError("let big = randint(0, 2, (100000, 100000))", mentions: ["GiB"]) }
    @Test func fullHuge() { expectOneError("let big = full((100000, 100000), 1.0)", mentions: ["GiB"]) }
    @Test func onesHuge() { expectOneError("let big = ones(100000, 100000)", mentions: ["GiB"]) }
    @Test func arangeHuge() { expectOneError("let big = arange(1e13)", mentions: ["GiB"]) }
    @Test func broadcastHuge() { expectOneError("let big = rand(100000, 1) + rand(1, 100000)", mentions: ["GiB"]) }
    @Test func runHugeInput() { expectOneError("run x=rand(100000000, 500)", mentions: ["GiB"]) }
}

/// Lexical abuse: non-UTF-8 bytes, control characters, very long lines, deep nesting.
@Suite struct LexicalAbuseTests {
    /// How the executable turns raw bytes into a line: invalid UTF-8 becomes U+FFFD.
    func line(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func nonUTF8InExpression() { expectOneError(line(Array("print ".utf8) + [0xff, 0xfe, 0x31]), mentions: ["unexpected character"]) }
    @Test func nonUTF8InModelName() { expectOneError(line(Array("use ".utf8) + [0xc3, 0x41]), mentions: ["no model"]) }
    @Test func nonUTF8InPath() { expectOneError(line(Array("load /tmp/".utf8) + [0xff, 0x80] + Array(".onnx".utf8)), mentions: ["no such file"]) }
    @Test func nonUTF8Command() { expectOneError(line([0xfe, 0xed, 0xfa, 0xce]), mentions: ["unknown command"]) }
    @Test func nulInPath() { expectOneError("load \"/tmp/a\u{0}b.onnx\"") }
    @Test func nulInVariableName() { expectOneError("let a\u{0}b = 1", mentions: ["not a variable name"]) }
    @Test func controlCharacters() { expectOneError("print \u{7}\u{1b}1", mentions: ["unexpected character"]) }
    @Test func unterminatedString() { expectOneError("print \"abc", mentions: ["unterminated"]) }
    @Test func unclosedBracket() { expectOneError("print (1, 2", mentions: ["unclosed"]) }
    @Test func strayClosers() { expectOneError("print 1))((", mentions: ["unexpected"]) }

    @Test func megabyteUnknownCommand() {
        let t = expectOneError(String(repeating: "x", count: 1 << 20), mentions: ["unknown command"])
        #expect(t.errors.count < 600)
    }
    @Test func megabyteSum() {
        // 1 MB of `1+1+...`: an answer or a clear refusal, never a stack overflow.
        expectOneError("print " + String(repeating: "1+", count: 1 << 19) + "1", mentions: ["too deeply"])
    }
    @Test func megabyteOfParentheses() {
        expectOneError("print " + String(repeating: "(", count: 1 << 20) + "1" + String(repeating: ")", count: 1 << 20), mentions: ["too deeply"])
    }
    @Test func megabyteOfBrackets() {
        expectOneError("print " + String(repeating: "[", count: 1 << 20) + String(repeating: "]", count: 1 << 20), mentions: ["too deeply"])
    }
    @Test func megabyteOfNegations() {
        expectOneError("print " + String(repeating: "-", count: 1 << 20) + "1", mentions: ["too deeply"])
    }
    @Test func megabyteOfIndexing() {
        expectOneError("print a" + String(repeating: "[0]", count: 1 << 18), mentions: ["too deeply"])
    }
    @Test func megabyteString() {
        let t = expectNoError("print \"" + String(repeating: "y", count: 1 << 20) + "\"")
        #expect(t.out.last?.count == (1 << 20) + 2)
    }
    @Test func megabyteList() {
        let t = expectNoError("print sum([" + String(repeating: "1,", count: 1 << 19) + "1])")
        #expect(t.out.last == "tensor(524289, dtype=int64)")
    }
    @Test func moderatelyDeepIsFine() {
        let t = expectNoError("print " + String(repeating: "(", count: 50) + "1" + String(repeating: ")", count: 50) + " + " + String(repeating: "1+", count: 50) + "1")
        #expect(t.out.last == "tensor(52, dtype=int64)")
    }
}

/// `save` and `export` to paths that cannot be written: one error, nothing half written.
@Suite struct UnwritablePathTests {
    @Test func saveUnderMissingDirectory() {
        let dir = scratchDirectory()
        expectOneError("save \"\(dir)/missing/m.onnx\"", mentions: ["\(dir)/missing/m.onnx"])
        #expect(listing(dir).isEmpty)
    }
    @Test func saveOntoADirectory() throws {
        let dir = scratchDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/m.onnx", withIntermediateDirectories: true)
        expectOneError("save \"\(dir)/m.onnx\"", mentions: ["m.onnx", "directory"])
        #expect(listing(dir) == ["m.onnx"])
        #expect(listing(dir + "/m.onnx").isEmpty)
    }
    @Test func saveWithNoModel() {
        let s = preparedSession()
        expectNoError("drop demo", session: s)
        expectOneError("save \"\(scratchDirectory())/m.onnx\"", mentions: ["no model loaded"], session: s)
    }
    @Test func exportUnderMissingDirectory() {
        let dir = scratchDirectory()
        expectOneError("export a \"\(dir)/missing/a.npy\"", mentions: ["missing/a.npy"])
        #expect(listing(dir).isEmpty)
    }
    @Test func exportOntoADirectory() throws {
        let dir = scratchDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/a.pb", withIntermediateDirectories: true)
        expectOneError("export a \"\(dir)/a.pb\"", mentions: ["a.pb", "directory"])
        #expect(listing(dir) == ["a.pb"])
    }
    @Test func exportUnknownSuffix() {
        let dir = scratchDirectory()
        expectOneError("export a \"\(dir)/a.txt\"", mentions: [".npy or .pb"])
        #expect(listing(dir).isEmpty)
    }
    @Test func exportStringsToNpyKeepsTheOldFile() throws {
        let dir = scratchDirectory()
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir + "/s.npy"))
        expectOneError("export \"text\" \"\(dir)/s.npy\"", mentions: ["tensor"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/s.npy")) == Data("old".utf8))
        #expect(listing(dir) == ["s.npy"])
    }
    @Test func exportNoPath() { expectOneError("export a", mentions: ["export needs EXPR PATH"]) }
    @Test func saveRoundTripStillWorks() {
        let dir = scratchDirectory()
        expectNoError("save \"\(dir)/d.onnx\"; load \"\(dir)/d.onnx\" as again; run x=ones(1,5)")
        #expect(listing(dir) == ["d.onnx"])
    }
}
