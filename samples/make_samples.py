#!/usr/bin/env python3
"""Builds the sample models of surgeon-shell from the three examples of the
surgeon-pytorch README, exports each with both PyTorch ONNX exporters, and writes
reference values computed by surgeon-pytorch itself.

Needs torch, onnx, onnxscript and surgeon-pytorch (pip install surgeon-pytorch).
Not run by CI: its outputs are committed. Usage:

    python samples/make_samples.py            # small models + references (committed)
    python samples/make_samples.py --big DIR  # also ResNet-18 (and tiny BERT) exports into DIR (not committed)
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

from surgeon_pytorch import Extract, Inspect, get_layers, get_nodes

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")
REF = os.path.join(HERE, "reference")


class InspectModel(nn.Module):
    """README, Inspect section."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(5, 3)
        self.layer2 = nn.Linear(3, 2)
        self.layer3 = nn.Linear(2, 1)

    def forward(self, x):
        x1 = self.layer1(x)
        x2 = self.layer2(x1)
        y = self.layer3(x2)
        return y


class ExtractModel(nn.Module):
    """README, Extract section (layer3 is Linear(2, 1): the README's Linear(1, 1) cannot run)."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(5, 3)
        self.layer2 = nn.Linear(3, 2)
        self.layer3 = nn.Linear(2, 1)

    def forward(self, x):
        x1 = torch.relu(self.layer1(x))
        x2 = torch.sigmoid(self.layer2(x1))
        y = self.layer3(x2).tanh()
        return y


class SummaryModel(nn.Module):
    """README, 'Graph Input/Output Summary' section."""

    def __init__(self):
        super().__init__()
        self.layer1a = nn.Linear(2, 2)
        self.layer1b = nn.Linear(2, 2)
        self.layer2 = nn.Linear(2, 1)

    def forward(self, x):
        a = self.layer1a(x)
        b = self.layer1b(x)
        c = torch.add(a, b)
        y = self.layer2(c)
        return y


def export(model, args, path, dynamo, input_names=("x",)):
    model.eval()
    if dynamo:
        torch.onnx.export(model, args, path, dynamo=True, opset_version=18, external_data=False,
                          input_names=list(input_names))
    else:
        torch.onnx.export(model, args, path, dynamo=False, opset_version=17, input_names=list(input_names))
    import onnx
    onnx.checker.check_model(onnx.load(path))


def save(name, t):
    if isinstance(t, torch.Tensor):
        t = t.detach().numpy()
    np.save(os.path.join(REF, name + ".npy"), np.ascontiguousarray(t, dtype=np.float32))


def small():
    os.makedirs(MODELS, exist_ok=True)
    os.makedirs(REF, exist_ok=True)
    names = {}
    torch.manual_seed(0)
    models = {"inspect": InspectModel(), "extract": ExtractModel(), "summary": SummaryModel()}
    inputs = {"inspect": torch.rand(1, 5), "extract": torch.rand(1, 5), "summary": torch.rand(1, 2)}
    for name, m in models.items():
        m.eval()
        for dynamo in (True, False):
            export(m, (inputs[name],), os.path.join(MODELS, f"{name}-{'dynamo' if dynamo else 'legacy'}.onnx"), dynamo)
        names[name] = {"layers": get_layers(m), "nodes": get_nodes(m)}
        save(f"{name}.x", inputs[name])
        save(f"{name}.y", m(inputs[name]))

    with torch.no_grad():
        # Inspect (hooks record module outputs).
        m, x = models["inspect"], inputs["inspect"]
        _, x2 = Inspect(m, layer="layer2")(x)
        save("inspect.inspect.layer2", x2)
        _, (x1, x2) = Inspect(m, layer=["layer1", "layer2"])(x)
        save("inspect.inspect.layer1", x1)
        m, x = models["extract"], inputs["extract"]
        _, outs = Inspect(m, layer={"layer1": "x1", "layer2": "x2", "layer3": "x3"})(x)
        for k, v in outs.items():
            save(f"extract.inspect.{k}", v)
        m, x = models["summary"], inputs["summary"]
        _, outs = Inspect(m, layer=["layer1a", "layer1b", "layer2"])(x)
        for k, v in zip(["layer1a", "layer1b", "layer2"], outs):
            save(f"summary.inspect.{k}", v)

        # Extract.
        m, x = models["extract"], inputs["extract"]
        save("extract.out.sigmoid", Extract(m, node_out="sigmoid")(x))
        torch.manual_seed(1)
        l1 = torch.rand(1, 3)
        save("extract.cut1.layer1", l1)
        save("extract.cut1.sigmoid", Extract(m, node_in="layer1", node_out="sigmoid")(l1))
        out = Extract(m, node_in={"layer1": "x"}, node_out={"sigmoid": "y1", "relu": "y2"})(x=l1)
        save("extract.cut2.y1", out["y1"])
        save("extract.cut2.y2", out["y2"])
        for n in get_nodes(m)[1:]:
            save(f"extract.node.{n}", Extract(m, node_out=n)(x))

        m, x = models["summary"], inputs["summary"]
        ext = Extract(m, node_in={"layer1a": "my_input"}, node_out={"add": "my_add"})
        summary = str(ext.summary)
        torch.manual_seed(2)
        mi = torch.rand(1, 2)
        save("summary.cut.my_input", mi)
        save("summary.cut.my_add", ext(x=x, my_input=mi)["my_add"])
        for n in get_nodes(m)[1:]:
            save(f"summary.node.{n}", Extract(m, node_out=n)(x))
        names["summary"]["cut_summary"] = summary

    with open(os.path.join(REF, "names.json"), "w") as f:
        json.dump(names, f, indent=2)
        f.write("\n")


def big(folder):
    import torchvision
    from torchvision.models.feature_extraction import get_graph_node_names

    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    m = torchvision.models.resnet18(weights=None).eval()
    x = torch.rand(1, 3, 224, 224)
    for dynamo in (True, False):
        export(m, (x,), os.path.join(folder, f"resnet18-{'dynamo' if dynamo else 'legacy'}.onnx"), dynamo)
    _, eval_nodes = get_graph_node_names(m)
    with open(os.path.join(folder, "resnet18-names.json"), "w") as f:
        json.dump({"layers": get_layers(m), "nodes": eval_nodes}, f, indent=2)
    np.save(os.path.join(folder, "resnet18.x.npy"), x.numpy())
    with torch.no_grad():
        _, outs = Inspect(m, layer=["layer1.0.relu", "layer2", "avgpool", "fc"])(x)
    for k, v in zip(["layer1.0.relu", "layer2", "avgpool", "fc"], outs):
        np.save(os.path.join(folder, f"resnet18.inspect.{k}.npy"), v.numpy())


def tiny_bert(**config):
    """A tiny random BERT (seed 0) mapping input_ids to last_hidden_state; `config` adds to the
    shared BertConfig (positions, attention implementation)."""
    from transformers import BertConfig, BertModel

    class Wrapped(nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids):
            return self.bert(input_ids=input_ids).last_hidden_state

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, **config)
    return Wrapped(BertModel(cfg)).eval()


def bert_small():
    """A tiny random BERT for the full screen's attention heatmaps (committed: no torch in CI).

    Eager attention, so each layer's attention probabilities are a Softmax output
    ([batch, head, query, key]); legacy exporter (the smaller file)."""
    m = tiny_bert(max_position_embeddings=32, attn_implementation="eager")
    ids = torch.randint(0, 100, (1, 16))
    export(m, (ids,), os.path.join(MODELS, "bert-tiny.onnx"), False, input_names=("input_ids",))
    np.save(os.path.join(REF, "bert.input_ids.npy"), ids.numpy())
    with torch.no_grad():
        save("bert.y", m(ids))


def bert(folder):
    """A tiny random BERT (transformers), for multi-node leaf modules and attention names."""
    try:
        import transformers  # noqa: F401
    except ImportError:
        print("transformers is not installed: skipping bert-tiny (pip install transformers==5.23.0)")
        return

    m = tiny_bert(max_position_embeddings=16)
    ids = torch.randint(0, 100, (1, 8))
    for dynamo in (True, False):
        path = os.path.join(folder, f"bert-tiny-{'dynamo' if dynamo else 'legacy'}.onnx")
        export(m, (ids,), path, dynamo, input_names=("input_ids",))
    with open(os.path.join(folder, "bert-tiny-names.json"), "w") as f:
        json.dump({"layers": get_layers(m)}, f, indent=1)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--big", metavar="DIR", help="also export ResNet-18 into DIR (about 45 MB per file)")
    a = p.parse_args()
    small()
    bert_small()
    if a.big:
        big(a.big)
        bert(a.big)
