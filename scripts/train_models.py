#!/usr/bin/python3
"""Train the flipsim reference networks on Fashion-MNIST and export them to ONNX.

Requirements (Debian packages only, no PyPI):
    apt-get install -y python3-torch python3-numpy python3-onnx
    (python3-onnx is optional: it is only used to list/verify the exported graphs)

Usage (run from the repository root, with Debian's interpreter):
    /usr/bin/python3 scripts/train_models.py              # train + export all models
    /usr/bin/python3 scripts/train_models.py --only cnn   # just one (others kept)

Input convention relied upon by the C++ side (do not change):
    input  "input"  : float32 [1,1,28,28], x = pixel / 255.0 (no mean/std normalization)
    output "logits" : float32 [1,10], raw logits (no softmax)
    ONNX opset 13, batch dimension fixed to 1, exported in eval mode with
    do_constant_folding=True.

Outputs (in --out-dir, default configs/networks/):
    <name>.onnx, float_accuracy.json, training_summary.json, README.md
"""

import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234
DATA_DIR = "/usr/share/datasets/fashion-mnist"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


# ----------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------
def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dtype_code = (magic >> 8) & 0xFF
    assert dtype_code == 0x08, "expected unsigned byte IDX data"
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_split(split):
    imgs = read_idx(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz"))
    # Input convention: x = pixel / 255.0, shape [N,1,28,28], float32.
    x = torch.from_numpy(imgs.astype(np.float32) / np.float32(255.0)).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


# ----------------------------------------------------------------------------
# Networks
# ----------------------------------------------------------------------------
def make_mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def make_lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout), nn.ReLU()]


def make_cnn():
    # VGG-like: 6 conv3x3 layers (8,8 | 16,16 | 32,32), each Conv-BN-ReLU.
    return nn.Sequential(
        *conv_bn_relu(1, 8), *conv_bn_relu(8, 8), nn.MaxPool2d(2),      # 14x14
        *conv_bn_relu(8, 16), *conv_bn_relu(16, 16), nn.MaxPool2d(2),   # 7x7
        *conv_bn_relu(16, 32), *conv_bn_relu(32, 32),
        nn.AdaptiveAvgPool2d(1),   # -> GlobalAveragePool
        nn.Flatten(),
        nn.Linear(32, 10),
    )


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN + shortcut, Add, ReLU.
    Shortcut is identity, or 1x1 strided conv + BN when shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                nn.BatchNorm2d(cout))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class SmallResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn_relu(1, 8))      # 8 x 28x28
        self.block1 = BasicBlock(8, 8, 1)                  # 8 x 28x28, identity
        self.block2 = BasicBlock(8, 16, 2)                 # 16 x 14x14, 1x1 s2 shortcut
        self.block3 = BasicBlock(16, 16, 2)                # 16 x 7x7, 1x1 s2 shortcut
        self.pool = nn.AdaptiveAvgPool2d(1)                # -> GlobalAveragePool
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        x = self.block3(self.block2(self.block1(x)))
        return self.fc(self.flatten(self.pool(x)))


# name -> (constructor, epochs, lr, layer description)
MODELS = {
    "mlp": (make_mlp, 10, 1e-3,
            "Flatten, FC 784-256, ReLU, FC 256-128, ReLU, FC 128-10"),
    "lenet5": (make_lenet5, 12, 2e-3,
               "Conv5x5 1-6 p2, ReLU, MaxPool2, Conv5x5 6-16, ReLU, MaxPool2, Flatten, "
               "FC 400-120, ReLU, FC 120-84, ReLU, FC 84-10"),
    "cnn": (make_cnn, 12, 3e-3,
            "6x [Conv3x3 p1 (no bias) + BN + ReLU]: 1-8, 8-8, MaxPool2, 8-16, 16-16, "
            "MaxPool2, 16-32, 32-32, GlobalAvgPool, Flatten, FC 32-10"),
    "resnet": (SmallResNet, 12, 3e-3,
               "stem Conv3x3 1-8+BN+ReLU; block1 8-8 s1 (identity); block2 8-16 s2 "
               "(1x1 s2 conv+BN shortcut); block3 16-16 s2 (1x1 s2 conv+BN shortcut); "
               "each block conv3x3-BN-ReLU-conv3x3-BN + shortcut, Add, ReLU; "
               "GlobalAvgPool, Flatten, FC 16-10"),
}


# ----------------------------------------------------------------------------
# Training / evaluation
# ----------------------------------------------------------------------------
def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)


@torch.no_grad()
def evaluate(model, x, y, bs=1000):
    model.eval()
    correct = 0
    for i in range(0, x.shape[0], bs):
        correct += (model(x[i:i + bs]).argmax(1) == y[i:i + bs]).sum().item()
    return correct / x.shape[0]


