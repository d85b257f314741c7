#!/usr/bin/python3
"""Plots of flipsim sweeps, and the generator of docs/findings.md.

Uses Debian's matplotlib: run with /usr/bin/python3 (the flipsim binary calls it that way).

    findings.py plot OUT.png RESULT.json...        accuracy vs per-bit error rate, every method on one axes
    findings.py plot-layers OUT.png MODEL.json     per-layer sensitivity from `flipsim model --layers --json`
    findings.py plot-validate OUT.png VALIDATION.json
                                                   measured (95% CI) against predicted, from `flipsim validate`
    findings.py plot-explore OUT.png EXPLORE.json  cost against critical-SDC rate (95% CI) per protection option,
                                                   the Pareto front joined, from `flipsim explore`
    findings.py generate [--flipsim BIN] [--out docs/findings.md] [--cache DIR] [--threads N]
                                                   run every configs/sweeps/*.yaml with all three methods and
                                                   write the findings page with its tables and plots
    findings.py choose [--flipsim BIN] [--cache DIR] [--threads N]
                                                   the model of BIN against software fault simulation on the
                                                   choosing images (test images 1,000-1,999 of every shipped
                                                   sweep; software results cached in docs/findings/choosing):
                                                   what a change to the model is judged on before the held-out
                                                   images of `generate` are looked at
"""

import argparse
import json
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STYLE = {
    "software": dict(color="black", marker="o", label="software fault simulation (95% CI)"),
    "accelerated": dict(color="tab:green", marker="s", label="accelerated fault simulation (95% CI)"),
    "model": dict(color="tab:blue", label="model, improved"),
    "normal": dict(color="tab:orange", linestyle="--", label="model, plain normal (paper)"),
}


def load(path):
    with open(path) as f:
        return json.load(f)


def draw_result(ax, r, offset=1.0):
    xs = [p["ber"] * offset for p in r["points"]]
    ys = [p["accuracy"] for p in r["points"]]
    m = r["method"]
    if m == "model":
        ax.plot(xs, ys, **STYLE["model"])
        normal = [p.get("accuracy_normal") for p in r["points"]]
        if all(v is not None for v in normal):
            ax.plot(xs, normal, **STYLE["normal"])
    else:
        lo = [p["accuracy"] - p["ci_low"] for p in r["points"]]
        hi = [p["ci_high"] - p["accuracy"] for p in r["points"]]
        ax.errorbar(xs, ys, yerr=[lo, hi], linestyle="none", capsize=2, markersize=4, **STYLE[m])


def title_of(r):
    net = os.path.splitext(os.path.basename(r["network"]))[0]
    layers = "" if not r.get("layers") or len(r["layers"]) == 0 else ""
    return f"{net}, int{r['data_bits']}, {r['target']}{layers}"


def finish_accuracy_plot(fig, ax, out, xlabel, ylabel="top-1 accuracy", legend_size=8):
    """Accuracy (0 to 1) against a log-scaled error rate, gridded, legend at the lower left; saved to `out`."""
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=legend_size, loc="lower left")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot(out, files):
    results = [load(f) for f in files]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    # Measured methods are nudged apart on the log axis so that their intervals do not hide each other.
    for r in results:
        draw_result(ax, r, offset={"software": 0.94, "accelerated": 1.06}.get(r["method"], 1.0))
    if results:
        ax.axhline(results[0]["golden_accuracy"], color="grey", linewidth=0.8, linestyle=":", label="fault-free")
        ax.set_title(title_of(results[0]))
    finish_accuracy_plot(fig, ax, out, "per-bit error rate (BER)")


def plot_layers(out, path):
    r = load(path)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for layer in r.get("per_layer", []):
        ax.plot([p["ber"] for p in layer["points"]], [p["accuracy"] for p in layer["points"]],
                marker=".", label=f"{layer['name']} ({layer['bits']} bits)")
    ax.plot([p["ber"] for p in r["points"]], [p["accuracy"] for p in r["points"]], color="black",
            linewidth=2, label="all layers")
    ax.set_title(title_of(r) + ": one layer at a time")
    finish_accuracy_plot(fig, ax, out, "per-bit error rate (BER)", "predicted top-1 accuracy", legend_size=7)


