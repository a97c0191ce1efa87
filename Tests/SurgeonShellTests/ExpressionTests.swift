import SurgeonTensor
import Testing
@testable import SurgeonShell

@Suite struct ExpressionTests {
    @Test func literalsAndIndexing() {
        let (t, _) = runScript("""
        print [[1, 2], [3, 4]]
        print [[1.5, 2], [3, 4]][1]
        let a = arange(24)
        print reshape(a, 2, 3, 4)[1, :, 1:3]
        print a[..., -1]
        print a[::5]
        """)
        #expect(t.failures == 0, "\(t.errors)")
        #expect(t.out == [
            "tensor([[1, 2],\n        [3, 4]], dtype=int64)",
            "tensor([3., 4.])",
            "tensor([[13, 14],\n        [17, 18],\n        [21, 22]], dtype=int64)",
            "tensor(23, dtype=int64)",
            "tensor([ 0,  5, 10, 15, 20], dtype=int64)",
        ])
    }

    @Test func constructorsAndDtypes() {
        let (t, _) = runScript("""
        print zeros(2, 3, dtype=int32)
        print ones((2,))
        print full((2, 2), 0.5)
        print arange(1, 2, 0.25)
        """)
        #expect(t.failures == 0, "\(t.errors)")
        #expect(t.out[0] == "tensor([[0, 0, 0],\n        [0, 0, 0]], dtype=int32)")
        #expect(t.out[1] == "tensor([1., 1.])")
        #expect(t.out[2] == "tensor([[0.5000, 0.5000],\n        [0.5000, 0.5000]])")
        #expect(t.out[3] == "tensor([1.0000, 1.2500, 1.5000, 1.7500])")
    }

    @Test func seedMakesRandomReproducible() {
        let (a, _) = runScript("seed 7\nprint rand(3)\nprint randint(0, 10, (2, 2))")
        let (b, _) = runScript("seed 7\nprint rand(3)\nprint randint(0, 10, (2, 2))")
        #expect(a.failures == 0)
        #expect(a.out == b.out)
        let (c, _) = runScript("seed 8\nprint rand(3)")
        #expect(c.out[0] != a.out[0])
    }

    @Test func statsLine() {
        let (t, _) = runScript("stats [[1.0, -2.0], [3.0, nan]]")
        #expect(t.out == ["float32[2,2] mean=0.66667 std=2.0548 min=-2 at (0, 1) max=3 at (1, 0) nan=1 inf=0"])
    }

    @Test func cosineAndAllclose() {
        let (t, _) = runScript("print cosine([1.0, 0.0], [1.0, 0.0])\nprint allclose([1.0, 2.0], [1.0, 2.0000001])\nprint allclose([1.0], [1.1])")
        #expect(t.out == ["tensor(1.)", "True", "False"])
    }

    @Test func unknownNameSuggests() {
        let (t, _) = runScript("let alpha = ones(2)\nprint alpah")
        #expect(t.failures == 1)
        #expect(t.errors == "test.surgeon:2:7: error: unknown name 'alpah' (did you mean 'alpha'?)")
    }

    @Test func failedLetLeavesVariablesAlone() {
        let (t, s) = runScript("let a = ones(2)\nlet a = ones(2) + zeros(3)")
        #expect(t.failures == 1)
        guard case .tensor(let a, _)? = s.variables["a"] else { Issue.record("a missing"); return }
        #expect(a.floatArray() == [1, 1])
    }

    @Test func hugeRequestIsRefusedWithSize() {
        let (t, _) = runScript("let big = rand(100000, 100000)")
        #expect(t.failures == 1)
        #expect(t.errors.contains("needs 37.3 GiB"))
    }
}
