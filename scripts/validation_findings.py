#!/usr/bin/python3
"""The generator of docs/validation.md: every study in configs/validate/ through `flipsim validate`.

Uses Debian's matplotlib: run with /usr/bin/python3.

    validation_findings.py [--flipsim BIN] [--out docs/validation.md] [--cache DIR] [--db DIR] [--workers N]

Each study's JSON and PNG land in the cache (docs/validation/ by default; delete a study's JSON to run it again);
its per-point campaign databases in --db (resumable, not part of the repository).
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from findings import fill_placeholders, plot_validation  # noqa: E402

TARGET_HALF_WIDTH = 0.01  # the "interval narrower than +-1 point"


def study(a, cfg):
    stem = os.path.splitext(os.path.basename(cfg))[0]
    path = os.path.join(a.cache, stem + ".json")
    if not os.path.exists(path):
        cmd = [a.flipsim, "validate", cfg, "--out", a.db, "--workers", str(a.workers), "--json"]
        print("+", " ".join(cmd), flush=True)
        out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True).stdout  # exit 1 = cross-check mismatch
        with open(path, "w") as f:
            json.dump(json.loads(out[out.index("{"):]), f, indent=1)
    with open(path) as f:
        r = json.load(f)
    plot_validation(os.path.join(a.cache, stem + ".png"), path)
    return stem, r


SOFTWARE_INJECTIONS = 20  # per image and rate: 20,000 trials, so the software side's interval is the narrower


def software_reference(a, stem, r):
    """flipsim's data-level software fault simulation on the study's images at its two highest rates (cached):
    the same per-bit rate on the stored weights, layer inputs or biases, flipped once per inference."""
    path = os.path.join(a.cache, stem + ".software.json")
    if not os.path.exists(path):
        cfg = os.path.join(REPO, "configs", "validate", stem + ".yaml")
        network = re.search(r"^\s*network:\s*(\S+)", open(cfg).read(), re.M).group(1)
        target = {"wbuf": "weights", "abuf": "activations", "bbuf": "biases"}[r["buffer"]]
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(f"sweep:\n  infer: {os.path.join(os.path.dirname(cfg), network)}\n  target: {target}\n"
                    f"  bers: [{r['points'][-2]['x']!r}, {r['points'][-1]['x']!r}]\n  images: {r['images']}\n"
                    f"  first_image: {r['first_image']}\n  injections: {SOFTWARE_INJECTIONS}\n  seed: 7\n")
        cmd = [a.flipsim, "sweep", f.name, "--method", "software", "--json", "--threads", str(a.workers)]
        print("+", " ".join(cmd), flush=True)
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        os.unlink(f.name)
        with open(path, "w") as g:
            json.dump(json.loads(out[out.index("{"):]), g, indent=1)
    with open(path) as f:
        return json.load(f)


SENSITIVITY_NETWORKS = ["lenet5", "cnn"]


def sensitivity(a, net):
    """configs/campaigns/sensitivity_<net>.yaml (single flips in every class, held-out images) and its report:
    the JSON and the report's plots in <cache>/sensitivity_<net>/ (cached), the database in --db."""
    out = os.path.join(a.cache, f"sensitivity_{net}")
    path = os.path.join(out, "report.json")
    if not os.path.exists(path):
        cfg = os.path.join(REPO, "configs", "campaigns", f"sensitivity_{net}.yaml")
        db = os.path.join(a.db, f"sensitivity_{net}.db")
        os.makedirs(a.db, exist_ok=True)
        for cmd in ([a.flipsim, "campaign", cfg, "--db", db, "--workers", str(a.workers), "--json"],
                    [a.flipsim, "report", db, "--plots", out]):
            print("+", " ".join(cmd), flush=True)
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(path) as f:
        return json.load(f)


def wilson(k, n, z=1.959964):
    if n == 0:
        return 0.0, 0.0, 1.0
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / d
    return p, max(0.0, c - h), min(1.0, c + h)


def two_sample_z(k1, n1, k2, n2):
    """Pooled two-proportion z statistic of k2/n2 against k1/n1 (0 when neither saw an event)."""
    p = (k1 + k2) / (n1 + n2)
    se = (p * (1 - p) * (1 / n1 + 1 / n2)) ** 0.5
    return 0.0 if se == 0 else (k2 / n2 - k1 / n1) / se


