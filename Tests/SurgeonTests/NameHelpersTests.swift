import Foundation
@testable import Surgeon
import Testing

/// The byte-level helpers of name recovery against the Character-level code they replace.
@Suite struct NameHelpersTests {
    /// Random texts over the characters that matter: dots, letters, `@`, accents, a combining mark.
    func texts() -> [String] {
        let alphabet: [String] = [".", ".", "a", "b", "Z", "@", "_", "1", "é", "\u{301}", "::"]
        var rng = SystemRandomNumberGenerator()
        var out = ["", ".", "..", "a", "a.", ".a", "a..b", "torch.nn.modules.linear.Linear", "m.encoder.layer.1",
                   "a.\u{301}b", "é.b.c", "layer1.0.conv1", "__main__._hf_wrap.<locals>.Wrap"]
        for _ in 0..<3000 {
            let n = Int.random(in: 0...12, using: &rng)
            out.append((0..<n).map { _ in alphabet.randomElement(using: &rng) ?? "" }.joined())
        }
        return out
    }

    @Test func shortClassIsTheLastNonEmptyComponent() {
        for s in texts() {
            #expect(shortClass(s) == (s.split(separator: ".").last.map(String.init) ?? s), "\(s.debugDescription)")
        }
        #expect(shortClass("torch.nn.modules.linear.Linear") == "Linear")
    }

    @Test func dottedPrefixesMatchSplitAndJoin() {
        for m in texts() {
            var parts = m.split(separator: ".", omittingEmptySubsequences: false)
            var expected: [String] = []
            while parts.count > 1 {
                parts.removeLast()
                expected.append(parts.joined(separator: "."))
            }
            #expect(dottedPrefixes(m) == expected, "\(m.debugDescription)")
        }
        #expect(dottedPrefixes("a.b.c") == ["a.b", "a"])
    }
}
