// See include/CPackedGemm.h (sp_vec_unary): float32 activations 16 lanes (AVX-512F) or 8
// (AVX2 + FMA) at a time, the last partial vector masked. The functions are written once
// (vec_math_body.h) over the macros below. Nothing here runs AVX2 / AVX-512 code unless the
// caller's level (at most sp_gemm_level()) says the CPU has it; at level 0 nothing is done and
// the caller runs its Swift loop.
#include "CPackedGemm.h"
#include "vec_core.h"

#if SE_X86

// MARK: - AVX-512F

#define VM_T __attribute__((target("avx512f")))
#define VM_F(name) vm512_##name
#define V __m512
#define M __mmask16
#define TM __mmask16
#define VLANES 16
#define VSET _mm512_set1_ps
#define VADD _mm512_add_ps
#define VSUB _mm512_sub_ps
#define VMUL _mm512_mul_ps
#define VDIV _mm512_div_ps
#define VFMA _mm512_fmadd_ps
#define VMIN _mm512_min_ps
#define VMAX _mm512_max_ps
#define VAND(a, b) _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)))
#define VOR(a, b) _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)))
#define VANDNOT(a, b) _mm512_castsi512_ps(_mm512_andnot_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)))
#define VCMP(a, b, pred) _mm512_cmp_ps_mask(a, b, pred)
#define VSEL(m, a, b) _mm512_mask_blend_ps(m, a, b)
#define VLOAD _mm512_loadu_ps
#define VSTORE _mm512_storeu_ps
#define VTAIL se_tail16
#define VLOADM(k, p) _mm512_maskz_loadu_ps(k, p)
#define VSTOREM(k, p, v) _mm512_mask_storeu_ps(p, k, v)
#define se_exp se_exp512
#include "vec_math_body.h"
#undef VM_T
#undef VM_F
#undef V
#undef M
#undef TM
#undef VLANES
#undef VSET
#undef VADD
#undef VSUB
#undef VMUL
#undef VDIV
#undef VFMA
#undef VMIN
#undef VMAX
#undef VAND
#undef VOR
#undef VANDNOT
#undef VCMP
#undef VSEL
#undef VLOAD
#undef VSTORE
#undef VTAIL
#undef VLOADM
#undef VSTOREM
#undef se_exp

// MARK: - AVX2 + FMA

#define VM_T __attribute__((target("avx2,fma")))
#define VM_F(name) vm256_##name
#define V __m256
#define M __m256
#define TM __m256i
#define VLANES 8
#define VSET _mm256_set1_ps
#define VADD _mm256_add_ps
#define VSUB _mm256_sub_ps
#define VMUL _mm256_mul_ps
#define VDIV _mm256_div_ps
#define VFMA _mm256_fmadd_ps
#define VMIN _mm256_min_ps
#define VMAX _mm256_max_ps
#define VAND _mm256_and_ps
#define VOR _mm256_or_ps
#define VANDNOT _mm256_andnot_ps
#define VCMP(a, b, pred) _mm256_cmp_ps(a, b, pred)
#define VSEL(m, a, b) _mm256_blendv_ps(a, b, m)
#define VLOAD _mm256_loadu_ps
#define VSTORE _mm256_storeu_ps
#define VTAIL se_tail8
#define VLOADM(k, p) _mm256_maskload_ps(p, k)
#define VSTOREM(k, p, v) _mm256_maskstore_ps(p, k, v)
#define se_exp se_exp256
#include "vec_math_body.h"

#endif

int sp_vec_unary(int level, int kind, const float *src, float *dst, int n, int gated) {
    if (n <= 0) return 1;
#if SE_X86
    if (level >= 2) return vm512_run(kind, src, dst, n, gated);
    if (level == 1) return vm256_run(kind, src, dst, n, gated);
#endif
    (void)kind; (void)src; (void)dst; (void)gated;
    return 0;
}
