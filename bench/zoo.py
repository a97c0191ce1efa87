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

# ----------------------------------------------------------------------------------------
# Models. Each builder returns (module, inputs) where inputs is an ordered dict
# name -> torch tensor; the module is called positionally with the inputs in that order and
# returns a tensor or a tuple of tensors.
# ----------------------------------------------------------------------------------------


def _torch():
    import torch
    return torch


def _randomize_norms(model, seed=0):
    """Random BatchNorm statistics and affine parameters so BN is not an identity."""
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
    return model


def _image(n=1, size=224):
    torch = _torch()
    return {"x": torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(1))}


def tv(name, size=224, **kw):
    def build():
        import torchvision
        torch = _torch()
        torch.manual_seed(0)
        m = getattr(torchvision.models, name)(weights=None, **kw)
        return _randomize_norms(m.eval()), _image(size=size)
    return build


def tv_seg(name):
    def build():
        import torchvision
        torch = _torch()
        torch.manual_seed(0)
        inner = getattr(torchvision.models.segmentation, name)(
            weights=None, weights_backbone=None, aux_loss=False)
        _randomize_norms(inner.eval())

        class Seg(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = inner

            def forward(self, x):
                return self.m(x)["out"]
        return Seg().eval(), _image(size=224)
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

    class Wrap(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = inner

        def forward(self, *args):
            out = self.m(**dict(zip(names, args)))
            return tuple(out[k] for k in keys)
    return Wrap().eval()


def hf_encoder(kind):
    def build():
        import transformers as tr
        torch = _torch()
        torch.manual_seed(0)
        small = dict(hidden_size=128, num_hidden_layers=3, num_attention_heads=4,
                     intermediate_size=256, vocab_size=1000, max_position_embeddings=64)
        if kind == "bert":
            m = tr.BertModel(tr.BertConfig(**small))
            ins = _tokens(1000)
            keys = ["last_hidden_state", "pooler_output"]
        elif kind == "roberta":
            m = tr.RobertaModel(tr.RobertaConfig(**small, type_vocab_size=1, pad_token_id=1))
            ins = _tokens(1000, with_types=False)
            keys = ["last_hidden_state", "pooler_output"]
        elif kind == "distilbert":
            m = tr.DistilBertModel(tr.DistilBertConfig(
                dim=128, n_layers=3, n_heads=4, hidden_dim=256, vocab_size=1000,
                max_position_embeddings=64))
            ins = _tokens(1000, with_types=False)
            keys = ["last_hidden_state"]
        else:
            raise ValueError(kind)
        m.config._attn_implementation = "eager"
        return _hf_wrap(m.eval(), list(ins), keys), ins
    return build


def hf_decoder(kind):
    def build():
        import transformers as tr
        torch = _torch()
        torch.manual_seed(0)
        if kind == "gpt2":
            cfg = tr.GPT2Config(n_layer=3, n_embd=128, n_head=4, vocab_size=1000, n_positions=64,
                                use_cache=False)
            m = tr.GPT2LMHeadModel(cfg)
        elif kind == "llama":
            cfg = tr.LlamaConfig(hidden_size=128, intermediate_size=256, num_hidden_layers=3,
                                 num_attention_heads=4, num_key_value_heads=2, vocab_size=1000,
                                 max_position_embeddings=64, use_cache=False)
            m = tr.LlamaForCausalLM(cfg)
        else:
            raise ValueError(kind)
        m.config._attn_implementation = "eager"
        ins = _tokens(1000, pad=0, with_types=False)
        names = list(ins)
        torch_ = torch

        class Wrap(torch_.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask):
                return self.m(input_ids=input_ids, attention_mask=attention_mask,
                              use_cache=False).logits
        return Wrap().eval(), {n: ins[n] for n in names}
    return build


def hf_vit():
    import transformers as tr
    torch = _torch()
    torch.manual_seed(0)
    cfg = tr.ViTConfig(hidden_size=128, num_hidden_layers=3, num_attention_heads=4,
                       intermediate_size=256, image_size=64, patch_size=8)
    m = tr.ViTModel(cfg, add_pooling_layer=True)
    m.config._attn_implementation = "eager"
    ins = {"pixel_values": _image(size=64)["x"]}
    return _hf_wrap(m.eval(), list(ins), ["last_hidden_state", "pooler_output"]), ins


def hf_whisper_encoder():
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
    feats = torch.randn(1, 80, 200, generator=torch.Generator().manual_seed(3))
    ins = {"input_features": feats}
    return _hf_wrap(m.eval(), list(ins), ["last_hidden_state"]), ins


def rnn(kind):
    def build():
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
        x = torch.randn(2, 12, 32, generator=torch.Generator().manual_seed(4))
        return Net().eval(), {"x": x}
    return build


MODELS = {
    # required by issue 2
    "resnet18": tv("resnet18"),
    "bert": hf_encoder("bert"),
    # decoders
    "gpt2": hf_decoder("gpt2"),
    "llama": hf_decoder("llama"),
    # torchvision classifiers
    "mobilenet_v2": tv("mobilenet_v2"),
    "mobilenet_v3_small": tv("mobilenet_v3_small"),
    "mobilenet_v3_large": tv("mobilenet_v3_large"),
    "efficientnet_b0": tv("efficientnet_b0"),
    "convnext_tiny": tv("convnext_tiny"),
    "densenet121": tv("densenet121"),
    "shufflenet_v2_x1_0": tv("shufflenet_v2_x1_0"),
    "squeezenet1_1": tv("squeezenet1_1"),
    "regnet_y_400mf": tv("regnet_y_400mf"),
    "googlenet": tv("googlenet", aux_logits=False, init_weights=True),
    "inception_v3": tv("inception_v3", size=299, aux_logits=False, init_weights=True),
    "mnasnet1_0": tv("mnasnet1_0"),
    "vit_b_16": tv("vit_b_16"),
    "swin_t": tv("swin_t"),
    "fcn_resnet50": tv_seg("fcn_resnet50"),
    "deeplabv3_mobilenet_v3_large": tv_seg("deeplabv3_mobilenet_v3_large"),
    # Hugging Face encoders
    "distilbert": hf_encoder("distilbert"),
    "roberta": hf_encoder("roberta"),
    "hf_vit": hf_vit,
    "whisper_encoder": hf_whisper_encoder,
    # recurrent
    "lstm": rnn("LSTM"),
    "gru": rnn("GRU"),
}

EXPORTERS = ("dynamo", "legacy")

# ----------------------------------------------------------------------------------------


def first_line(text, limit=110):
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    if not lines:
        return ""
    # the most useful line of a traceback is usually the last one
    line = lines[-1]
    return line if len(line) <= limit else line[: limit - 3] + "..."


def export(model, inputs, path, exporter):
    torch = _torch()
    args = tuple(inputs.values())
    names = list(inputs)
    sink = io.StringIO()
    # the fused nn.MultiheadAttention fast path has no TorchScript-exporter symbolic
    torch.backends.mha.set_fastpath_enabled(False)
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        with torch.no_grad():
            if exporter == "dynamo":
                torch.onnx.export(model, args, path, dynamo=True, input_names=names)
            else:
                torch.onnx.export(model, args, path, dynamo=False, input_names=names,
                                  opset_version=17)


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


def run_case(name, exporter, args):
    row = dict(model=name, exporter=exporter, load="-", abs="-", rel="-", result="?",
               ours="-", ort="-", note="")
    case = os.path.join(args.out, name, exporter)
    os.makedirs(case, exist_ok=True)
    onnx_path = os.path.join(case, "model.onnx")

    # 1. export (exporter failures are not ours: reported, then the next case)
    try:
        model, inputs = MODELS[name]()
        if not args.reuse or not os.path.exists(onnx_path):
            for f in os.listdir(case):
                os.remove(os.path.join(case, f))
            export(model, inputs, onnx_path, exporter)
    except Exception as e:  # noqa: BLE001
        row.update(result="EXPORT-FAIL", note=first_line(f"{type(e).__name__}: {e}"))
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
        row.update(load="no", result="LOAD-FAIL", note=first_line(err))
        return row
    row["load"] = "ok"
    rc, err, t_all = run_ours(args.binary, os.path.join(case, "run.surgeon"), args.timeout)
    row["ours"] = f"{1000 * max(t_all - t_load, 0.0) / args.runs:.0f}"
    if rc != 0:
        row.update(result="RUN-FAIL", note=first_line(err))
        return row

    # 4. compare every output
    worst_abs, worst_rel, notes = 0.0, 0.0, []
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
    row["abs"] = f"{worst_abs:.2e}"
    row["rel"] = f"{worst_rel:.2e}"
    row["result"] = "PASS" if worst_rel <= RTOL and not notes else "FAIL"
    row["note"] = "; ".join(notes)
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
    exported = [r for r in rows if r["result"] not in ("EXPORT-FAIL",)]
    passed = sum(r["result"] == "PASS" for r in rows)
    print(f"\n{passed}/{len(rows)} pass ({len(rows) - len(exported)} export failures)")
    return 0 if all(r["result"] == "PASS" for r in exported) else 1


if __name__ == "__main__":
    sys.exit(main())