def register_table(w, stem, r, rel):
    """A single-upset study's classes, measured against predicted, both over the upsets the model carries."""
    inside, compared, worst = 0, 0, 0.0
    net = os.path.splitext(os.path.basename(r["network"]))[0]
    fault = r.get("fault", {"model": "flip"})
    what = ("single-bit flips" if fault["model"] == "flip" else
            f"bits stuck at {fault['model'][-1]} for {fault['duration']} cycles" if fault["model"].startswith("stuck")
            else f"{fault.get('bits', 2)}-bit upsets")
    w(f"**{net}, {what}** (`configs/validate/{stem}.yaml`: campaigns {r['campaign_seconds']:.1f} s for "
      f"{sum(p['all_trials'] for p in r['points']):,} upsets, model {r['model_seconds']:.1f} s, "
      f"[plot]({rel}/{stem}.png); cross-check: {r['crosscheck_mismatches']} of "
      f"{sum(p['crosscheck_injections'] for p in r['points'])} differ)")
    w("")
    w("| class | not carried | n | SDC [95% CI] | predicted | inside | z | critical SDC [95% CI] | predicted | inside | z |"
      " SDC, every upset [95% CI] |")
    w("| --- | ---: | ---: | --- | ---: | :-: | ---: | --- | ---: | :-: | ---: | --- |")
    fmt = lambda v, lo, hi: f"{v:.4f} [{lo:.4f}, {hi:.4f}]"
    for p in r["points"]:
        every = fmt(p["measured_all"], *p["measured_all_ci"])
        if p.get("predicted") is None:
            w(f"| {p['x']} | {p['unmodelled']:.3f} | {p['all_trials']:,} | – | measured, not modelled | | | – | | | | "
              f"{every} |")
            continue
        n, m = p["trials"], p["predicted_samples"]
        z_sdc = two_sample_z(round(p["measured"] * n), n, round(p["predicted"] * m), m)
        z_crit = two_sample_z(round(p["critical"] * n), n, round(p["predicted_critical"] * m), m)
        worst = max(worst, abs(z_sdc), abs(z_crit))
        sdc_in = p["ci_low"] <= p["predicted"] <= p["ci_high"]
        crit_in = p["critical_ci_low"] <= p["predicted_critical"] <= p["critical_ci_high"]
        inside += sdc_in + crit_in
        compared += 2
        w(f"| {p['x']} | {p['unmodelled']:.3f} | {n:,} | {fmt(p['measured'], p['ci_low'], p['ci_high'])} | "
          f"{p['predicted']:.4f} | {'yes' if sdc_in else 'no'} | {z_sdc:+.1f} | "
          f"{fmt(p['critical'], p['critical_ci_low'], p['critical_ci_high'])} | {p['predicted_critical']:.4f} | "
          f"{'yes' if crit_in else 'no'} | {z_crit:+.1f} | {every} |")
    w("")
    return inside, compared, worst


def class_bits(a):
    """Bits per site class of the default accelerator (the sensitivity campaigns' 8x8 int8 array)."""
    out = subprocess.run([a.flipsim, "sites", "--json"], check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)["classes"]


def class_table(w, net, report, rel, bits):
    tables = report["tables"]
    w(f"**{net}** ({report['injections']:,} injections, [by class]({rel}/sensitivity_{net}/sdc_by_class.png), "
      f"[by bit]({rel}/sensitivity_{net}/sdc_by_bit.png), [by PE]({rel}/sensitivity_{net}/pe_heatmap.png))")
    w("")
    w("| class | bits | n | SDC [95% CI] | critical SDC [95% CI] | hangs | critical × bits [95% CI] |")
    w("| --- | ---: | ---: | --- | --- | ---: | --- |")
    rows = sorted(tables["class"], key=lambda r: -r["critical_rate"] * bits[r["key"]])
    for r in rows:
        b = bits[r["key"]]
        w(f"| {r['key']} | {b:,} | {r['n']:,} | {r['sdc_rate']:.4f} [{r['sdc_ci_low']:.4f}, {r['sdc_ci_high']:.4f}] | "
          f"{r['critical_rate']:.4f} [{r['critical_ci_low']:.4f}, {r['critical_ci_high']:.4f}] | {r['hang']} | "
          f"{r['critical_rate'] * b:,.1f} [{r['critical_ci_low'] * b:,.1f}, {r['critical_ci_high'] * b:,.1f}] |")
    w("")


