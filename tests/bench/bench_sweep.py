#!/usr/bin/python3
"""PyTorch-style fault-injection baseline for BENCHMARKS.md: what a PyTorchFI / MRFI user runs.

Every injection flips one bit of an int8-quantized weight (or of one int8-quantized input activation of a Conv /
Linear layer), then re-runs the whole float network on the image, batch 1, as those tools do. LeNet-5 is rebuilt
in PyTorch with the weights of configs/networks/lenet5.onnx. Prints injections per second as JSON.

    /usr/bin/python3 tests/bench/bench_sweep.py [--images 1000] [--injections 10] [--threads 1]

Needs Debian's python3-torch, python3-onnx and python3-numpy (run with /usr/bin/python3).
"""

import argparse
import json
import os
import random
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn as nn

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/datasets/fashion-mnist"

# The network definition and the IDX reader are the training script's: the baseline runs the same LeNet-5.
sys.path.insert(0, os.path.join(REPO, "tools"))
from train_models import make_lenet5 as lenet5, read_idx  # noqa: E402


def load_weights(model, path):
    inits = [numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer]
    params = list(model.parameters())
    # The exporter keeps parameter order; match by shape to be safe.
    pool = list(inits)
    with torch.no_grad():
        for p in params:
            for i, a in enumerate(pool):
                if tuple(a.shape) == tuple(p.shape):
                    p.copy_(torch.from_numpy(a.copy()))
                    del pool[i]
                    break
            else:
                raise SystemExit(f"no initializer of shape {tuple(p.shape)} in {path}")


def flip_int8(value, scale, bit):
    """Quantize to int8 with `scale`, flip one bit of the two's-complement byte, dequantize (PyTorchFI-style)."""
    q = int(max(-128, min(127, round(float(value) / scale))))
    u = (q & 0xFF) ^ (1 << bit)
    return (u - 256 if u >= 128 else u) * scale


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--injections", type=int, default=10, help="per image")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = lenet5().eval()
    load_weights(model, os.path.join(REPO, "models", "lenet5.onnx"))
    x = torch.from_numpy(read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))[:a.images].astype(np.float32) / 255.0)
    x = x.unsqueeze(1)
    labels = read_idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz"))[:a.images]
    rng = random.Random(1)
    layers = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    weights = [l.weight for l in layers]
    sizes = [w.numel() for w in weights]
    total = sum(sizes)
    scales = [float(w.detach().abs().max()) / 127 for w in weights]
    results = {}
    with torch.no_grad():
        # Weight faults: flip, run the whole network, restore.
        correct = 0
        start = time.perf_counter()
        for i in range(a.images):
            img = x[i:i + 1]
            for _ in range(a.injections):
                g = rng.randrange(total)
                li = 0
                while g >= sizes[li]:
                    g -= sizes[li]
                    li += 1
                flat = weights[li].view(-1)
                old = float(flat[g])
                flat[g] = flip_int8(old, scales[li], rng.randrange(8))
                correct += int(model(img).argmax(1).item() == labels[i])
                flat[g] = old
        sec = time.perf_counter() - start
        n = a.images * a.injections
        results["weights"] = {"injections": n, "seconds": sec, "injections_per_second": n / sec,
                              "accuracy": correct / n}
        # Activation faults: a forward pre-hook flips one bit of one quantized input value of a chosen layer.
        state = {}

        def hook(module, inputs):
            if state.get("layer") is not module:
                return None
            t = inputs[0].clone()
            flat = t.view(-1)
            k = state["index"] % flat.numel()
            scale = max(float(flat.abs().max()), 1e-12) / 127
            flat[k] = flip_int8(float(flat[k]), scale, state["bit"])
            return (t,)

        handles = [l.register_forward_pre_hook(hook) for l in layers]
        correct = 0
        start = time.perf_counter()
        for i in range(a.images):
            img = x[i:i + 1]
            for _ in range(a.injections):
                state["layer"] = layers[rng.randrange(len(layers))]
                state["index"] = rng.randrange(1 << 30)
                state["bit"] = rng.randrange(8)
                correct += int(model(img).argmax(1).item() == labels[i])
        sec = time.perf_counter() - start
        for h in handles:
            h.remove()
        results["activations"] = {"injections": n, "seconds": sec, "injections_per_second": n / sec,
                                  "accuracy": correct / n}
    print(json.dumps({"baseline": "pytorch", "torch": torch.__version__, "threads": a.threads,
                      "images": a.images, "injections_per_image": a.injections, "results": results}, indent=2))


if __name__ == "__main__":
    main()
