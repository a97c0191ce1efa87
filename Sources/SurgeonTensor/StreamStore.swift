import CStreamStore

/// Copies `n` floats from `src` to `dst` (not overlapping) with non-temporal stores, which
/// write memory without reading its lines into the cache first: about 1.7x the bandwidth of
/// ordinary stores into memory not in cache, for results that nothing reads again soon (the
/// kept intermediates of `inspect all`). Visible to other threads after the usual
/// synchronisation, like ordinary stores.
@inline(__always)
public func streamFloats(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    surgeon_stream_floats(dst, src, n)
}
