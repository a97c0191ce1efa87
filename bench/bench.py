#!/usr/bin/env python3
"""Latency of surgeon-shell against onnxruntime on the same ONNX files and the same inputs.

For each model: our release binary runs `bench runs=N` (timed inside our process, after
warm-up), then `inspect all` and `bench` again; onnxruntime runs an InferenceSession with the
same thread count. Prints medians, ratios (ours / ort), our load time and peak RSS.

Run with a Python that has onnxruntime and onnx (e.g. /work/venv-torch/bin/python); see
bench/README.md.
"""
import argparse
import glob
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "surgeon-shell")

NP_TYPES = {
    onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64,
    onnx.TensorProto.FLOAT16: np.float16, onnx.TensorProto.INT64: np.int64,
    onnx.TensorProto.INT32: np.int32, onnx.TensorProto.INT8: np.int8,
    onnx.TensorProto.UINT8: np.uint8, onnx.TensorProto.BOOL: np.bool_,
}


def default_models(zoo_root, exporters):
    files = sorted(glob.glob("/work/big-models/resnet18-*.onnx")) + sorted(glob.glob("/work/big-models/bert-tiny-*.onnx"))
    for exp in exporters:
        files += sorted(glob.glob(os.path.join(zoo_root, "*", exp, "model.onnx")))
    return files


def label(path):
    """`resnet18/dynamo` for zoo files, the file stem otherwise."""
    parts = os.path.normpath(path).split(os.sep)
    if parts[-1] == "model.onnx" and len(parts) >= 3:
        return f"{parts[-3]}/{parts[-2]}"
    return os.path.splitext(parts[-1])[0]