def train_one(name, xtr, ytr, xte, yte, batch_size=128):
    ctor, epochs, lr, _ = MODELS[name]
    seed_all(SEED)
    model = ctor()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = (xtr.shape[0] + batch_size - 1) // batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, epochs=epochs, steps_per_epoch=steps_per_epoch)
    rng = np.random.RandomState(SEED)   # deterministic shuffling order
    n = xtr.shape[0]
    epoch_times = []
    t_start = time.time()
    for ep in range(epochs):
        model.train()
        t0 = time.time()
        perm = torch.from_numpy(rng.permutation(n))
        tot_loss = 0.0
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            xb, yb = xtr[idx], ytr[idx]
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += loss.item() * xb.shape[0]
        dt = time.time() - t0
        epoch_times.append(dt)
        acc = evaluate(model, xte, yte)
        print(f"[{name}] epoch {ep + 1}/{epochs}  loss {tot_loss / n:.4f}  "
              f"test_acc {acc:.4f}  epoch_time {dt:.1f}s", flush=True)
    train_time = time.time() - t_start
    model.eval()
    return model, epochs, epoch_times, train_time


def export_onnx(model, path):
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28, dtype=torch.float32)
    torch.onnx.export(
        model, dummy, path,
        export_params=True,
        opset_version=13,
        do_constant_folding=True,
        input_names=["input"],
        output_names=["logits"],
        training=torch.onnx.TrainingMode.EVAL,
    )


# ----------------------------------------------------------------------------
# ONNX inspection + independent numpy re-evaluation of the exported graph
# ----------------------------------------------------------------------------
def _np_conv(x, w, b, strides, pads, dilations, group):
    assert group == 1 and all(d == 1 for d in dilations)
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    pt, pl, pb, pr = pads
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    sh, sw = strides
    oh = (h + pt + pb - kh) // sh + 1
    ow = (wd + pl + pr - kw) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    out = np.tensordot(cols, w, axes=([1, 2, 3], [1, 2, 3]))  # n,oh,ow,m
    out = out.transpose(0, 3, 1, 2)
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out


