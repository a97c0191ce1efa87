#!/usr/bin/env python3
"""Checks the cut models that `swift test --filter CutTests` leaves in .build/cut-samples/:
each must pass onnx.checker (with strict shape inference) and run in onnxruntime, giving the
outputs surgeon-shell's interpreter computed (out.*.npy) from the same feeds (in.*.npy).
Folders without feeds (local ResNet-18 cuts) are run on random inputs of the declared shapes.

Usage: python tools/check_cuts.py [DIR]     (needs onnx, onnxruntime, numpy)
Exit status 1 if any model fails.
"""
import glob
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


def check(folder):
    path = os.path.join(folder, "model.onnx")
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    feeds = {}
    for f in glob.glob(os.path.join(folder, "in.*.npy")):
        feeds[os.path.basename(f)[3:-4]] = np.load(f)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    if not feeds:
        # No recorded feeds (a big model the interpreter cannot run yet): random values of the
        # declared shapes, symbolic dims as 1, just to prove it runs.
        rng = np.random.default_rng(0)
        for i in sess.get_inputs():
            shape = [d if isinstance(d, int) else 1 for d in i.shape]
            dtype = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
                     "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8,
                     "tensor(uint8)": np.uint8, "tensor(int16)": np.int16, "tensor(uint16)": np.uint16,
                     "tensor(uint32)": np.uint32, "tensor(uint64)": np.uint64, "tensor(bool)": np.bool_}.get(i.type, np.float32)
            feeds[i.name] = np.asarray(rng.random(shape) * (4 if np.issubdtype(dtype, np.integer) else 1)).astype(dtype)
    names = [o.name for o in sess.get_outputs()]
    got = dict(zip(names, sess.run(names, feeds)))
    for f in glob.glob(os.path.join(folder, "out.*.npy")):
        name = os.path.basename(f)[4:-4]
        want = np.load(f)
        if name not in got:
            raise AssertionError(f"onnxruntime gave no output '{name}'")
        if not np.allclose(got[name], want, rtol=1e-4, atol=1e-5):
            raise AssertionError(f"output '{name}' differs: {got[name]} vs {want}")
    return len(got)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".build", "cut-samples")
    folders = sorted(d for d in glob.glob(os.path.join(root, "*")) if os.path.isfile(os.path.join(d, "model.onnx")))
    if not folders:
        print(f"no cut models in {root}; run `swift test --filter CutTests` first")
        return 1
    failed = 0
    for d in folders:
        try:
            n = check(d)
            print(f"PASS {os.path.basename(d)} ({n} outputs)")
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAIL {os.path.basename(d)}: {e}")
    print(f"{len(folders) - failed}/{len(folders)} cut models pass onnx.checker and onnxruntime")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
