import SurgeonTensor

/// Add: `A + B` with numpy broadcasting (opset 7 on; 14 adds int8/16, uint8/16, bfloat16).
enum Add {
    static func register(_ r: inout OpRegistry) {
        r.register("Add", since: 1) { ctx in
            [.tensor(try arithmetic2(
                ctx.tensor(0), ctx.tensor(1), name: "Add",
                float: +, double: +, int: { $0 &+ $1 }, uint: { $0 &+ $1 }))]
        }
    }
}
