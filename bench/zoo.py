#!/usr/bin/env python3
"""Model zoo: export PyTorch models (random weights) with both ONNX exporters, run them on
onnxruntime and on surgeon-shell (through a piped script), and compare the outputs.

Not part of CI: needs torch, torchvision, transformers, onnx, onnxscript and onnxruntime.
See bench/README.md.

    python bench/zoo.py                                # every model, both exporters
    python bench/zoo.py --models resnet18,bert --exporters dynamo
    python bench/zoo.py --binary .build/release/surgeon-shell --out /work/zoo
    python bench/zoo.py --list

Exit status: 0 when every selected model that exported passes, 1 otherwise.
"""
import argparse
import contextlib
import io
import os
import subprocess
import sys
import time
import traceback
import warnings

import numpy as np

RTOL = 1e-3  # max |ours - ort| relative to max |ort| of that output
# float16 outputs: onnxruntime does not round every float16 node output to float16. Its CPU
# kernels compute in float32 and the casts it inserts around them cancel between adjacent
# nodes, so a chain of float16 nodes runs in float32 and is rounded only where a value leaves
# the chain. That is closer to the unrounded result but is not what the graph's float16 types
# say (and cutting the model at a node would change the values). Ours rounds every float16
# node output. So a float16 output also passes when ours is within RTOL of the graph's exact
# float16 semantics (every float16 node output rounded, float32 inside nodes; evaluated by
# `float16_references`) and at least as close to it as onnxruntime is. DECISIONS.md has the
# numbers.

# ----------------------------------------------------------------------------------------
# Models. Each builder returns (module, inputs) where inputs is an ordered dict
# name -> torch tensor; the module is called positionally with the inputs in that order and
# returns a tensor or a tuple of tensors.
# ----------------------------------------------------------------------------------------


def _torch():
    import torch
    return torch


def _randomize_params(model, seed=0):
    """Make random-init models non-degenerate: random BatchNorm statistics and affine
    parameters (BN is then no identity), layer scales of order 1 (ConvNeXt starts them at
    1e-6, which would hide every block), and random weights where a layer starts at zero
    (ViT's classifier head), so every output depends on every op."""
    torch = _torch()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.running_mean is not None:
                n = m.running_mean.shape[0]
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
                if m.weight is not None:
                    m.weight.copy_(torch.rand(n, generator=g) + 0.5)
                    m.bias.copy_(torch.randn(n, generator=g) * 0.1)
        for name, p in model.named_parameters():
            if "layer_scale" in name:
                p.copy_(torch.rand(p.shape, generator=g) * 0.5 + 0.25)
            elif p.dim() >= 2 and not p.any():
                p.copy_(torch.randn(p.shape, generator=g) * 0.02)
    return model


def _image(batch=1, size=224, name="x"):
    torch = _torch()
    return {name: torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(1))}


def tv(name, size=224, **kw):
    def build(batch=1, **_):
        import torchvision
        torch = _torch()
        torch.manual_seed(0)
        m = getattr(torchvision.models, name)(weights=None, **kw)
        return _randomize_params(m.eval()), _image(batch, size)
    return build


def tv_video(name):
    def build(batch=1, **_):
        import torchvision
        torch = _torch()
        torch.manual_seed(0)
        m = getattr(torchvision.models.video, name)(weights=None)
        x = torch.randn(batch, 3, 8, 112, 112, generator=torch.Generator().manual_seed(1))
        return _randomize_params(m.eval()), {"x": x}
    return build


