// The activation kernels of vec_math.c, written once over a vector type: vec_math.c includes
// this file twice, with the macros below defined for AVX-512F (16 lanes) and for AVX2 + FMA
// (8 lanes). Each function is the Swift kernel of the same name (SurgeonGraph's sigmoidF,
// erfRationalF, tanhF, GeluErfF, GeluTanhF) with its products and sums fused where the Swift
// form multiplies then adds; comparisons, clamps and NaN handling are the Swift ones.
//
// Expected macros: VM_T (target attribute), VM_F(name) (function name), V (vector type),
// M (comparison mask type), VSET, VADD, VSUB, VMUL, VDIV, VFMA(a, b, c) = a * b + c,
// VMIN(a, b) / VMAX(a, b) (b where either is NaN), VAND / VOR / VANDNOT on float bits,
// VCMP(a, b, predicate) -> M, VSEL(m, a, b) (b where m), VLANES, VTAIL(left) -> tail mask
// type TM, VLOADM(tm, p), VSTOREM(tm, p, v), se_exp (vec_core.h).

VM_T static inline __attribute__((always_inline)) V VM_F(sigmoid)(V x0) {
    const V x = VMIN(VSET(17.0f), VMAX(VSET(-17.0f), x0));
    const V u = VMUL(VMUL(x, x), VSET(1.0f / 289.0f));
    V p = VSET(0.096054807305336f);
    p = VFMA(p, u, VSET(1.9915648698806763f));
    p = VFMA(p, u, VSET(4.601304531097412f));
    p = VFMA(p, u, VSET(2.4215023517608643f));
    p = VFMA(p, u, VSET(0.2499999850988388f));
    V q = VSET(22.000972747802734f);
    q = VFMA(q, u, VSET(125.80803680419922f));
    q = VFMA(q, u, VSET(135.6761932373047f));
    q = VFMA(q, u, VSET(33.769325256347656f));
    q = VFMA(q, u, VSET(1.0f));
    const V r = VADD(VDIV(VMUL(x, p), q), VSET(0.5f));
    return VMAX(VSET(0.0f), VMIN(VSET(1.0f), r));
}

/// erfRationalF: a NaN gives +1 (callers that keep NaN check it).
VM_T static inline __attribute__((always_inline)) V VM_F(erf_rational)(V x0) {
    const V x = VMAX(VMIN(x0, VSET(4.17f)), VSET(-4.17f));
    const V z = VMUL(x, x);
    V p = VSET(1.866494813e-06f);
    p = VFMA(p, z, VSET(2.862144320e-04f));
    p = VFMA(p, z, VSET(4.179143347e-03f));
    p = VFMA(p, z, VSET(5.401288718e-02f));
    p = VFMA(p, z, VSET(2.011322230e-01f));
    p = VFMA(p, z, VSET(1.128379107f));
    V q = VSET(3.625078534e-05f);
    q = VFMA(q, z, VSET(1.247591805e-03f));
    q = VFMA(q, z, VSET(1.580918767e-02f));
    q = VFMA(q, z, VSET(1.184011996e-01f));
    q = VFMA(q, z, VSET(5.115808249e-01f));
    q = VFMA(q, z, VSET(1.0f));
    const V e = VDIV(VMUL(x, p), q);
    const V r = VMAX(VMIN(e, VSET(1.0f)), VSET(-1.0f));
    const V sign = VSET(-0.0f);
    const V one = VOR(VAND(x0, sign), VSET(1.0f));
    const V ax = VANDNOT(sign, x0);
    return VSEL(VCMP(ax, VSET(3.92f), _CMP_GE_OQ), r, one);
}

VM_T static inline __attribute__((always_inline)) V VM_F(erf)(V x) {
    return VSEL(VCMP(x, x, _CMP_UNORD_Q), VM_F(erf_rational)(x), x);
}

VM_T static inline __attribute__((always_inline)) V VM_F(tanh)(V x) {
    const V sign = VSET(-0.0f);
    const V ax = VANDNOT(sign, x);
    const V z = VMUL(x, x);
    V s = VSET(-929569.0f / 638512896.0f);
    s = VFMA(s, z, VSET(21844.0f / 6081075.0f));
    s = VFMA(s, z, VSET(-1382.0f / 155925.0f));
    s = VFMA(s, z, VSET(62.0f / 2835.0f));
    s = VFMA(s, z, VSET(-17.0f / 315.0f));
    s = VFMA(s, z, VSET(2.0f / 15.0f));
    s = VFMA(s, z, VSET(-1.0f / 3.0f));
    const V small = VMUL(x, VFMA(z, s, VSET(1.0f)));
    const V e = se_exp(VADD(ax, ax));
    const V big = VSUB(VSET(1.0f), VDIV(VSET(2.0f), VADD(e, VSET(1.0f))));
    V r = VOR(big, VAND(x, sign));
    r = VSEL(VCMP(x, x, _CMP_UNORD_Q), r, x);
    return VSEL(VCMP(ax, VSET(0.5f), _CMP_LT_OQ), r, small);
}

