import SurgeonTensor

/// Div: `A / B` with numpy broadcasting. Integer division truncates toward zero (as C and
/// onnxruntime do); an integer division by zero gives 0 instead of trapping.
enum Div {
    static func register(_ r: inout OpRegistry) {
        r.register("Div", since: 1) { ctx in
            [.tensor(try binaryNumericFast(
                ctx.tensor(0), ctx.tensor(1), "Div", DivF.self,
                float: { $0 / $1 }, double: { $0 / $1 },
                int: { $1 == 0 ? 0 : $0.dividedReportingOverflow(by: $1).partialValue },
                uint: { $1 == 0 ? 0 : $0 / $1 }))]
        }
    }
}
