/// n floats from `s` to `d` (not overlapping), 16 at a time, then 8, 4, 2 and 1 as the rest
/// needs: for the short rows of small maps (7-56 floats: a convolution's output rows, a padded
/// plane's input rows), where a call to memmove per row cost more than the copy. (No loop over
/// single floats: the compiler turns one back into a memcpy call.)
@inlinable @inline(__always)
public func copyFloats(_ d: UnsafeMutablePointer<Float>, _ s: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i &+ 16 <= n {
        UnsafeMutableRawPointer(d + i).storeBytes(of: UnsafeRawPointer(s + i).loadUnaligned(as: SIMD16<Float>.self),
                                                  as: SIMD16<Float>.self)
        i &+= 16
    }
    let rest = n &- i
    if rest & 8 != 0 {
        UnsafeMutableRawPointer(d + i).storeBytes(of: UnsafeRawPointer(s + i).loadUnaligned(as: SIMD8<Float>.self),
                                                  as: SIMD8<Float>.self)
        i &+= 8
    }
    if rest & 4 != 0 {
        UnsafeMutableRawPointer(d + i).storeBytes(of: UnsafeRawPointer(s + i).loadUnaligned(as: SIMD4<Float>.self),
                                                  as: SIMD4<Float>.self)
        i &+= 4
    }
    if rest & 2 != 0 {
        UnsafeMutableRawPointer(d + i).storeBytes(of: UnsafeRawPointer(s + i).loadUnaligned(as: SIMD2<Float>.self),
                                                  as: SIMD2<Float>.self)
        i &+= 2
    }
    if rest & 1 != 0 { d[i] = s[i] }
}