VM_T static inline __attribute__((always_inline)) V VM_F(gelu_erf)(V x) {
    // h (1 + erf) as the Swift form (not h + h erf, which turns its -0 into +0).
    const V h = VMUL(VSET(0.5f), x);
    return VMUL(h, VADD(VSET(1.0f), VM_F(erf_rational)(VMUL(x, VSET(0.70710678118654752f)))));
}

VM_T static inline __attribute__((always_inline)) V VM_F(gelu_tanh)(V x) {
    const V c = VMUL(VMUL(VSET(0.044715f), x), x);
    const V t = VM_F(tanh)(VMUL(VSET(0.7978845608028654f), VFMA(c, x, x)));
    const V h = VMUL(VSET(0.5f), x);
    return VMUL(h, VADD(VSET(1.0f), t));
}

/// HardSwishF: x · max(0, min(1, x · (1/6) + 0.5)), the product and the sum not fused (as the
/// Swift kernel writes them): min(t, 1) is `t < 1 ? t : 1` (MINPS gives its second operand when
/// one is NaN or they are equal) and max(0, m) is `m >= 0 ? m : 0` (MAXPS gives m unless 0 > m;
/// -0 stays -0): the same bits as the Swift kernel.
VM_T static inline __attribute__((always_inline)) V VM_F(hardswish)(V x) {
    const V t = VADD(VMUL(x, VSET(1.0f / 6.0f)), VSET(0.5f));
    return VMUL(x, VMAX(VSET(0.0f), VMIN(t, VSET(1.0f))));
}

VM_T static inline __attribute__((always_inline)) V VM_F(apply)(int kind, V x) {
    switch (kind) {
    case SP_VM_HARDSWISH: return VM_F(hardswish)(x);
    case SP_VM_SIGMOID: return VM_F(sigmoid)(x);
    case SP_VM_TANH: return VM_F(tanh)(x);
    case SP_VM_ERF: return VM_F(erf)(x);
    case SP_VM_GELU_ERF: return VM_F(gelu_erf)(x);
    default: return VM_F(gelu_tanh)(x);
    }
}

/// dst[i] = f(src[i]) (gated: src[i] * f(src[i])) with f fixed at compile time, so each
/// loop inlines one function.
#define VM_LOOP(KIND)                                                                  \
    VM_T static void VM_F(run_##KIND)(const float *src, float *dst, int n, int gated) { \
        int i = 0;                                                                     \
        if (gated) {                                                                   \
            for (; i + VLANES <= n; i += VLANES) {                                     \
                const V x = VLOAD(src + i);                                            \
                VSTORE(dst + i, VMUL(x, VM_F(apply)(KIND, x)));                        \
            }                                                                          \
        } else {                                                                       \
            for (; i + VLANES <= n; i += VLANES) VSTORE(dst + i, VM_F(apply)(KIND, VLOAD(src + i))); \
        }                                                                              \
        if (i < n) {                                                                   \
            const TM k = VTAIL(n - i);                                                 \
            const V x = VLOADM(k, src + i);                                            \
            const V y = VM_F(apply)(KIND, x);                                          \
            VSTOREM(k, dst + i, gated ? VMUL(x, y) : y);                               \
        }                                                                              \
    }

VM_LOOP(SP_VM_SIGMOID)
VM_LOOP(SP_VM_TANH)
VM_LOOP(SP_VM_ERF)
VM_LOOP(SP_VM_GELU_ERF)
VM_LOOP(SP_VM_GELU_TANH)
VM_LOOP(SP_VM_HARDSWISH)
#undef VM_LOOP

VM_T static int VM_F(run)(int kind, const float *src, float *dst, int n, int gated) {
    switch (kind) {
    case SP_VM_SIGMOID: VM_F(run_SP_VM_SIGMOID)(src, dst, n, gated); return 1;
    case SP_VM_TANH: VM_F(run_SP_VM_TANH)(src, dst, n, gated); return 1;
    case SP_VM_ERF: VM_F(run_SP_VM_ERF)(src, dst, n, gated); return 1;
    case SP_VM_GELU_ERF: VM_F(run_SP_VM_GELU_ERF)(src, dst, n, gated); return 1;
    case SP_VM_GELU_TANH: VM_F(run_SP_VM_GELU_TANH)(src, dst, n, gated); return 1;
    case SP_VM_HARDSWISH: VM_F(run_SP_VM_HARDSWISH)(src, dst, n, gated); return 1;
    default: return 0;
    }
}