def plot_upset_validation(out, r):
    """A single-upset study: per class, P(SDC) and P(critical SDC) measured (carried upsets, 95% CI) and predicted."""
    pts = r["points"]
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 4.2))
    for ax, key, low, high, pred, title in ((axes[0], "measured", "ci_low", "ci_high", "predicted", "SDC"),
                                            (axes[1], "critical", "critical_ci_low", "critical_ci_high",
                                             "predicted_critical", "critical SDC (top-1 changed)")):
        xs = list(range(len(pts)))
        m = [(i, p) for i, p in zip(xs, pts) if p.get(key) is not None]
        ax.errorbar([i for i, _ in m], [100 * p[key] for _, p in m],
                    yerr=[[100 * (p[key] - p[low]) for _, p in m], [100 * (p[high] - p[key]) for _, p in m]],
                    linestyle="none", capsize=3, marker="o", markersize=4, color="black",
                    label="RTL campaign, carried upsets (95% CI)")
        q = [(i, p) for i, p in zip(xs, pts) if p.get(pred) is not None]
        ax.scatter([i for i, _ in q], [100 * p[pred] for _, p in q], marker="x", color="tab:blue", zorder=3,
                   label=f"prediction ({r['prediction']})")
        ax.set_xticks(xs)
        ax.set_xticklabels([p["x"] for p in pts], rotation=45, ha="right", fontsize=8)
        ax.set_ylabel(f"{title}, % of upsets")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    net = os.path.splitext(os.path.basename(r["network"]))[0]
    fig.suptitle(f"{net}, int{r['data_bits']}, single-bit upsets per class, images "
                 f"{r['first_image']}-{r['first_image'] + r['images'] - 1}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_validation(out, path):
    r = load(path)
    if r.get("classes"):
        return plot_upset_validation(out, r)
    pts = [p for p in r["points"] if p.get("measured") is not None]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    xs = [p["x"] for p in pts]
    ax.errorbar(xs, [p["measured"] for p in pts],
                yerr=[[p["measured"] - p["ci_low"] for p in pts], [p["ci_high"] - p["measured"] for p in pts]],
                linestyle="none", capsize=2, markersize=4, color="black", marker="o",
                label=f"RTL campaign (95% CI, {pts[0]['trials'] if pts else 0} injections per point)")
    predicted = [(p["x"], p["predicted"]) for p in r["points"] if p.get("predicted") is not None]
    if predicted:
        ax.plot([x for x, _ in predicted], [y for _, y in predicted], color="tab:blue",
                label=f"prediction ({r['prediction']})")
    ax.axhline(r["golden_accuracy"], color="grey", linewidth=0.8, linestyle=":", label="fault-free")
    net = os.path.splitext(os.path.basename(r["network"]))[0]
    ax.set_title(f"{net}, int{r['data_bits']}, {r['buffer']} bit-error rate, images "
                 f"{r['first_image']}-{r['first_image'] + r['images'] - 1}")
    finish_accuracy_plot(fig, ax, out, "per-bit error rate of the buffer, every pass")


def plot_explore(out, path):
    r = load(path)
    opts = r["options"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    xs = [o["overhead_area"] for o in opts]
    ys = [100 * o["sdc_critical_rate"] for o in opts]
    ax.errorbar(xs, ys, yerr=[[100 * (o["sdc_critical_rate"] - o["ci_low"]) for o in opts],
                              [100 * (o["ci_high"] - o["sdc_critical_rate"]) for o in opts]],
                linestyle="none", capsize=2, markersize=4, color="black", marker="o",
                label=f"RTL campaign (95% CI, {opts[0]['injections']} injections per option)")
    pred = [(o["overhead_area"], 100 * o["predicted"]) for o in opts if o.get("predicted") is not None]
    if pred:
        ax.scatter([x for x, _ in pred], [y for _, y in pred], marker="x", color="tab:blue",
                   label="predicted from the baseline's injections")
    front = sorted((o["overhead_area"], 100 * o["sdc_critical_rate"]) for o in opts if o["pareto"])
    ax.plot([x for x, _ in front], [y for _, y in front], color="tab:green", linewidth=0.8, label="Pareto front")
    for o, x, y in zip(opts, xs, ys):
        ax.annotate(o["name"], (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xscale("symlog", linthresh=1000)
    ax.set_xlabel("added area (CMOS transistors of logic + 6 per stored bit)")
    ax.set_ylabel("critical SDC (top-1 changed), % of injections")
    ax.set_title(f"{r['name']}: what each protection costs and buys")
    ax.grid(True, linewidth=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def fill_placeholders(text, notes):
    """Replaces every placeholder in `text` with the hand-written section under its `@@ PLACEHOLDER` line in the
    notes file (kept out of the generators so that numbers and prose are easy to tell apart)."""
    sections, key = {}, None
    for line in open(notes):
        if line.startswith("@@ "):
            key = line[3:].strip()
            sections[key] = []
        elif key:
            sections[key].append(line)
    for k, v in sections.items():
        text = text.replace(k, "".join(v).strip())
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("plot")
    p.add_argument("out")
    p.add_argument("files", nargs="+")
    p = sub.add_parser("plot-layers")
    p.add_argument("out")
    p.add_argument("file")
    p = sub.add_parser("plot-validate")
    p.add_argument("out")
    p.add_argument("file")
    p = sub.add_parser("plot-explore")
    p.add_argument("out")
    p.add_argument("file")
    p = sub.add_parser("generate")
    p.add_argument("--flipsim", default=os.path.join(REPO, "build", "cli", "flipsim"))
    p.add_argument("--out", default=os.path.join(REPO, "docs", "findings.md"))
    p.add_argument("--cache", default=None, help="directory of result JSON (reused when present)")
    p.add_argument("--threads", type=int, default=1)
    p = sub.add_parser("choose")
    p.add_argument("--flipsim", default=os.path.join(REPO, "build", "cli", "flipsim"))
    p.add_argument("--cache", default=os.path.join(REPO, "docs", "findings", "choosing"))
    p.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if a.cmd == "choose":
        choose(a)
    elif a.cmd == "plot":
        plot(a.out, a.files)
    elif a.cmd == "plot-layers":
        plot_layers(a.out, a.file)
    elif a.cmd == "plot-validate":
        plot_validation(a.out, a.file)
    elif a.cmd == "plot-explore":
        plot_explore(a.out, a.file)
    else:
        generate(a)


NETS = [("mlp", "MLP (3 FC layers)"), ("lenet5", "LeNet-5 (2 conv + 3 FC)"), ("cnn", "deep CNN (6 conv + 1 FC)")]
TARGETS = ["weights", "activations"]
WIDTHS = [8, 16]
# The checking network (configs/sweeps/check/): shapes the shipped networks lack, never used to choose anything.
CHECKS = ["checknet_int8_weights", "checknet_int8_activations"]
LAYER_IMAGES = 200


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)


def sweep_config(stem):
    """configs/sweeps/<stem>.yaml, or the checking network's configs/sweeps/check/<stem>.yaml."""
    for d in ("", "check"):
        cfg = os.path.join(REPO, "configs", "sweeps", d, stem + ".yaml")
        if os.path.exists(cfg):
            return cfg
    return None


def sweep_results(a, stem):
    """Software, model and accelerated results of a sweep (cached in a.cache; only the missing methods run)."""
    files = {m: os.path.join(a.cache, f"{stem}.{m}.json") for m in ("software", "model", "accelerated")}
    missing = [m for m, f in files.items() if not os.path.exists(f)]
    if missing:
        run([a.flipsim, "sweep", sweep_config(stem), "--method", ",".join(missing), "--json", "--plots", a.cache,
             "--threads", str(a.threads)])
    return {m: load(f) for m, f in files.items()}


def layer_results(a, stem):
    f = os.path.join(a.cache, f"{stem}.layers.json")
    if not os.path.exists(f):
        # A model run per layer: the first LAYER_IMAGES of the sweep's images keep it to minutes on the deep CNN.
        r = run([a.flipsim, "model", sweep_config(stem), "--layers", "--json", "--images", str(LAYER_IMAGES)])
        with open(f, "w") as out:
            json.dump(r, out, indent=1)
    return load(f)


def narrow(p):
    return p["ci_high"] - p["ci_low"] <= 0.02  # interval within +-1 percentage point


def worst(sw, other, key="accuracy", max_ber=1.0):
    """Largest |other - software| in percentage points over the rates (up to max_ber) where software's interval is
    narrow."""
    diffs = [abs(o[key] - s["accuracy"]) for s, o in zip(sw["points"], other["points"])
             if narrow(s) and key in o and s["ber"] <= max_ber]
    return 100 * max(diffs) if diffs else float("nan")


def fmt_pp(x):
    return "n/a" if x != x else f"{x:.2f}"


def curve_figure(path, panels, title):
    """panels: list of (subplot title, [(label, result, style)])."""
    cols = len(panels)
    fig, axes = plt.subplots(1, cols, figsize=(4.6 * cols, 3.8), squeeze=False)
    for ax, (sub, series) in zip(axes[0], panels):
        for label, r, style in series:
            xs = [p["ber"] for p in r["points"]]
            ys = [p["accuracy"] for p in r["points"]]
            if r["method"] == "model":
                ax.plot(xs, ys, label=label, **style)
            else:
                lo = [p["accuracy"] - p["ci_low"] for p in r["points"]]
                hi = [p["ci_high"] - p["accuracy"] for p in r["points"]]
                ax.errorbar(xs, ys, yerr=[lo, hi], label=label, capsize=2, markersize=3, **style)
        ax.set_xscale("log")
        ax.set_ylim(0, 1)
        ax.set_title(sub, fontsize=10)
        ax.set_xlabel("per-bit error rate")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
    axes[0][0].set_ylabel("top-1 accuracy")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def measured_and_model(res, stem, label, color):
    """The software points and the improved model's line of one sweep, in one colour (none if not run)."""
    if stem not in res:
        return []
    return [(f"{label} software", res[stem]["software"], dict(color=color, marker="o", linestyle="none")),
            (f"{label} model", res[stem]["model"], dict(color=color))]


def drop_figure(path, results):
    """Accuracy loss (golden - accuracy) on a log scale: where the plain normal model breaks."""
    fig, axes = plt.subplots(1, len(results), figsize=(4.6 * len(results), 3.8), squeeze=False)
    for ax, (sub, rs) in zip(axes[0], results):
        sw, model = rs["software"], rs["model"]
        g = sw["golden_accuracy"]
        xs = [p["ber"] for p in sw["points"]]
        ax.plot(xs, [max(g - p["accuracy"], 1e-5) for p in sw["points"]], "ko", label="software (measured)")
        ax.plot(xs, [max(g - p["accuracy"], 1e-5) for p in model["points"]], color="tab:blue", label="model, improved")
        ax.plot(xs, [max(g - p["accuracy_normal"], 1e-5) for p in model["points"]], color="tab:orange",
                linestyle="--", label="model, plain normal")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(1e-5, 1)
        ax.set_title(sub, fontsize=10)
        ax.set_xlabel("per-bit error rate")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    axes[0][0].set_ylabel("accuracy loss (golden - faulty), floor 1e-5")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def generate(a):
    a.cache = a.cache or os.path.join(REPO, "docs", "findings")
    os.makedirs(a.cache, exist_ok=True)
    figdir = os.path.join(os.path.dirname(a.out), "findings")
    os.makedirs(figdir, exist_ok=True)
    rel = os.path.relpath(figdir, os.path.dirname(a.out))
    res = {}
    for net, _ in NETS:
        for bits in WIDTHS:
            for t in TARGETS:
                stem = f"{net}_int{bits}_{t}"
                if sweep_config(stem):
                    res[stem] = sweep_results(a, stem)
    checks = {stem: sweep_results(a, stem) for stem in CHECKS if sweep_config(stem)}
    layers = {stem: layer_results(a, stem) for stem in ("lenet5_int8_weights", "lenet5_int8_activations",
                                                         "cnn_int8_weights", "cnn_int8_activations")
              if stem in res}
    for stem, r in layers.items():
        plot_layers(os.path.join(figdir, f"{stem}.layers.png"), os.path.join(a.cache, f"{stem}.layers.json"))

    # Figures: bit width, depth, the plain normal's failure.
    for net, name in NETS:
        panels = []
        for t in TARGETS:
            series = []
            for bits, color in ((8, "tab:blue"), (16, "tab:red")):
                series += measured_and_model(res, f"{net}_int{bits}_{t}", f"int{bits}", color)
            panels.append((f"{name}: {t}", series))
        curve_figure(os.path.join(figdir, f"width_{net}.png"), panels, f"Bit width: {name}")
    panels = []
    for t in TARGETS:
        series = []
        for (net, name), color in zip(NETS, ("tab:green", "tab:blue", "tab:red")):
            series += measured_and_model(res, f"{net}_int8_{t}", net, color)
        panels.append((f"int8 {t}", series))
    curve_figure(os.path.join(figdir, "depth.png"), panels, "Depth: MLP vs LeNet-5 vs deep CNN (int8)")
    drop_figure(os.path.join(figdir, "normal_breaks.png"),
                [(f"{net} int8 {t}", res[f"{net}_int8_{t}"]) for net in ("lenet5", "cnn") for t in TARGETS
                 if f"{net}_int8_{t}" in res])
    for stem in res:
        src = os.path.join(a.cache, stem + ".png")
        if os.path.exists(src) and os.path.abspath(a.cache) != os.path.abspath(figdir):
            import shutil
            shutil.copy(src, os.path.join(figdir, stem + ".png"))

    write_markdown(a, res, checks, layers, rel)


# Test images the model's constants and structure are chosen on: disjoint from the held-out 5,000-5,999 of the
# shipped sweeps (and from the checking network, which is never used to choose anything).
CHOOSING_FIRST_IMAGE = 1000


def choose(a):
    """Prints, for every shipped sweep on the choosing images, the model's worst error, its rates inside the
    software interval and the sum of its errors, with the totals over weight and activation sweeps."""
    os.makedirs(a.cache, exist_ok=True)
    totals = {t: [0, 0, 0.0, 0.0] for t in TARGETS}  # rates inside, rates, sum of |errors|, worst
    print(f"{'sweep':28} {'worst pts':>9} {'inside':>7} {'sum |err|':>9}")
    for net, _ in NETS:
        for bits in WIDTHS:
            for t in TARGETS:
                stem = f"{net}_int{bits}_{t}"
                cfg = sweep_config(stem)
                if not cfg:
                    continue
                first = ["--first-image", str(CHOOSING_FIRST_IMAGE), "--json", "--threads", str(a.threads)]
                sw_file = os.path.join(a.cache, f"{stem}.software.json")
                if not os.path.exists(sw_file):
                    with open(sw_file, "w") as out:
                        json.dump(run([a.flipsim, "sweep", cfg, "--method", "software"] + first), out, indent=1)
                sw = load(sw_file)
                model = run([a.flipsim, "model", cfg] + first)
                errors = [100 * abs(o["accuracy"] - s["accuracy"]) for s, o in zip(sw["points"], model["points"])]
                n_in, n = inside(sw, model)
                print(f"{stem:28} {max(errors):9.2f} {n_in:>4}/{n:<2} {sum(errors):9.2f}", flush=True)
                tot = totals[t]
                tot[0] += n_in
                tot[1] += n
                tot[2] += sum(errors)
                tot[3] = max(tot[3], max(errors))
    for t, (n_in, n, total, worst_pts) in totals.items():
        print(f"{t}: inside {n_in} of {n} rates, sum of |errors| {total:.2f} points, worst {worst_pts:.2f}")


def inside(sw, other):
    """Rates at which `other` lies inside software's 95% interval, and all rates."""
    pts = list(zip(sw["points"], other["points"]))
    return sum(s["ci_low"] <= o["accuracy"] <= s["ci_high"] for s, o in pts), len(pts)


def write_markdown(a, res, checks, layers, rel):
    L = []
    w = L.append
    w("# Findings: soft errors at the data level (model vs fault simulation)")
    w("")
    w("Generated by `/usr/bin/python3 scripts/findings.py generate --flipsim <build>/cli/flipsim` from the sweeps in")
    w("`configs/sweeps/` (1,000 Fashion-MNIST test images, 5,000–5,999, held out: the model's constants were chosen")
    w("on images 0–4,999; per-bit error rate on stored weights or layer-input activations, see [model.md](model.md)).")
    w("Every number below comes from the JSON results in")
    w(f"`{rel}/` (delete them to recompute). Measured accuracies carry 95% Wilson intervals;")
    w("\"within ±1 point\" means the software interval's half-width is at most one percentage point.")
    w("")
    w("The same model against the RTL (each SRAM buffer's bit-error rate in cycle-level campaigns, on test images")
    w("its constants were not chosen on): [validation.md](validation.md).")
    w("")
    w("## Summary: model and accelerated simulation against software fault simulation")
    w("")
    w("Worst absolute difference in accuracy (percentage points) over the rates whose software interval is within")
    w("±1 point (13 rates, 1e-7 … 1e-3); *inside CI*: rates at which the improved model lies inside the software")
    w("result's 95% interval; *drop* is the measured accuracy loss at 1e-3. Seconds are the wall times recorded in")
    w("each result (network loading excluded; `generate` runs single-threaded, cached results keep the threads they")
    w("were run with, as the discussion says; the machine was shared); *speed-up* = software seconds / accelerated")
    w("seconds. The rows marked *checking* are the checking network")
    w("(configs/sweeps/check/: a strided 3×3 convolution, a 1×1 convolution into a residual add, average pooling),")
    w("trained only to check the model and never used to choose anything.")
    w("")
    w("| sweep | golden | narrow rates | improved model | inside CI | plain normal | accelerated | drop at 1e-3 | "
      "software s | model s | accel. s | speed-up |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for stem, r in list(res.items()) + list(checks.items()):
        sw, m, ac = r["software"], r["model"], r["accelerated"]
        n_narrow = sum(narrow(p) for p in sw["points"])
        k, n = inside(sw, m)
        name = stem if stem in res else f"{stem} (checking)"
        w(f"| {name} | {sw['golden_accuracy']:.2f} | {n_narrow}/{len(sw['points'])} | "
          f"{fmt_pp(worst(sw, m))} | {k}/{n} | {fmt_pp(worst(sw, m, 'accuracy_normal'))} | {fmt_pp(worst(sw, ac))} | "
          f"{100 * (sw['golden_accuracy'] - sw['points'][-1]['accuracy']):.1f} | {sw['seconds']:.1f} | "
          f"{m['seconds']:.2f} | {ac['seconds']:.2f} | {sw['seconds'] / ac['seconds']:.0f}x |")
    w("")
    w("PLACEHOLDER_DISCUSSION")
    w("")
    for title, fig in (("Bit width (int8 vs int16)", [f"width_{n}.png" for n, _ in NETS]),
                       ("Depth (MLP vs LeNet-5 vs deep CNN)", ["depth.png"]),
                       ("Where the plain normal model breaks", ["normal_breaks.png"])):
        w(f"## {title}")
        w("")
        w(f"PLACEHOLDER_{title.split()[0].upper()}")
        w("")
        for f in fig:
            w(f"![{f}]({rel}/{f})")
        w("")
    w(f"## Per-layer sensitivity (improved model, one layer's bits flipping at a time, first {LAYER_IMAGES} images)")
    w("")
    w("PLACEHOLDER_LAYERS")
    w("")
    for stem, r in layers.items():
        w(f"**{stem}**")
        w("")
        names = [l["name"] for l in r["per_layer"]]
        w("| ber | " + " | ".join(f"{n} ({l['bits']} bits)" for n, l in zip(names, r["per_layer"])) + " | all |")
        w("| ---: | " + " | ".join("---:" for _ in names) + " | ---: |")
        for b, p in enumerate(r["points"]):
            if p["ber"] < 1e-6:
                continue
            w(f"| {p['ber']:.1e} | " + " | ".join(f"{l['points'][b]['accuracy']:.3f}" for l in r["per_layer"]) +
              f" | {p['accuracy']:.3f} |")
        w("")
        w(f"![{stem} layers]({rel}/{stem}.layers.png)")
        w("")
    w("## Every sweep")
    w("")
    for stem, r in list(res.items()) + list(checks.items()):
        sw, m, ac = r["software"], r["model"], r["accelerated"]
        w(f"### {stem}")
        w("")
        w(f"{sw['images']} images x {sw['injections']} injections per rate, {sw['bits']} stored bits in scope, "
          f"golden accuracy {sw['golden_accuracy']:.3f}.")
        w("")
        w("| ber | expected flips | software [95% CI] | accelerated [95% CI] | improved model | plain normal | sw SDC |")
        w("| ---: | ---: | --- | --- | ---: | ---: | ---: |")
        for s, mm, aa in zip(sw["points"], m["points"], ac["points"]):
            w(f"| {s['ber']:.2e} | {s['expected_flips']:.3g} | {s['accuracy']:.4f} [{s['ci_low']:.4f}, "
              f"{s['ci_high']:.4f}] | {aa['accuracy']:.4f} [{aa['ci_low']:.4f}, {aa['ci_high']:.4f}] | "
              f"{mm['accuracy']:.4f} | {mm.get('accuracy_normal', float('nan')):.4f} | {s.get('sdc', 0):.4f} |")
        w("")
        w(f"![{stem}]({rel}/{stem}.png)")
        w("")
    text = "\n".join(L) + "\n"
    notes = os.path.join(REPO, "docs", "findings_notes.md")
    if os.path.exists(notes):
        text = fill_placeholders(text, notes)
    with open(a.out, "w") as f:
        f.write(text)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
