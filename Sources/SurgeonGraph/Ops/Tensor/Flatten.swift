import SurgeonTensor

/// Flatten: a 2-D view `[prod(dims before axis), prod(dims from axis)]`; axis in [-r, r].
enum Flatten {
    static func register(_ r: inout OpRegistry) {
        r.register("Flatten", since: 1) { ctx in
            let x = try ctx.tensor(0)
            var axis = try ctx.int("axis", 1)
            if axis < 0 { axis += x.rank }
            guard axis >= 0 && axis <= x.rank else { throw ctx.error("axis \(axis) is out of range for \(x.typeDescription)") }
            return [.tensor(try x.reshaped([product(x.shape[..<axis]), product(x.shape[axis...])]))]
        }
    }
}