def tv_seg(name):
    def build(batch=1, **_):
        import torchvision
        torch = _torch()
        torch.manual_seed(0)
        inner = getattr(torchvision.models.segmentation, name)(
            weights=None, weights_backbone=None, aux_loss=False)
        _randomize_params(inner.eval())

        class Seg(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = inner

            def forward(self, x):
                return self.m(x)["out"]
        return Seg().eval(), _image(batch, 224)
    return build


def tv_det(name, size=320):
    """Detection models: boxes, scores, labels of the first image (NMS, RoiAlign, If/Loop)."""
    def build(batch=1, **_):
        import torchvision
        torch = _torch()
        torch.manual_seed(0)
        inner = getattr(torchvision.models.detection, name)(
            weights=None, weights_backbone=None, num_classes=5, box_score_thresh=0.0)
        _randomize_params(inner.eval())

        class Det(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = inner

            def forward(self, x):
                d = self.m(x)[0]
                return d["boxes"], d["scores"], d["labels"]
        x = torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(1))
        return Det().eval(), {"x": x}
    return build


def _tokens(vocab, seq=16, batch=1, pad=4, with_types=True):
    torch = _torch()
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(0, vocab, (batch, seq), generator=g)
    mask = torch.ones(batch, seq, dtype=torch.int64)
    if pad:
        mask[:, seq - pad:] = 0  # right padding exercises the attention mask
    d = {"input_ids": ids, "attention_mask": mask}
    if with_types:
        types = torch.zeros(batch, seq, dtype=torch.int64)
        types[:, seq // 2:] = 1
        d["token_type_ids"] = types
    return d


def _hf_wrap(inner, names, keys):
    """Positional-tensor wrapper returning a tuple of the named model outputs."""
    torch = _torch()
    n = len(names)
    if n == 1:
        class Wrap(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = inner

            def forward(self, a):
                out = self.m(**{names[0]: a})
                return tuple(out[k] for k in keys)
    elif n == 2:
        class Wrap(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = inner

            def forward(self, a, b):
                out = self.m(**dict(zip(names, (a, b))))
                return tuple(out[k] for k in keys)
    else:
        class Wrap(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = inner

            def forward(self, a, b, c):
                out = self.m(**dict(zip(names, (a, b, c))))
                return tuple(out[k] for k in keys)
    return Wrap().eval()


def hf_encoder(kind, attn="eager"):
    def build(batch=1, seq=16):
        import transformers as tr
        torch = _torch()
        torch.manual_seed(0)
        small = dict(hidden_size=128, num_hidden_layers=3, num_attention_heads=4,
                     intermediate_size=256, vocab_size=1000, max_position_embeddings=64)
        if kind == "bert":
            m = tr.BertModel(tr.BertConfig(**small))
            ins = _tokens(1000, seq, batch)
            keys = ["last_hidden_state", "pooler_output"]
        elif kind == "roberta":
            m = tr.RobertaModel(tr.RobertaConfig(**small, type_vocab_size=1, pad_token_id=1))
            ins = _tokens(1000, seq, batch, with_types=False)
            keys = ["last_hidden_state", "pooler_output"]
        elif kind == "distilbert":
            m = tr.DistilBertModel(tr.DistilBertConfig(
                dim=128, n_layers=3, n_heads=4, hidden_dim=256, vocab_size=1000,
                max_position_embeddings=64))
            ins = _tokens(1000, seq, batch, with_types=False)
            keys = ["last_hidden_state"]
        else:
            raise ValueError(kind)
        m.config._attn_implementation = attn
        return _hf_wrap(m.eval(), list(ins), keys), ins
    return build


def hf_decoder(kind, attn="eager"):
    def build(batch=1, seq=16):
        import transformers as tr
        torch = _torch()
        torch.manual_seed(0)
        if kind == "gpt2":
            cfg = tr.GPT2Config(n_layer=3, n_embd=128, n_head=4, vocab_size=1000, n_positions=64,
                                use_cache=False, bos_token_id=0, eos_token_id=0)
            m = tr.GPT2LMHeadModel(cfg)
        elif kind == "llama":
            cfg = tr.LlamaConfig(hidden_size=128, intermediate_size=256, num_hidden_layers=3,
                                 num_attention_heads=4, num_key_value_heads=2, vocab_size=1000,
                                 max_position_embeddings=64, use_cache=False)
            m = tr.LlamaForCausalLM(cfg)
        else:
            raise ValueError(kind)
        m.config._attn_implementation = attn
        ins = _tokens(1000, seq, batch, pad=0, with_types=False)

        class Wrap(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask):
                return self.m(input_ids=input_ids, attention_mask=attention_mask,
                              use_cache=False).logits
        return Wrap().eval(), ins
    return build


def hf_vit(batch=1, **_):
    import transformers as tr
    torch = _torch()
    torch.manual_seed(0)
    cfg = tr.ViTConfig(hidden_size=128, num_hidden_layers=3, num_attention_heads=4,
                       intermediate_size=256, image_size=64, patch_size=8)
    m = tr.ViTModel(cfg, add_pooling_layer=True)
    m.config._attn_implementation = "eager"
    ins = _image(batch, 64, "pixel_values")
    return _hf_wrap(m.eval(), list(ins), ["last_hidden_state", "pooler_output"]), ins


def hf_whisper_encoder(batch=1, **_):
    import transformers as tr
    torch = _torch()
    torch.manual_seed(0)
    cfg = tr.WhisperConfig(d_model=128, encoder_layers=2, encoder_attention_heads=4,
                           decoder_layers=2, decoder_attention_heads=4, encoder_ffn_dim=256,
                           decoder_ffn_dim=256, num_mel_bins=80, max_source_positions=100,
                           vocab_size=1000, pad_token_id=0, bos_token_id=1, eos_token_id=2,
                           decoder_start_token_id=1)
    m = tr.WhisperModel(cfg).get_encoder()
    m.config._attn_implementation = "eager"
    feats = torch.randn(batch, 80, 200, generator=torch.Generator().manual_seed(3))
    ins = {"input_features": feats}
    return _hf_wrap(m.eval(), list(ins), ["last_hidden_state"]), ins


def rnn(kind):
    def build(batch=2, seq=12):
        torch = _torch()
        torch.manual_seed(0)
        cell = getattr(torch.nn, kind)

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = cell(32, 64, num_layers=2, batch_first=True, bidirectional=True)
                self.head = torch.nn.Linear(128, 10)

            def forward(self, x):
                y, _ = self.rnn(x)
                return self.head(y)
        x = torch.randn(batch, seq, 32, generator=torch.Generator().manual_seed(4))
        return Net().eval(), {"x": x}
    return build


def unet_small(batch=1, **_):
    """Encoder/decoder: ConvTranspose, GroupNorm, InstanceNorm, SiLU, bilinear/nearest
    upsampling, PixelShuffle, channel concat."""
    torch = _torch()
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.e1 = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.GroupNorm(4, 16), nn.SiLU())
            self.e2 = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.InstanceNorm2d(32, affine=True), nn.GELU())
            self.e3 = nn.Sequential(nn.Conv2d(32, 64, 3, stride=2, padding=1, dilation=1), nn.LeakyReLU(0.1))
            self.up1 = nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1)
            self.d1 = nn.Conv2d(64, 64, 3, padding=2, dilation=2)
            self.ps = nn.PixelShuffle(2)
            self.d2 = nn.Conv2d(32, 8, 1)
            self.out = nn.Conv2d(8, 4, 3, padding=1, padding_mode="reflect")

        def forward(self, x):
            a = self.e1(x)
            b = self.e2(a)
            c = self.e3(b)
            u = torch.cat([self.up1(c), b], dim=1)
            u = F.elu(self.d1(u))
            u = self.ps(u)  # 64 -> 16 channels, 2x size
            u = torch.cat([u, a], dim=1)
            u = F.interpolate(self.d2(u), scale_factor=0.5, mode="bilinear", align_corners=False)
            u = F.interpolate(u, size=(40, 40), mode="nearest")
            return torch.tanh(self.out(u))
    x = torch.randn(batch, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    return Net().eval(), {"x": x}


def grid_sample(batch=2, **_):
    """GridSample alone (bilinear/zeros and nearest/border)."""
    torch = _torch()
    F = torch.nn.functional

    class Net(torch.nn.Module):
        def forward(self, x, grid):
            a = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
            b = F.grid_sample(x, grid, mode="nearest", padding_mode="border", align_corners=True)
            return a, b
    x = torch.randn(batch, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    grid = torch.rand(batch, 6, 6, 2, generator=torch.Generator().manual_seed(5)) * 2.2 - 1.1
    return Net().eval(), {"x": x, "grid": grid}


def misc_ops(batch=2, **_):
    """Ops that classifiers and transformers do not use: adaptive pooling, bicubic resize,
    topk, sort, cumsum, flip, roll, einsum, norms, max pooling with indices, clamp."""
    torch = _torch()
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.proj = nn.Linear(8, 6)

        def forward(self, x):
            y = self.conv(x)
            s = F.adaptive_avg_pool2d(y, (8, 4))
            r = F.interpolate(y, scale_factor=1.5, mode="bicubic", align_corners=False)
            p, idx = F.max_pool2d(r, 2, return_indices=True)
            v = s.flatten(2)  # [N, 8, K]
            top, ti = torch.topk(v, 5, dim=-1)
            srt, _ = torch.sort(v, dim=-1, descending=True)
            c = torch.cumsum(srt, dim=-1).flip(-1)
            rolled = torch.roll(c, shifts=3, dims=-1)
            e = torch.einsum("nck,nc->nk", rolled, v.mean(-1))
            q = self.proj(v.transpose(1, 2))  # [N, K, 6]
            q = F.normalize(q, dim=-1).clamp(-0.5, 0.5)
            return (p, idx, top, ti, e, q,
                    torch.linalg.vector_norm(y, dim=(2, 3)), y.std(dim=1), y.amax(dim=(1, 2)))
    x = torch.randn(batch, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    return Net().eval(), {"x": x}


class Spec:
    """A zoo entry: build(**shape) -> (module, inputs). `dynamic` marks input axes as
    dynamic (name -> {axis: dim name}) and `run_shape` then gives other sizes for the run;
    `half` converts module and float inputs to float16; `opset` per exporter."""

    def __init__(self, build, dynamic=None, run_shape=None, half=False, opset=None,
                 exporters=None, unordered=False, quantize=None, rtol=None, draft=False):
        self.rtol = rtol  # instead of RTOL (quantized models)
        # dynamo: trace with torch.export.draft_export (specialises on the example's
        # data-dependent sizes where torch.export stops with GuardOnDataDependentSymNode)
        self.draft = draft
        self.quantize = quantize  # "dynamic" or "qdq": onnxruntime's quantization tool
        self.unordered = unordered  # detection outputs: compared as a set of rows
        self.build, self.dynamic, self.run_shape = build, dynamic, run_shape
        self.half, self.opset = half, opset or {}
        self.exporters = exporters

    def make(self, run=False):
        torch = _torch()
        model, inputs = self.build(**(self.run_shape if run and self.run_shape else {}))
        if self.half:
            model = model.half()
            inputs = {k: v.half() if v.is_floating_point() else v for k, v in inputs.items()}
        return model, inputs


TOKENS3 = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
           "token_type_ids": {0: "batch", 1: "seq"}}
TOKENS2 = {k: v for k, v in TOKENS3.items() if k != "token_type_ids"}

MODELS = {
    # required by issue 2
    "resnet18": Spec(tv("resnet18")),
    "bert": Spec(hf_encoder("bert")),
    # decoders
    "gpt2": Spec(hf_decoder("gpt2")),
    "llama": Spec(hf_decoder("llama")),
    # torchvision classifiers
    "mobilenet_v2": Spec(tv("mobilenet_v2")),
    "mobilenet_v3_small": Spec(tv("mobilenet_v3_small")),
    "mobilenet_v3_large": Spec(tv("mobilenet_v3_large")),
    "efficientnet_b0": Spec(tv("efficientnet_b0")),
    "convnext_tiny": Spec(tv("convnext_tiny")),
    "densenet121": Spec(tv("densenet121")),
    "shufflenet_v2_x1_0": Spec(tv("shufflenet_v2_x1_0")),
    "squeezenet1_1": Spec(tv("squeezenet1_1")),
    "regnet_y_400mf": Spec(tv("regnet_y_400mf")),
    "googlenet": Spec(tv("googlenet", aux_logits=False, init_weights=True)),
    "inception_v3": Spec(tv("inception_v3", size=299, aux_logits=False, init_weights=True)),
    "mnasnet1_0": Spec(tv("mnasnet1_0")),
    "resnext50_32x4d": Spec(tv("resnext50_32x4d")),
    "vit_b_16": Spec(tv("vit_b_16")),
    "swin_t": Spec(tv("swin_t")),
    "maxvit_t": Spec(tv("maxvit_t")),
    # segmentation, detection, video
    "fcn_resnet50": Spec(tv_seg("fcn_resnet50")),
    "deeplabv3_mobilenet_v3_large": Spec(tv_seg("deeplabv3_mobilenet_v3_large")),
    "lraspp_mobilenet_v3_large": Spec(tv_seg("lraspp_mobilenet_v3_large")),
    "fasterrcnn_mobilenet_v3_large_320_fpn": Spec(tv_det("fasterrcnn_mobilenet_v3_large_320_fpn"), unordered=True, draft=True),
    "ssdlite320_mobilenet_v3_large": Spec(tv_det("ssdlite320_mobilenet_v3_large"), unordered=True, draft=True),
    "r3d_18": Spec(tv_video("r3d_18")),
    # Hugging Face encoders
    "distilbert": Spec(hf_encoder("distilbert")),
    "roberta": Spec(hf_encoder("roberta")),
    "hf_vit": Spec(hf_vit),
    "whisper_encoder": Spec(hf_whisper_encoder),
    # recurrent
    "lstm": Spec(rnn("LSTM")),
    "gru": Spec(rnn("GRU")),
    # small nets for less common ops
    "unet_small": Spec(unet_small),
    "misc_ops": Spec(misc_ops),
    "grid_sample": Spec(grid_sample),
    # dynamic axes (exported at one size, run at another)
    "resnet18_dyn": Spec(tv("resnet18"), dynamic={"x": {0: "batch"}}, run_shape=dict(batch=2)),
    "bert_dyn": Spec(hf_encoder("bert"), dynamic=TOKENS3, run_shape=dict(batch=2, seq=11)),
    "gpt2_dyn": Spec(hf_decoder("gpt2"), dynamic=TOKENS2, run_shape=dict(batch=2, seq=11)),
    "llama_dyn": Spec(hf_decoder("llama"), dynamic=TOKENS2, run_shape=dict(batch=2, seq=11)),
    "lstm_dyn": Spec(rnn("LSTM"), dynamic={"x": {0: "batch", 1: "seq"}}, run_shape=dict(batch=3, seq=7)),
    # attention through scaled_dot_product_attention; opset 23 (Attention, RMSNormalization)
    "bert_sdpa": Spec(hf_encoder("bert", attn="sdpa")),
    "llama_opset23": Spec(hf_decoder("llama", attn="sdpa"), opset={"dynamo": 23},
                          exporters=["dynamo"]),
    # older opsets (TorchScript exporter only): attributes that later became inputs
    # (Split, Squeeze, Reduce*, Resize/Upsample, Slice, Pad)
    "resnet18_opset9": Spec(tv("resnet18"), opset={"legacy": 9}, exporters=["legacy"]),
    "unet_small_opset11": Spec(unet_small, opset={"legacy": 11}, exporters=["legacy"]),
    "misc_ops_opset12": Spec(misc_ops, opset={"legacy": 12}, exporters=["legacy"]),
    "bert_opset11": Spec(hf_encoder("bert"), opset={"legacy": 11}, exporters=["legacy"]),
    "gpt2_opset13": Spec(hf_decoder("gpt2"), opset={"legacy": 13}, exporters=["legacy"]),
    "llama_opset14": Spec(hf_decoder("llama"), opset={"legacy": 14}, exporters=["legacy"]),
    "lstm_opset9": Spec(rnn("LSTM"), opset={"legacy": 9}, exporters=["legacy"]),
    "gru_opset9": Spec(rnn("GRU"), opset={"legacy": 9}, exporters=["legacy"]),
    # quantized by onnxruntime's tool: QDQ (QuantizeLinear/DequantizeLinear around float ops)
    # and dynamic (DynamicQuantizeLinear, MatMulInteger, ConvInteger)
    # QDQ: an activation one float ulp off a rounding boundary moves one quantization step
    # (1/255 of its range), so a few steps are allowed
    "resnet18_qdq": Spec(tv("resnet18"), quantize="qdq", rtol=2e-2),
    "bert_qdq": Spec(hf_encoder("bert"), quantize="qdq", rtol=2e-2),
    "bert_qdynamic": Spec(hf_encoder("bert"), quantize="dynamic"),
    "mobilenet_v2_qdynamic": Spec(tv("mobilenet_v2"), quantize="dynamic"),
    # float16 models
    "resnet18_fp16": Spec(tv("resnet18"), half=True),
    "bert_fp16": Spec(hf_encoder("bert"), half=True),
}

EXPORTERS = ("dynamo", "legacy")

# ----------------------------------------------------------------------------------------


def first_error(text, limit=110):
    """The first line of surgeon-shell's stderr that reports an error (later ones follow from it)."""
    for ln in str(text).splitlines():
        if "error" in ln:
            ln = ln.strip()
            return ln if len(ln) <= limit else ln[: limit - 3] + "..."
    return first_line(text, limit)


def export_error(e, limit=110):
    """The root cause of an exporter exception: type and the first line of its message."""
    seen = set()
    while (e.__cause__ or e.__context__) is not None and id(e) not in seen:
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    text = f"{type(e).__name__}: {lines[0] if lines else ''}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_line(text, limit=110):
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    if not lines:
        return ""
    # the most useful line of a traceback is usually the last one
    line = lines[-1]
    return line if len(line) <= limit else line[: limit - 3] + "..."


def export(spec, model, inputs, path, exporter):
    torch = _torch()
    extra = {}
    if spec.dynamic:
        extra["dynamic_axes"] = {k: v for k, v in spec.dynamic.items() if k in inputs}
    opset = spec.opset.get(exporter)
    args = tuple(inputs.values())
    names = list(inputs)
    sink = io.StringIO()
    # the fused nn.MultiheadAttention fast path has no TorchScript-exporter symbolic
    torch.backends.mha.set_fastpath_enabled(False)
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        with torch.no_grad():
            if exporter == "dynamo" and spec.draft:
                program = torch.export.draft_export(model, args)
                torch.onnx.export(program, args, path, dynamo=True, input_names=names,
                                  opset_version=opset, **extra)
            elif exporter == "dynamo":
                torch.onnx.export(model, args, path, dynamo=True, input_names=names,
                                  opset_version=opset, **extra)
            else:
                torch.onnx.export(model, args, path, dynamo=False, input_names=names,
                                  opset_version=opset or 17, **extra)


def quantize(kind, path, inputs):
    """Replace the exported model by onnxruntime's quantization of it (files people make)."""
    import onnx
    import onnxruntime.quantization as q
    tmp = path + ".q.onnx"
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        pre = path + ".pre.onnx"
        inline = path + ".inline.onnx"  # the tool cannot follow the dynamo exporter's external data
        onnx.save(onnx.load(path), inline)
        q.quant_pre_process(inline, pre, skip_symbolic_shape=True)
        if kind == "dynamic":
            q.quantize_dynamic(pre, tmp, weight_type=q.QuantType.QInt8)
        else:
            feeds = [{k: v.numpy() for k, v in inputs.items()}]

            class Reader(q.CalibrationDataReader):
                def __init__(self):
                    self.it = iter(feeds)

                def get_next(self):
                    return next(self.it, None)
            q.quantize_static(pre, tmp, Reader(), quant_format=q.QuantFormat.QDQ,
                              per_channel=True, activation_type=q.QuantType.QUInt8,
                              weight_type=q.QuantType.QInt8)
    for f in (path, path + ".data", pre, inline):
        if os.path.exists(f):
            os.remove(f)
    os.replace(tmp, path)


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def timed_median(fn, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def run_ours(binary, script_path, timeout):
    t0 = time.perf_counter()
    try:
        with open(script_path) as f:
            p = subprocess.run([binary], stdin=f, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timeout after {timeout}s", time.perf_counter() - t0
    return p.returncode, p.stderr, time.perf_counter() - t0


def float16_references(onnx_path, feeds, expose=()):
    """Two float32 evaluations of a float16 model by onnxruntime, with the float16 weights,
    constants and inputs upcast exactly: 'rounded' rounds every float16 node output to float16
    (the graph's semantics, float32 inside each node), 'unrounded' never rounds. Returns
    (rounded outputs, unrounded outputs): the graph outputs, then the values named in
    `expose`."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    F16, F32 = TensorProto.FLOAT16, TensorProto.FLOAT
    inferred = onnx.shape_inference.infer_shapes(onnx.load(onnx_path))
    types = {v.name: v.type.tensor_type.elem_type for v in
             list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input)}

    def upcast(t):
        return numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float32), t.name)

    def build(rounded):
        m = onnx.load(onnx_path)
        for i, init in enumerate(m.graph.initializer):
            if init.data_type == F16:
                m.graph.initializer[i].CopyFrom(upcast(init))
        for v in list(m.graph.input) + list(m.graph.output):
            if v.type.tensor_type.elem_type == F16:
                v.type.tensor_type.elem_type = F32
        del m.graph.value_info[:]
        nodes = []
        for n in m.graph.node:
            for a in n.attribute:
                if n.op_type == "Cast" and a.name == "to" and a.i == F16:
                    a.i = F32
                elif a.type == onnx.AttributeProto.TENSOR and a.t.data_type == F16:
                    a.t.CopyFrom(upcast(a.t))
                elif a.type == onnx.AttributeProto.GRAPH:
                    raise RuntimeError("float16 reference: subgraphs are not converted")
            nodes.append(n)
            if not rounded:
                continue
            for j, o in enumerate(list(n.output)):
                if o and types.get(o) == F16:
                    n.output[j] = o + "__f32"
                    nodes.append(helper.make_node("Cast", [o + "__f32"], [o + "__f16"], to=F16))
                    nodes.append(helper.make_node("Cast", [o + "__f16"], [o], to=F32))
        del m.graph.node[:]
        m.graph.node.extend(nodes)
        have = {o.name for o in m.graph.output}
        m.graph.output.extend(onnx.ValueInfoProto(name=o) for o in expose if o not in have)
        so = ort.SessionOptions()
        so.log_severity_level = 3
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
        f32 = {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in feeds.items()}
        return sess.run(None, f32)
    return build(True), build(False)


def rel_error(ref, x):
    r, o = ref.astype(np.float64), x.astype(np.float64)
    scale = float(np.abs(r).max()) if r.size else 0.0
    d = float(np.abs(r - o).max()) if r.size else 0.0
    return d / scale if scale > 0 else d


def compare(ref, ours):
    if ours.shape != ref.shape:
        return None, None, f"shape {list(ours.shape)} != {list(ref.shape)}"
    if ref.dtype.kind in "fc":
        r = ref.astype(np.float64)
        o = ours.astype(np.float64)
        if r.size == 0:
            return 0.0, 0.0, ""
        nan_mismatch = np.isnan(r) != np.isnan(o)
        if nan_mismatch.any():
            return float("inf"), float("inf"), "NaN mismatch"
        diff = np.abs(np.nan_to_num(r) - np.nan_to_num(o))
        mx = float(diff.max())
        scale = float(np.abs(np.nan_to_num(r)).max())
        return mx, mx / scale if scale > 0 else mx, ""
    eq = np.array_equal(ref, ours)
    return (0.0, 0.0, "") if eq else (float("inf"), float("inf"), "integer mismatch")


def compare_detections(refs, ours_list, tie=1e-6):
    """Detections (boxes [N,4], scores [N], labels [N]) compared as a set: near-equal scores
    (1 ulp apart) may come out in another order, which permutes every output. Each reference
    row is matched greedily with an unused row of ours whose every column is within RTOL of
    that output's scale. Random-weight detectors also give many exactly tied scores for
    different boxes; which of the tied boxes survives NMS and the top-k cut depends on the
    last bit of the scores, so an unmatched row is tolerated when its score is tied (within
    `tie`, relative) with another reference row of the same label. The sorted scores must
    match within RTOL in any case. Returns (max abs, max rel, note)."""
    n = refs[0].shape[0]
    if len(refs) != 3 or any(r.shape[:1] != (n,) for r in refs) or \
            any(o.shape != r.shape for o, r in zip(ours_list, refs)):
        return None, None, "shapes differ: " + ", ".join(
            f"{list(o.shape)} vs {list(r.shape)}" for o, r in zip(ours_list, refs)), ""
    scales = [max(float(np.abs(r.astype(np.float64)).max()) if r.size else 0.0, 1e-30) for r in refs]
    R = np.hstack([r.reshape(n, -1).astype(np.float64) / s for r, s in zip(refs, scales)])
    O = np.hstack([o.reshape(n, -1).astype(np.float64) / s for o, s in zip(ours_list, scales)])
    score, label = refs[1].astype(np.float64), refs[2]
    sorted_err = float(np.abs(np.sort(score) - np.sort(ours_list[1].astype(np.float64))).max()) / scales[1] if n else 0.0
    used = np.zeros(n, dtype=bool)
    worst, unmatched, tied, pairs = 0.0, 0, 0, []
    for i in range(n):
        d = np.abs(O - R[i]).max(axis=1)
        d[used] = np.inf
        j = int(np.argmin(d))
        if d[j] <= RTOL:
            used[j] = True
            worst = max(worst, float(d[j]))
            pairs.append((i, j))
            continue
        others = np.abs(score - score[i]) <= tie * max(abs(score[i]), 1e-30)
        others[i] = False
        if (others & (label == label[i])).any():
            tied += 1
        else:
            unmatched += 1
    notes = []
    if unmatched:
        notes.append(f"{unmatched} of {n} detections unmatched")
    if sorted_err > RTOL and not tied:
        notes.append(f"sorted scores differ by {sorted_err:.2e}")
    info = "rows matched as a set"
    if tied:  # another tied box in the set moves the sorted scores too
        info += f"; {tied} rows with tied scores differ (sorted scores off by {sorted_err:.1e})"
    scale_cols = np.concatenate([np.full(r.reshape(n, -1).shape[1], s) for r, s in zip(refs, scales)])
    worst_abs = max((float((np.abs(O[j] - R[i]) * scale_cols).max()) for i, j in pairs), default=0.0)
    return worst_abs, worst, "; ".join(notes), info


def run_case(name, exporter, args):
    row = dict(model=name, exporter=exporter, load="-", abs="-", rel="-", result="?",
               ours="-", ort="-", note="")
    case = os.path.join(args.out, name, exporter)
    os.makedirs(case, exist_ok=True)
    onnx_path = os.path.join(case, "model.onnx")

    # 1. export (exporter failures are not ours: reported, then the next case)
    try:
        spec = MODELS[name]
        if spec.exporters is not None and exporter not in spec.exporters:
            row.update(result="SKIP", note=f"{exporter} exporter not used for this model")
            return row
        model, inputs = spec.make()
        if not args.reuse or not os.path.exists(onnx_path):
            for f in os.listdir(case):
                os.remove(os.path.join(case, f))
            export(spec, model, inputs, onnx_path, exporter)
            if spec.quantize:
                quantize(spec.quantize, onnx_path, inputs)
        if spec.run_shape:
            _, inputs = spec.make(run=True)
    except Exception as e:  # noqa: BLE001
        row.update(result="EXPORT-FAIL", note=export_error(e))
        if args.verbose:
            traceback.print_exc()
        return row

    # 2. onnxruntime reference
    import onnxruntime as ort
    try:
        so = ort.SessionOptions()
        so.log_severity_level = 3
        sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
        feeds = {}
        for i in sess.get_inputs():
            if i.name not in inputs:
                raise RuntimeError(f"unexpected model input {i.name}")
            feeds[i.name] = inputs[i.name].numpy()
        out_names = [o.name for o in sess.get_outputs()]
        refs = sess.run(None, feeds)
        for k, ref in enumerate(refs):
            if ref.dtype.kind == "f" and ref.size > 1 and np.all(ref == ref.flat[0]):
                row["note"] = f"out[{k}] of onnxruntime is constant; "
        row["ort"] = f"{1000 * timed_median(lambda: sess.run(None, feeds), 3):.1f}"
    except Exception as e:  # noqa: BLE001
        row.update(result="ORT-FAIL", note=first_line(e))
        return row
    for k, v in feeds.items():
        np.save(os.path.join(case, f"in_{k}.npy"), v)
    for k, v in enumerate(refs):
        np.save(os.path.join(case, f"ort_{k}.npy"), v)

    # 3. surgeon-shell: a load-only script (load time, load errors) and the full script
    load_line = f"load {quote(onnx_path)} as m\n"
    run_line = "run " + " ".join(
        f"{quote(k)}=load({quote(os.path.join(case, f'in_{k}.npy'))})" for k in feeds) + "\n"
    ours_paths = [os.path.join(case, f"ours_{k}.npy") for k in range(len(refs))]
    export_lines = "".join(f"export out[{k}] {quote(p)}\n" for k, p in enumerate(ours_paths))
    with open(os.path.join(case, "load.surgeon"), "w") as f:
        f.write(load_line)
    with open(os.path.join(case, "run.surgeon"), "w") as f:
        f.write(load_line + run_line * args.runs + export_lines)
    for p in ours_paths:
        if os.path.exists(p):
            os.remove(p)

    rc, err, t_load = run_ours(args.binary, os.path.join(case, "load.surgeon"), args.timeout)
    if rc != 0:
        row.update(load="no", result="LOAD-FAIL", note=first_error(err))
        return row
    row["load"] = "ok"
    rc, err, t_all = run_ours(args.binary, os.path.join(case, "run.surgeon"), args.timeout)
    row["ours"] = f"{1000 * max(t_all - t_load, 0.0) / args.runs:.0f}"
    if rc != 0:
        row.update(result="RUN-FAIL", note=first_error(err))
        return row

    # 4. compare every output
    worst_abs, worst_rel, notes, ok = 0.0, 0.0, [], True
    notes_ok, half_refs = [], None  # float16 outputs judged against the exact float16 semantics
    if spec.unordered:
        try:
            ours_list = [np.load(p) for p in ours_paths]
            a, r, note, info = compare_detections(refs, ours_list)
        except Exception as e:  # noqa: BLE001
            a, r, note, info = None, None, first_line(e), ""
        row["abs"] = "-" if a is None else f"{a:.2e}"
        row["rel"] = "-" if r is None else f"{r:.2e}"
        row["result"] = "PASS" if not note else "FAIL"
        row["note"] += "; ".join(x for x in (note, info) if x)
        return row
    for k, ref in enumerate(refs):
        try:
            ours = np.load(ours_paths[k])
        except Exception as e:  # noqa: BLE001
            notes.append(f"out[{k}] ({out_names[k]}): {first_line(e)}")
            worst_abs = worst_rel = float("inf")
            continue
        a, r, note = compare(ref, ours)
        if note:
            notes.append(f"out[{k}] ({out_names[k]}): {note}")
        if a is None:
            worst_abs = worst_rel = float("inf")
            continue
        worst_abs, worst_rel = max(worst_abs, a), max(worst_rel, r)
        tol = spec.rtol or RTOL
        if r > tol and ref.dtype == np.float16:
            try:
                if half_refs is None:
                    half_refs = float16_references(onnx_path, feeds)
                exact, unrounded = half_refs[0][k], half_refs[1][k]
                ours_e, ort_e = rel_error(exact, ours), rel_error(exact, ref)
                passes = ours_e <= tol and ours_e <= ort_e
                notes_ok.append(
                    f"out[{k}] float16: vs the graph's float16 semantics ours {ours_e:.1e}, "
                    f"ort {ort_e:.1e}; vs unrounded ours {rel_error(unrounded, ours):.1e}, "
                    f"ort {rel_error(unrounded, ref):.1e}")
                ok = ok and passes
            except Exception as e:  # noqa: BLE001
                notes.append(f"out[{k}] float16 reference: {first_line(e)}")
                ok = False
            continue
        ok = ok and r <= tol
    row["abs"] = f"{worst_abs:.2e}"
    row["rel"] = f"{worst_rel:.2e}"
    row["result"] = "PASS" if ok and not notes else "FAIL"
    row["note"] += "; ".join(notes + notes_ok)
    return row


COLUMNS = [("model", "model"), ("exporter", "exporter"), ("load", "load"),
           ("abs", "max abs"), ("rel", "max rel"), ("result", "result"),
           ("ours", "ours ms"), ("ort", "ort ms"), ("note", "note")]


def print_table(rows, file=sys.stdout):
    widths = {k: max(len(h), *(len(str(r[k])) for r in rows)) for k, h in COLUMNS}
    widths["note"] = len("note")
    line = "  ".join(h.ljust(widths[k]) for k, h in COLUMNS)
    print(line.rstrip(), file=file)
    for r in rows:
        print("  ".join(str(r[k]).ljust(widths[k]) for k, _ in COLUMNS).rstrip(), file=file)


def default_binary():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for cfg in ("release", "debug"):
        p = os.path.join(here, ".build", cfg, "surgeon-shell")
        if os.path.exists(p):
            return p
    return os.path.join(here, ".build", "release", "surgeon-shell")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="all", help="comma list (default: all); see --list")
    ap.add_argument("--exporters", default="dynamo,legacy", help="dynamo,legacy")
    ap.add_argument("--binary", default=default_binary(), help="surgeon-shell to test")
    ap.add_argument("--out", default="/work/zoo", help="where models, inputs, outputs go")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per surgeon-shell run")
    ap.add_argument("--runs", type=int, default=3,
                    help="runs in the timed script (ours ms = (script time - load time) / runs)")
    ap.add_argument("--reuse", action="store_true", help="reuse an exported model.onnx if present")
    ap.add_argument("--list", action="store_true", help="list the models and exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="print export tracebacks")
    args = ap.parse_args()

    if args.list:
        print("\n".join(MODELS))
        return 0
    names = list(MODELS) if args.models == "all" else [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in names if m not in MODELS]
    exporters = [e.strip() for e in args.exporters.split(",") if e.strip()]
    bad = [e for e in exporters if e not in EXPORTERS]
    if unknown or bad:
        print(f"unknown model(s) {unknown} or exporter(s) {bad}; models: {', '.join(MODELS)}",
              file=sys.stderr)
        return 2
    if not os.path.exists(args.binary):
        print(f"no surgeon-shell binary at {args.binary} (swift build -c release)", file=sys.stderr)
        return 2
    args.binary = os.path.abspath(args.binary)
    os.makedirs(args.out, exist_ok=True)

    rows = []
    for name in names:
        for exporter in exporters:
            t0 = time.perf_counter()
            row = run_case(name, exporter, args)
            rows.append(row)
            print(f"[{time.perf_counter() - t0:6.1f}s] {name:28s} {exporter:7s} {row['result']:11s} "
                  f"rel={row['rel']} {row['note']}", file=sys.stderr, flush=True)
    print()
    print_table(rows)
    exported = [r for r in rows if r["result"] not in ("EXPORT-FAIL", "SKIP")]
    passed = sum(r["result"] == "PASS" for r in rows)
    print(f"\n{passed}/{len(rows)} pass ({len(rows) - len(exported)} export failures or skipped)")
    return 0 if all(r["result"] == "PASS" for r in exported) else 1


if __name__ == "__main__":
    sys.exit(main())
