#ifndef C_STREAM_STORE_H
#define C_STREAM_STORE_H
#include <stddef.h>

/// Copies `n` floats from `src` to `dst` with non-temporal (streaming) stores: the written
/// lines are not read into the cache first and do not displace it. For results written once
/// and not read again soon. Ends with a store fence, so the floats are visible to other
/// threads like ordinary stores once the caller synchronises with them.
void surgeon_stream_floats(float *dst, const float *src, ptrdiff_t n);

#endif
