import SurgeonTensor
import Testing

@Suite struct GemmTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func blasMatchesReference(transA: Bool, transB: Bool) throws {
        let m = 7, n = 5, k = 9
        var rng = SystemRandomNumberGenerator()
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        let c0 = (0..<(m * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        var c1 = c0, c2 = c0
        let lda = transA ? m : k, ldb = transB ? k : n
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: &c1, ldc: n)
        sgemmReference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: &c2, ldc: n)
        for i in 0..<(m * n) { #expect(abs(c1[i] - c2[i]) < 1e-4) }
    }
}
