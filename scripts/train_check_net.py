#!/usr/bin/python3
"""Train the checking network of issue 13 and export it to configs/networks/checknet.onnx.

The data-level model's constants were chosen on the shipped networks (mlp, lenet5, cnn); this network exists only
to check the model on shapes those lack: a strided 3x3 convolution, a 1x1 convolution whose output meets a
residual Add, and (non-global) average pooling. It is never used to choose anything.

Requirements (Debian packages only, no PyPI; only for retraining, not for building flipsim):
    apt-get install -y python3-torch python3-numpy

Usage (from the repository root, with Debian's interpreter, which sees Debian's dist-packages):
    /usr/bin/python3 scripts/train_check_net.py [--epochs 4] [--out configs/networks/checknet.onnx]

Conventions are scripts/train_models.py's (input "input" [1,1,28,28] = pixel / 255, output "logits" [1,10],
opset 13, eval-mode export with BatchNormalization folded into the convolutions); data loading, seeding,
training and export are reused from it.
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_models as tm  # noqa: E402


class CheckNet(nn.Module):
    """conv3x3 1-8 + BN + ReLU (28x28); conv3x3 8-16 stride 2 + BN + ReLU (14x14, the strided 3x3);
    residual block: conv3x3 16-16 + BN + ReLU, conv1x1 16-16 + BN, Add with the block input, ReLU (the 1x1 meets
    the residual add); AvgPool 2x2 (7x7, non-global average pooling); conv3x3 16-16 stride 2 + BN + ReLU (4x4);
    Flatten; FC 256-10."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.down = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU())
        self.branch = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                                    nn.Conv2d(16, 16, 1, bias=False), nn.BatchNorm2d(16))
        self.pool = nn.AvgPool2d(2)
        self.head = nn.Sequential(nn.Conv2d(16, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU())
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = self.down(self.stem(x))
        x = F.relu(self.branch(x) + x)
        x = self.head(self.pool(x))
        return self.fc(torch.flatten(x, 1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--out", default=os.path.join(tm.REPO_ROOT, "configs", "networks", "checknet.onnx"))
    a = p.parse_args()
    torch.set_num_threads(1)  # a shared 2-core machine; deterministic order
    xtr, ytr = tm.load_split("train")
    xte, yte = tm.load_split("t10k")
    tm.MODELS["checknet"] = (CheckNet, a.epochs, 3e-3, "checking network (issue 13)")
    t0 = time.time()
    model, epochs, epoch_times, train_time = tm.train_one("checknet", xtr, ytr, xte, yte)
    acc = tm.evaluate(model, xte, yte)
    tm.export_onnx(model, a.out)
    summary = {"model": "checknet", "file": os.path.basename(a.out), "float_test_accuracy": acc, "epochs": epochs,
               "epoch_seconds": epoch_times, "train_seconds": train_time, "wall_seconds": time.time() - t0,
               "params": sum(t.numel() for t in model.parameters()), "torch": torch.__version__, "seed": tm.SEED,
               "layers": CheckNet.__doc__.replace("\n", " ").replace("    ", " ")}
    with open(os.path.splitext(a.out)[0] + ".json", "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
