/// LogSoftmax: `x - max - log(sum(exp(x - max)))`, with Softmax's axis rules (2-D coercion
/// before opset 13, a single axis defaulting to -1 from 13).
enum LogSoftmax {
    static func register(_ r: inout OpRegistry) {
        r.register("LogSoftmax", since: 1) { ctx in [.tensor(try Softmax.run(ctx, log: true))] }
        r.register("LogSoftmax", since: 13) { ctx in [.tensor(try Softmax.run(ctx, log: true))] }
    }
}