def narrow(p):
    return (p["ci_high"] - p["ci_low"]) / 2 <= TARGET_HALF_WIDTH


def scored(r):
    """Points with a prediction and a measurement."""
    return [p for p in r["points"] if p.get("predicted") is not None and p.get("measured") is not None]


def campaign_ratio(r):
    """model_seconds / campaign_seconds, or None where the campaigns' seconds are not what they cost: a run that
    resumed stored injections (results from before flipsim recorded how many it ran count as complete)."""
    if r["campaign_seconds"] <= 0 or r.get("campaign_injections_run", 1) < r.get("campaign_injections", 1):
        return None
    return r["model_seconds"] / r["campaign_seconds"]


def summary_row(stem, r, rel):
    pts = scored(r)
    net = os.path.splitext(os.path.basename(r["network"]))[0]
    if not pts:
        worst = "–"
        within = inside = "–"
    else:
        nar = [p for p in pts if narrow(p)]
        worst = f"{100 * max(abs(p['error']) for p in pts):.2f}"
        within = f"{sum(abs(p['error']) <= 0.01 for p in nar)}/{len(nar)}"
        inside = f"{sum(p['ci_low'] <= p['predicted'] <= p['ci_high'] for p in pts)}/{len(pts)}"
    ratio = campaign_ratio(r)
    ratio = f"{ratio:.3f}" if ratio is not None else "resumed" if r["campaign_seconds"] > 0 else "–"
    trials = r["points"][0]["trials"]
    xc = sum(p["crosscheck_injections"] for p in r["points"])
    return (f"| [{stem}]({rel}/{stem}.png) | {net} | "
            f"int{r['data_bits']} | {r['buffer']} | {r['prediction']} | {r['golden_accuracy']:.3f} | {trials:,} | "
            f"{worst} | {within} | {inside} | {r['model_seconds']:.2f} | {r['campaign_seconds']:.1f} | "
            f"{ratio} | {r['crosscheck_mismatches']} of {xc} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flipsim", default=os.path.join(REPO, "build", "cli", "flipsim"))
    ap.add_argument("--out", default=os.path.join(REPO, "docs", "validation.md"))
    ap.add_argument("--cache", default=None)
    ap.add_argument("--db", default=os.path.join(REPO, "results", "validate"))
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    a.cache = a.cache or os.path.join(os.path.dirname(a.out), "validation")
    os.makedirs(a.cache, exist_ok=True)
    results, upset_studies, software = [], [], {}
    for cfg in sorted(glob.glob(os.path.join(REPO, "configs", "validate", "*.yaml"))):
        stem, r = study(a, cfg)
        if r.get("classes"):
            upset_studies.append((stem, r))
            continue
        results.append((stem, r))
        if r["prediction"] == "data-level model" and r["data_bits"] == 8:
            software[stem] = software_reference(a, stem, r)
    reports = {net: sensitivity(a, net) for net in SENSITIVITY_NETWORKS}
    write_markdown(a, results, software, reports, upset_studies)