def make_inputs(path, tmpdir, seed=0):
    """One array per graph input: the zoo's in_NAME.npy when present, generated otherwise.
    Returns [(name, npy path)] in graph order."""
    model = onnx.load(path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    rng = np.random.default_rng(seed)
    here = os.path.dirname(path)
    out = []
    for i, vi in enumerate(x for x in model.graph.input if x.name not in inits):
        given = os.path.join(here, f"in_{vi.name}.npy")
        if os.path.exists(given):
            out.append((vi.name, given))
            continue
        tt = vi.type.tensor_type
        shape = []
        for a, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value"):
                shape.append(d.dim_value)
            else:
                shape.append(1 if a == 0 else 16)
        dtype = NP_TYPES.get(tt.elem_type, np.float32)
        lname = vi.name.lower()
        if np.issubdtype(dtype, np.floating):
            arr = rng.standard_normal(shape).astype(dtype)
        elif dtype == np.bool_:
            arr = np.ones(shape, dtype=bool)
        elif "mask" in lname:
            arr = np.ones(shape, dtype=dtype)
        elif "token_type" in lname or "segment" in lname:
            arr = np.zeros(shape, dtype=dtype)
        elif "position" in lname:
            arr = np.broadcast_to(np.arange(shape[-1] if shape else 1), shape).astype(dtype)
        else:
            arr = rng.integers(0, 100, size=shape).astype(dtype)
        p = os.path.join(tmpdir, f"{abs(hash(path))}_{i}.npy")
        np.save(p, arr)
        out.append((vi.name, p))
    return out


def run_child(cmd, script, timeout):
    """Runs cmd with `script` on stdin; returns (stdout, stderr, wall seconds, exit status)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        try:
            out, _ = p.communicate(script.encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            return "", "timeout", float("nan"), -1
        wall = time.perf_counter() - t0
        err.seek(0)
        return out.decode(errors="replace"), err.read().decode(errors="replace"), wall, p.returncode


def parse_medians(text):
    return [float(m) for m in re.findall(r"median ([0-9.]+) ms", text)]


def ours(binary, path, feeds, runs, threads, inspect, timeout):
    feed = " ".join(f'"{n}"=load("{p}")' for n, p in feeds)
    script = f'load "{path}" as m\nbench runs={runs} warmup=2 {feed}\n'
    timed = os.path.exists("/usr/bin/time")
    cmd = (["/usr/bin/time", "-f", "MAXRSS_KB %M"] if timed else []) + [binary, "--threads", str(threads)]
    # /usr/bin/time -f %M reports this child's own peak RSS (getrusage(RUSAGE_CHILDREN) would
    # give the maximum over every child so far). The inspect-all run is a separate process so
    # the RSS column is that of plain runs.
    out, err, _, rc = run_child(cmd, script, timeout)
    med = parse_medians(out)
    rss = re.search(r"MAXRSS_KB (\d+)", err)
    inspect_med = None
    if inspect and med:
        iout, _, _, _ = run_child([binary, "--threads", str(threads)],
                                  f'load "{path}" as m\ninspect all\nbench runs={runs} warmup=2 {feed}\n', timeout)
        im = parse_medians(iout)
        inspect_med = im[0] if im else None
    res = {
        "plain": med[0] if len(med) > 0 else None,
        "inspect": inspect_med,
        "rss_mb": int(rss.group(1)) / 1024 if rss else None,
        "error": None,
    }
    if res["plain"] is None:
        lines = [l for l in (out + "\n" + err).splitlines() if l.strip() and not l.startswith("MAXRSS")]
        res["error"] = (lines[-1] if lines else f"exit {rc}")[:70]
    return res


def load_time(binary, path, threads, timeout, repeats=3):
    """Median wall time of `load` (a load-only script minus an empty script), in ms."""
    def wall(script):
        ts = []
        for _ in range(repeats):
            _, _, w, _ = run_child([binary, "--threads", str(threads)], script, timeout)
            ts.append(w)
        return statistics.median(ts)
    base = wall("\n")
    return max(0.0, (wall(f'load "{path}" as m\n') - base) * 1000)


def onnxruntime(path, feeds, runs, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    t0 = time.perf_counter()
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    create = (time.perf_counter() - t0) * 1000
    inputs = {n: np.load(p) for n, p in feeds}
    for _ in range(2):
        sess.run(None, inputs)
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, inputs)
        ts.append((time.perf_counter() - t) * 1000)
    return statistics.median(ts), create


def fmt(v, spec="{:.1f}"):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else spec.format(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help="ONNX files (default: big-models ResNet-18 / BERT-tiny and the zoo)")
    ap.add_argument("--threads", type=int, default=2, help="threads for both engines (default 2)")
    ap.add_argument("--runs", type=int, default=10, help="timed runs per engine (default 10)")
    ap.add_argument("--binary", default=DEFAULT_BINARY, help="surgeon-shell binary (default .build/release)")
    ap.add_argument("--build", action="store_true", help="swift build -c release first")
    ap.add_argument("--zoo", default="/work/zoo", help="zoo root (default /work/zoo)")
    ap.add_argument("--exporters", default="dynamo", help="zoo exporter folders to include, comma-separated (default dynamo)")
    ap.add_argument("--filter", default="", help="only models whose label contains one of these comma-separated words")
    ap.add_argument("--no-zoo", action="store_true", help="only the big-models defaults")
    ap.add_argument("--no-inspect", action="store_true", help="skip the inspect-all run")
    ap.add_argument("--no-load", action="store_true", help="skip measuring load time")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per surgeon-shell process")
    args = ap.parse_args()

    if args.build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "surgeon-shell"], cwd=ROOT, check=True)
    if not os.path.exists(args.binary):
        sys.exit(f"no binary at {args.binary}: build with `swift build -c release --product surgeon-shell` or pass --build")

    models = args.models or default_models(args.zoo, [] if args.no_zoo else [e for e in args.exporters.split(",") if e])
    if args.filter:
        words = [w for w in args.filter.split(",") if w]
        models = [m for m in models if any(w in label(m) for w in words)]

    print(f"# threads={args.threads} runs={args.runs} load average at start: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} cpus)")
    header = (f"{'model':34} {'ours ms':>9} {'ort ms':>8} {'ratio':>6} {'insp ms':>9} {'insp/pl':>7}"
              f" {'load ms':>8} {'ort sess':>8} {'RSS MB':>7}  note")
    print(header)
    print("-" * len(header))
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in models:
            name = label(path)
            try:
                feeds = make_inputs(path, tmp)
            except Exception as e:  # noqa: BLE001 - report and go on
                print(f"{name:34} inputs failed: {e}")
                continue
            o = ours(args.binary, path, feeds, args.runs, args.threads, not args.no_inspect, args.timeout)
            note = o["error"] or ""
            try:
                ort_ms, ort_create = onnxruntime(path, feeds, args.runs, args.threads)
            except Exception as e:  # noqa: BLE001
                ort_ms, ort_create = None, None
                note = (note + " ort: " + str(e).splitlines()[0])[:90]
            ld = None if args.no_load or o["plain"] is None else load_time(args.binary, path, args.threads, args.timeout)
            ratio = o["plain"] / ort_ms if o["plain"] and ort_ms else None
            if ratio:
                ratios.append(ratio)
            insp = o["inspect"] / o["plain"] if o["inspect"] and o["plain"] else None
            print(f"{name:34} {fmt(o['plain']):>9} {fmt(ort_ms):>8} {fmt(ratio, '{:.2f}'):>6} {fmt(o['inspect']):>9}"
                  f" {fmt(insp, '{:.2f}'):>7} {fmt(ld, '{:.0f}'):>8} {fmt(ort_create, '{:.0f}'):>8}"
                  f" {fmt(o['rss_mb'], '{:.0f}'):>7}  {note}", flush=True)
    if ratios:
        gm = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"\ngeometric mean ratio ours/ort over {len(ratios)} models: {gm:.2f}  (max {max(ratios):.2f})")
    print("# load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
