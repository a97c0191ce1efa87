// float16 <-> float32 conversion with the x86 F16C instructions (vcvtph2ps / vcvtps2ph),
// chosen at run time: the package builds for the default x86-64 target (SSE2), where Swift
// has no way to use them. Results equal Swift's Float(Float16) / Float16(Float) bit for bit
// (round to nearest even, subnormals, infinities; NaN stays NaN with its sign and top
// payload bits, quiet bit set). On other CPUs `surgeon_f16c_available` returns 0 and the
// callers use the portable Swift loops (SurgeonTensor/HalfConvert.swift).
#pragma once
#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU and the OS support F16C (and the AVX state it needs), else 0 (asks CPUID
/// on every call: callers keep the answer).
int surgeon_f16c_available(void);

/// dst[i] = (float)src[i] for n halves (bit patterns). Only call when available.
void surgeon_f16c_half_to_float(const uint16_t *src, float *dst, ptrdiff_t n);

/// dst[i] = nearest half (ties to even) of src[i]. Only call when available.
void surgeon_f16c_float_to_half(const float *src, uint16_t *dst, ptrdiff_t n);