def _np_maxpool(x, k, s, pads):
    assert all(p == 0 for p in pads)
    n, c, h, w = x.shape
    oh = (h - k[0]) // s[0] + 1
    ow = (w - k[1]) // s[1] + 1
    out = np.full((n, c, oh, ow), -np.inf, dtype=x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            out = np.maximum(out, x[:, :, i:i + s[0] * oh:s[0], j:j + s[1] * ow:s[1]])
    return out


def run_onnx_numpy(model_proto, x):
    """Tiny reference interpreter for the op subset used here (no onnxruntime on Debian)."""
    from onnx import numpy_helper
    g = model_proto.graph
    env = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    env[g.input[0].name] = x
    for node in g.node:
        a = {at.name: onnx_attr(at) for at in node.attribute}
        ins = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Conv":
            k = ins[1].shape[2:]
            r = _np_conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                         a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]),
                         a.get("dilations", [1, 1]), a.get("group", 1))
            assert list(a.get("kernel_shape", k)) == list(k)
        elif op == "Relu":
            r = np.maximum(ins[0], 0)
        elif op == "MaxPool":
            r = _np_maxpool(ins[0], a["kernel_shape"], a.get("strides", [1, 1]),
                            a.get("pads", [0, 0, 0, 0]))
        elif op == "GlobalAveragePool":
            r = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            r = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Reshape":
            r = ins[0].reshape(ins[1])
        elif op == "Gemm":
            A, B = ins[0], ins[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                B = B.T
            r = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                r = r + a.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            r = ins[0] @ ins[1]
        elif op == "Add":
            r = ins[0] + ins[1]
        elif op == "BatchNormalization":
            sc, bi, mu, var = [t.reshape(1, -1, 1, 1) for t in ins[1:5]]
            r = (ins[0] - mu) / np.sqrt(var + a.get("epsilon", 1e-5)) * sc + bi
        else:
            raise NotImplementedError(f"numpy reference: op {op}")
        env[node.output[0]] = r.astype(np.float32)
    return env[g.output[0].name]


def onnx_attr(at):
    from onnx import helper
    return helper.get_attribute_value(at)


def inspect_onnx(path, torch_model, xte, yte, n_check=500):
    """Return dict with op list / counts and a numpy-vs-PyTorch check, or None if
    the onnx package is unavailable."""
    try:
        import onnx
    except ImportError:
        print("  (python3-onnx not installed: skipping graph inspection)")
        return None
    m = onnx.load(path)
    onnx.checker.check_model(m)
    g = m.graph
    ops, counts = [], {}
    for node in g.node:
        if node.op_type not in counts:
            ops.append(node.op_type)
            counts[node.op_type] = 0
        counts[node.op_type] += 1
    dims = lambda vi: [d.dim_value if d.HasField("dim_value") else d.dim_param
                       for d in vi.type.tensor_type.shape.dim]
    info = {
        "opset": [(o.domain or "ai.onnx", o.version) for o in m.opset_import],
        "inputs": [(i.name, dims(i)) for i in g.input],
        "outputs": [(o.name, dims(o)) for o in g.output],
        "n_nodes": len(g.node),
        "n_initializers": len(g.initializer),
        "op_sequence": [n.op_type for n in g.node],
        "op_counts": counts,
        "ops": ops,
        "file_bytes": os.path.getsize(path),
    }
    # Independent check: run the exported graph with a numpy interpreter and
    # compare with PyTorch on the first n_check test images (batch 1 each).
    torch_model.eval()
    max_diff, agree, correct = 0.0, 0, 0
    with torch.no_grad():
        for i in range(n_check):
            xi = xte[i:i + 1]
            ref = torch_model(xi).numpy()
            got = run_onnx_numpy(m, xi.numpy())
            max_diff = max(max_diff, float(np.abs(ref - got).max()))
            agree += int(ref.argmax() == got.argmax())
            correct += int(got.argmax() == int(yte[i]))
    info["numpy_check"] = {"images": n_check, "max_abs_logit_diff": max_diff,
                           "argmax_agree": agree, "onnx_correct": correct}
    return info


# ----------------------------------------------------------------------------
# README
# ----------------------------------------------------------------------------
def write_readme(out_dir, summary):
    L = []
    L.append("# flipsim reference models (Fashion-MNIST)\n")
    L.append("Generated by `scripts/train_models.py` (do not edit by hand; rerun the script).\n")
    L.append("## Input / output convention\n")
    L.append("- input `input`: float32 `[1,1,28,28]`, `x = pixel / 255.0` "
             "(no mean/std normalization), batch fixed to 1")
    L.append("- output `logits`: float32 `[1,10]`, raw logits (no softmax); "
             "class order = Fashion-MNIST label index: " + ", ".join(
                 f"{i} {c}" for i, c in enumerate(CLASSES)))
    L.append("- ONNX opset 13, exported in eval mode with `do_constant_folding=True`; "
             "weights are graph initializers (not listed as graph inputs).")
    L.append("- Data: `/usr/share/datasets/fashion-mnist/{train,t10k}-*-ubyte.gz` "
             "(60,000 train / 10,000 test).\n")
    L.append("## Models\n")
    L.append("| model | file | params | float test acc (10,000) | epochs | training time (wall) | fastest epoch | layers |")
    L.append("|---|---|---:|---:|---:|---:|---:|---|")
    for name in MODELS:
        if name not in summary:
            continue
        s = summary[name]
        L.append(f"| `{name}` | `{name}.onnx` ({s['file_bytes'] / 1024:.0f} KiB) | "
                 f"{s['params']:,} | {s['float_acc']:.4f} | {s['epochs']} | "
                 f"{s['train_time_s']:.0f} s | {min(s['epoch_times_s']):.1f} s | "
                 f"{MODELS[name][3]} |")
    L.append("")
    L.append("Accuracies are also in `float_accuracy.json` (PyTorch float32, all "
             "10,000 test images). Training: Adam + one-cycle LR schedule, batch 128, "
             f"seed {SEED}, `torch.set_num_threads(2)`, on a 2-core CPU; full per-run "
             "details (per-epoch times, ONNX inspection) in `training_summary.json`.\n")
    est = sum(min(s["epoch_times_s"]) * s["epochs"] for s in summary.values())
    L.append("Timing caveat: the wall-clock times above were measured while C++ builds "
             "were running on the same 2-core machine, so many epochs were slowed "
             "down several-fold. The fastest epoch is closer to the uncontended cost: "
             f"epochs x fastest epoch summed over the models above = {est / 60:.0f} min "
             "of training (plus about 1 min for data loading, export and ONNX "
             "checks).\n")
    L.append("## Exported ONNX graphs\n")
    L.append("Op types as listed by `onnx.load()` (python3-onnx "
             "from Debian); node counts in parentheses. `onnx.checker.check_model` passes "
             "for all files.\n")
    L.append("| model | nodes | op types (count) | op sequence |")
    L.append("|---|---:|---|---|")
    for name in MODELS:
        if name not in summary or not summary[name].get("onnx"):
            continue
        o = summary[name]["onnx"]
        cnt = ", ".join(f"{k} ({v})" for k, v in o["op_counts"].items())
        L.append(f"| `{name}` | {o['n_nodes']} | {cnt} | {' → '.join(o['op_sequence'])} |")
    L.append("")
    L.append("Cross-check: each exported graph was re-executed with a small independent "
             "numpy interpreter (in `scripts/train_models.py`) on the first test images at "
             "batch 1 and compared against PyTorch:\n")
    L.append("| model | images | max abs logit diff | argmax agrees | ONNX correct |")
    L.append("|---|---:|---:|---:|---:|")
    for name in MODELS:
        if name not in summary or not summary[name].get("onnx"):
            continue
        c = summary[name]["onnx"]["numpy_check"]
        L.append(f"| `{name}` | {c['images']} | {c['max_abs_logit_diff']:.2e} | "
                 f"{c['argmax_agree']}/{c['images']} | {c['onnx_correct']}/{c['images']} |")
    L.append("")
    L.append("Notes on the exported graphs:\n")
    L.append("- BatchNormalization does not appear as a node: in eval mode the exporter "
             "folds every BN into the preceding Conv's weights and bias (convs were "
             "defined with `bias=False`, so the exported Conv gains a bias input from "
             "the folded BN).")
    L.append("- `nn.Flatten` exports as a single ONNX `Flatten` (axis=1) node, "
             "not as Shape/Gather/Concat/Reshape.")
    L.append("- `nn.Linear` exports as `Gemm` (transB=1, bias as third input).")
    L.append("- `nn.AdaptiveAvgPool2d(1)` exports as `GlobalAveragePool`.\n")
    L.append("## How to retrain\n")
    L.append("```sh")
    L.append("apt-get install -y python3-torch python3-numpy python3-onnx   # Debian packages; python3-onnx only for graph inspection")
    L.append("/usr/bin/python3 scripts/train_models.py              # all models")
    L.append("/usr/bin/python3 scripts/train_models.py --only cnn   # one model; others' entries are kept")
    L.append("```\n")
    L.append("Use `/usr/bin/python3` explicitly: a pyenv `python3` earlier on PATH does not "
             "see Debian's dist-packages. Training is seeded and single-process with "
             "deterministic data order; bit-exact reproduction of the weights is only "
             "expected with the same torch build and thread count (torch "
             f"{torch.__version__}, Debian 12).\n")
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write("\n".join(L))


# ----------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=list(MODELS), action="append",
                    help="train only this model (repeatable)")
    ap.add_argument("--out-dir", default=os.path.join(REPO_ROOT, "configs", "networks"))
    ap.add_argument("--readme-only", action="store_true",
                    help="only regenerate README.md/float_accuracy.json from training_summary.json")
    ap.add_argument("--epochs", type=int, default=None,
                    help="override the per-model epoch count (for quick tests)")
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out_dir, exist_ok=True)

    xtr, ytr = load_split("train")
    xte, yte = load_split("t10k")
    print(f"train {tuple(xtr.shape)}  test {tuple(xte.shape)}  torch {torch.__version__}",
          flush=True)

    summ_path = os.path.join(args.out_dir, "training_summary.json")
    acc_path = os.path.join(args.out_dir, "float_accuracy.json")
    summary = {}
    if os.path.exists(summ_path):
        with open(summ_path) as f:
            summary = json.load(f)

    names = [] if args.readme_only else (args.only or list(MODELS))
    for name in names:
        if args.epochs is not None:
            ctor, _, lr, desc = MODELS[name]
            MODELS[name] = (ctor, args.epochs, lr, desc)
        print(f"=== {name} ===", flush=True)
        model, epochs, ep_times, ttime = train_one(name, xtr, ytr, xte, yte)
        acc = evaluate(model, xte, yte)
        nparams = sum(p.numel() for p in model.parameters())
        path = os.path.join(args.out_dir, f"{name}.onnx")
        export_onnx(model, path)
        print(f"[{name}] params {nparams}  float test acc {acc:.4f}  "
              f"train time {ttime:.1f}s  -> {path} ({os.path.getsize(path)} bytes)",
              flush=True)
        onnx_info = inspect_onnx(path, model, xte, yte)
        if onnx_info:
            print(f"[{name}] ONNX ops: {onnx_info['op_counts']}  numpy check: "
                  f"{onnx_info['numpy_check']}", flush=True)
        summary[name] = {
            "params": nparams,
            "float_acc": acc,
            "epochs": epochs,
            "lr": MODELS[name][2],
            "epoch_times_s": [round(t, 2) for t in ep_times],
            "train_time_s": round(ttime, 1),
            "sec_per_epoch": round(sum(ep_times) / len(ep_times), 2),
            "file_bytes": os.path.getsize(path),
            "torch_version": torch.__version__,
            "onnx": onnx_info,
        }

    ordered = {k: summary[k] for k in MODELS if k in summary}
    with open(summ_path, "w") as f:
        json.dump(ordered, f, indent=2)
    with open(acc_path, "w") as f:
        json.dump({k: round(v["float_acc"], 4) for k, v in ordered.items()}, f, indent=2)
        f.write("\n")
    write_readme(args.out_dir, ordered)
    print("wrote", acc_path, summ_path, os.path.join(args.out_dir, "README.md"))


if __name__ == "__main__":
    sys.exit(main())
