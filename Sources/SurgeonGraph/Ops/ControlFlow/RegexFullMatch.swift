import Foundation
import SurgeonTensor

/// RegexFullMatch: whether each string matches `pattern` as a whole (ICU regex syntax via
/// NSRegularExpression, close to the RE2 syntax ONNX names).
enum RegexFullMatch {
    static func register(_ r: inout OpRegistry) {
        r.register("RegexFullMatch", since: 20) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype == .string else { throw ctx.error("needs a string input, got \(x.dtype)") }
            let pattern = try ctx.string("pattern", "")
            let regex: NSRegularExpression
            do {
                regex = try NSRegularExpression(pattern: "\\A(?:" + pattern + ")\\z")
            } catch {
                throw ctx.error("invalid pattern '\(pattern)'")
            }
            let matches = x.strings.map { s -> Bool in
                let ns = s as NSString
                return regex.firstMatch(in: s, options: [.anchored], range: NSRange(location: 0, length: ns.length)) != nil
            }
            return [.tensor(try Tensor(bools: matches, shape: x.shape))]
        }
    }
}