def write_markdown(a, results, software, reports, upset_studies):
    L = []
    w = L.append
    rel = os.path.relpath(a.cache, os.path.dirname(a.out))
    w("# Validation: the model against RTL fault campaigns")
    w("")
    w("Generated by `/usr/bin/python3 scripts/validation_findings.py --flipsim <build>/cli/flipsim` from the studies")
    w(f"in `configs/validate/`; every number comes from the `flipsim validate --json` results in `{rel}/` (delete a")
    w("study's JSON to run it again). How a study runs, and what is and is not predicted: see the end of this page.")
    w("")
    w("## Summary")
    w("")
    w("Each study sweeps the per-bit error rate of one SRAM buffer of the 8×8 accelerator (every stored bit flips")
    w("with that rate once the buffers of each pass are loaded) on 1,000 held-out test images (5,000–5,999: no model")
    w("constant was chosen on them). *Measured*: top-1 accuracy over the study's RTL injections (every image the")
    w("same number of times), with its 95% Wilson interval. *Predicted*: the data-level model on the same 1,000")
    w("images. *worst* is the largest |predicted − measured| in points; *within 1 pt* counts the points whose")
    w("interval is narrower than ±1 point where the prediction is within 1 point; *inside* counts the points whose")
    w("interval holds the prediction. *Cross-check*: injections of each study re-run on the full RTL and compared")
    w("row by row with the engine that measured them.")
    w("")
    w("| study | network | width | buffer | prediction | fault-free | injections per point | worst (pts) | "
      "within 1 pt | inside | model s | campaign s | model/campaign | cross-check differ |")
    w("| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for stem, r in results:
        w(summary_row(stem, r, rel))
    w("")
    all_pts = [p for _, r in results if r["prediction"] == "data-level model" for p in scored(r)]
    nar = [p for p in all_pts if narrow(p)]
    inside = sum(p["ci_low"] <= p["predicted"] <= p["ci_high"] for p in all_pts)
    within = sum(abs(p["error"]) <= 0.01 for p in nar)
    ratios = [x for x in (campaign_ratio(r) for _, r in results if r["prediction"] == "data-level model")
              if x is not None]
    w("**Against the targets** (the studies the data-level model predicts: its weight, input-activation and bias")
    w("terms for `wbuf`, `abuf` and `bbuf`).")
    w("")
    w(f"* Within 1 point where the interval is narrower than ±1 point: **{within} of {len(nar)} points**.")
    w(f"* Inside the measured 95% interval: **{inside} of {len(all_pts)} points** "
      f"({100 * inside / max(1, len(all_pts)):.0f}%; the target is 90%).")
    if ratios:
        w(f"* model seconds / campaign seconds: {min(ratios):.3f} to {max(ratios):.3f} (the target is ≤ 0.001).")
    else:
        w("* model seconds / campaign seconds: no study's campaigns ran in full in these results (resumed).")
    # The top-1-change rate (the campaign's critical SDC): a second, sharper test of the same prediction.
    busy = [p for p in all_pts if p["critical"] * p["trials"] >= 30]
    c_inside = sum(p["critical_ci_low"] <= p["predicted_critical"] <= p["critical_ci_high"] for p in all_pts)
    ratios_c = sorted(p["predicted_critical"] / p["critical"] for p in busy)
    w(f"* Not a target, but the sharper test: the top-1-change rate (critical SDC) predicted inside its measured")
    w(f"  interval at {c_inside} of {len(all_pts)} points; where at least 30 top-1 changes were measured "
      f"({len(busy)} points),")
    w(f"  predicted / measured from {ratios_c[0]:.2f} to {ratios_c[-1]:.2f} (median "
      f"{ratios_c[len(ratios_c) // 2]:.2f}).")
    w("")
    w("PLACEHOLDER_TARGETS")
    w("")
    w("## The RTL against the data-level view")
    w("")
    w("The same per-bit rate in flipsim's data-level software fault simulation (`flipsim sweep --method software`:")
    w("each stored weight or layer-input bit flips once per inference; same 1,000 images, "
      f"{SOFTWARE_INJECTIONS} injections per image)")
    w("beside the RTL measurement, at each int8 study's two highest rates. *Flips* are expected flips per")
    w("inference: in the RTL, of the words each pass loads (a value loaded by several passes can flip in each);")
    w("in software, of the stored values.")
    w("")
    w("| study | ber | RTL flips | RTL accuracy [95% CI] | software flips | software accuracy [95% CI] | model |")
    w("| --- | ---: | ---: | --- | ---: | --- | ---: |")
    for stem, r in results:
        if stem not in software:
            continue
        for p in r["points"][-2:]:
            q = next(q for q in software[stem]["points"] if abs(q["ber"] - p["x"]) <= 1e-9 * p["x"])
            w(f"| {stem} | {p['x']:.2e} | {p['expected_flips']:.3g} | {p['measured']:.4f} [{p['ci_low']:.4f}, "
              f"{p['ci_high']:.4f}] | {q['expected_flips']:.3g} | {q['accuracy']:.4f} [{q['ci_low']:.4f}, "
              f"{q['ci_high']:.4f}] | {p['predicted']:.4f} |")
    w("")
    w("PLACEHOLDER_RTL_VS_DATA")
    w("")
    w("## Flip-flop classes and single SRAM upsets")
    w("")
    w("One bit flips at a uniformly random busy cycle of one inference, in a site of one class (the class drawn")
    w("first, so every class gets the same share), on the held-out images in turn (`configs/campaigns/")
    w("sensitivity_<network>.yaml`, hybrid engine). *SDC*: some logit differs; *critical*: the top-1 class")
    w("changed; a hang (the watchdog fired) counts as neither. *critical × bits*: the class's share of critical")
    w("SDCs when every bit of the array is equally likely to be upset (the expected critical SDCs per inference, in")
    w("units of the per-bit upset probability); sorted by it.")
    w("")
    bits = class_bits(a)
    for net, report in reports.items():
        class_table(w, net, report, rel, bits)
    w("PLACEHOLDER_CLASSES")
    w("")
    w("## Registers and buffers: the register model against the RTL")
    w("")
    w("Single-bit upsets of every flip-flop class and buffer (`configs/validate/<network>_registers.yaml`), and bits")
    w("stuck at 1 for 100 cycles in every flip-flop class with data registers (`configs/validate/<network>_stuck.yaml`),")
    w("10,000 per class at uniformly random busy cycles on the held-out images in turn, one point per class of a")
    w("`flipsim validate` study: *measured* by a campaign per class (the hybrid engine, 2 per")
    w("class cross-checked on the full RTL), *predicted* by the register model on the same images (40 upsets per")
    w("image and class, drawn from the same sites). Both are P(SDC) and P(critical SDC) over the upsets the model")
    w("carries; *not carried* is the share it does not (registers that steer the controller: its counters and")
    w("state, valid bits, the PPU's address, the host port; a buffer word upset in the cycle it is written; a")
    w("stuck-at that ends in a later pass than it starts), and")
    w("the last column the campaign's SDC rate over every upset of the class. *inside*: the prediction lies in the")
    w("measured 95 % interval. *z*: the two-sample statistic of the prediction's samples against the campaign's")
    w("(both are samples of the same distribution if the model is exact: |z| above 2 in about one comparison of")
    w("twenty by chance).")
    w("")
    scores = [register_table(w, stem, r, rel) for stem, r in upset_studies]
    w(f"Predictions inside the measured interval: **{sum(s[0] for s in scores)} of {sum(s[1] for s in scores)}**; "
      f"largest two-sample |z| (prediction's Monte Carlo against the campaign, pooled): "
      f"**{max(s[2] for s in scores):.1f}**.")
    w("")
    w("PLACEHOLDER_REGISTERS")
    w("")
    w("## Per study")
    w("")
    for stem, r in results:
        net = os.path.splitext(os.path.basename(r["network"]))[0]
        w(f"### {stem}: {net}, int{r['data_bits']}, {r['buffer']}")
        w("")
        w(f"![{stem}]({rel}/{stem}.png)")
        w("")
        w(f"Fault-free accuracy {r['golden_accuracy']:.3f} on images {r['first_image']}–"
          f"{r['first_image'] + r['images'] - 1}; prediction: {r['prediction']}.")
        w("")
        w("| ber | expected flips per inference | injections | accuracy [95% CI] | predicted | error (pts) | "
          "top-1 changed [95% CI] | predicted | cross-check |")
        w("| ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: |")
        for p in r["points"]:
            pred = "–" if p.get("predicted") is None else f"{p['predicted']:.4f}"
            err = "–" if p.get("error") is None else f"{100 * p['error']:+.2f}"
            pc = "–" if p.get("predicted_critical") is None else f"{p['predicted_critical']:.4f}"
            w(f"| {p['x']:.2e} | {p['expected_flips']:.3g} | {p['trials']:,} | {p['measured']:.4f} "
              f"[{p['ci_low']:.4f}, {p['ci_high']:.4f}] | {pred} | {err} | {p['critical']:.4f} "
              f"[{p['critical_ci_low']:.4f}, {p['critical_ci_high']:.4f}] | {pc} | "
              f"{len(p['crosscheck_mismatches'])} of {p['crosscheck_injections']} differ |")
        w("")
        w("| layer | passes | values | loaded bits | loads per value |")
        w("| --- | ---: | ---: | ---: | ---: |")
        for l in r["residency"]:
            w(f"| {l['layer']} | {l['passes']} | {l['values']:,} | {l['loaded_bits']:,} | {l['loads_per_value']:.3f} |")
        w("")
    w("PLACEHOLDER_HOW")
    text = fill_placeholders("\n".join(L) + "\n", os.path.join(REPO, "docs", "validation_notes.md"))
    with open(a.out, "w") as f:
        f.write(text)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
