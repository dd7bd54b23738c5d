"""Replays groksweep runs in the PyTorch reference, one per trainer option family, and checks the
largest relative difference of train and test loss (and of the LLC where a case measures it, its
SGLD chains drawing the same noise from the same seed) over all evaluated steps against the
case's tolerance (TOLERANCE, or its entry in LOOSER with the reason). Prints one JSON line per
case and the worst; exits 1 when a case is off.

Each case trains in float64 (p = 23, fraction 0.5, a narrow model, 200 steps, eval every 10, one thread) from
parameters and a split exported by groksweep, replays them with grokking_reference.py and the
same options, and compares the two traces. groksweep's side comes either from
`bin/groksweep train --export-init` (the default; needs a built checkout, `mvn -B -DskipTests
package`), or, with --ours DIR, from traces already written there: the test suite
(ReferenceReplayTest) trains every case of `--list` in its own JVM, writes DIR/<case>/init.npz and
ours.txt, and calls this with --ours, which replays each case once its ours.txt appears. Needs torch (see grokking_reference.py).

  /usr/bin/python3 bench/reference/replay_check.py [--steps 200] [--out /tmp/replay] [--case NAME]
  /usr/bin/python3 bench/reference/replay_check.py --list
  /usr/bin/python3 bench/reference/replay_check.py --ours DIR
"""
import argparse
import contextlib
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time

import grokking_reference

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# name: trainer options (snake_case, as in a sweep spec); the reference takes the same as --kebab-case flags.
CASES = {
    "adamw (default)": {},
    "adam, weight decay 0.01": {"optimizer": "adam", "weight_decay": 0.01},
    "sgd, momentum 0.9": {"optimizer": "sgd", "lr": 0.1, "weight_decay": 0.001},
    "muon": {"optimizer": "muon", "weight_decay": 0.1},
    "muon, 2 blocks, momentum 0.9": {"optimizer": "muon", "n_layers": 2, "muon_momentum": 0.9},
    "muon mlp, no nesterov, 3 Newton-Schulz steps": {"optimizer": "muon", "model": "mlp", "muon_nesterov": "false",
                                                     "muon_ns_steps": 3},
    "grokfast ema": {"grokfast": "ema", "grokfast_alpha": 0.9, "grokfast_lambda": 2.0},
    "grokfast ma": {"grokfast": "ma", "grokfast_window": 20, "grokfast_lambda": 5.0},
    "stablemax": {"loss": "stablemax"},
    "mse": {"loss": "mse"},
    "mini-batch 32": {"batch_size": 32},
    "label noise 0.3": {"label_noise": 0.3},
    "mini-batch 50, label noise 0.2, mlp, mse": {"batch_size": 50, "label_noise": 0.2, "model": "mlp", "loss": "mse"},
    "orthogonal_grad (⊥AdamW)": {"orthogonal_grad": "true", "weight_decay": 0.0},
    "init_scale + fixed_weight_norm": {"init_scale": 2.0, "fixed_weight_norm": 1.0, "weight_decay": 0.0},
    "attention rate 0.5": {"attn_coeff": 0.5},
    "operation sub": {"operation": "sub"},
    "operation div": {"operation": "div"},
    "operation x3_xy2_y": {"operation": "x3_xy2_y"},
    "transformer 2 blocks, gelu, sub": {"n_layers": 2, "activation": "gelu", "operation": "sub"},
    "transformer 3 blocks, mul": {"n_layers": 3, "operation": "mul"},
    "transformer 4 blocks, quadratic, x2_xy_y2": {"n_layers": 4, "activation": "quadratic", "operation": "x2_xy_y2"},
    "mlp concat relu, add": {"model": "mlp"},
    "mlp sum quadratic, div": {"model": "mlp", "mlp_input": "sum", "activation": "quadratic", "operation": "div"},
    "mlp concat gelu, x3_xy": {"model": "mlp", "activation": "gelu", "operation": "x3_xy"},
    "llc, 3 chains of 20 draws": {"llc_every": 50, "llc_chains": 3, "llc_draws": 20, "weight_decay": 0.3},
    "group S4, transformer": {"group": "S4"},
    "group D7, mlp": {"group": "D7", "model": "mlp"},
}
# A narrow model (the paper's is d_model 128, d_mlp 512): every case replays in about a second, and
# the width changes no code path on either side.
BASE = {"modulus": 23, "train_fraction": 0.5, "dtype": "float64", "eval_every": 10, "analysis_every": 0,
        "d_model": 32, "n_heads": 4, "d_head": 8, "d_mlp": 128}

# What a float64 replay agrees to: the two sides compute the same functions with different kernels
# (libtorch 2.7 through DJL, the local torch), so they part in the last bits and stay that close.
TOLERANCE = 1e-12
# name: (tolerance, why) for the cases that amplify last-bit differences more (measured: 1.1e-12 and 1.9e-9).
LOOSER = {
    "muon": (1e-11, "its train loss falls to 5e-6 by step 200, where a relative difference of 1e-12 is an absolute one"
                    " of 5e-18"),
    "transformer 4 blocks, quadratic, x2_xy_y2": (
        1e-8, "x² in four blocks: the narrow model starts at a loss of 2e5 (logits grow as the input to the 16th power),"
              " and its first 20 updates amplify last-bit differences 1e6-fold; at the paper's width it agrees to 1.2e-13"),
}


def flag(key):
    return "--" + key.replace("_", "-")


def options_of(options):
    """The trainer options of a case, as groksweep takes them (a group's order is its modulus)."""
    return {k: v for k, v in {**BASE, **options}.items() if not (k == "modulus" and "group" in options)}


def slug(name):
    return "".join(ch if ch.isalnum() else "-" for ch in name)


def ours(name, options, steps, out):
    """Trains the case with bin/groksweep; returns its directory (init.npz) and {step: (train, test[, llc])}."""
    run_dir = os.path.join(out, slug(name))
    shutil.rmtree(run_dir, ignore_errors=True)  # a fresh run, not one already committed there
    os.makedirs(run_dir)
    args = [os.path.join(ROOT, "bin", "groksweep"), "train", "--steps", str(steps), "--threads", "1", "--quiet",
            "--export-init", os.path.join(run_dir, "init.npz"), "--out", os.path.join(run_dir, "out")]
    for key, value in options_of(options).items():
        args += [flag(key), str(value)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    table = subprocess.run([os.path.join(ROOT, "bin", "groksweep"), "sql", os.path.join(run_dir, "out"), "--format",
                            "csv", "SELECT step, train_loss, test_loss, llc FROM metrics ORDER BY step"],
                           check=True, capture_output=True, text=True).stdout
    return run_dir, {int(r["step"]): (float(r["train_loss"]), float(r["test_loss"])) + ((float(r["llc"]),) if r["llc"] else ())
                     for r in csv.DictReader(io.StringIO(table))}


def written(run_dir, wait=600):
    """{step: (train, test[, llc])} from DIR/<case>/ours.txt, as the test suite writes it (waiting for it)."""
    path = os.path.join(run_dir, "ours.txt")
    deadline = time.time() + wait
    while not os.path.exists(path):
        if time.time() > deadline:
            raise SystemExit(f"{path}: not written within {wait} s")
        time.sleep(0.1)
    with open(path) as f:
        return {int(s): tuple(float(x) for x in rest) for s, *rest in (line.split() for line in f)}


def reference(run_dir, options, steps):
    """Replays the case in grokking_reference.py, in this process; {step: (train, test[, llc])}."""
    trace = os.path.join(run_dir, "ref.txt")
    args = ["--steps", str(steps), "--threads", "1", "--init", os.path.join(run_dir, "init.npz"), "--trace", trace]
    for key, value in {**BASE, **options}.items():
        if key == "analysis_every":
            continue  # groksweep's measures; the reference has none
        if key == "orthogonal_grad":
            args.append(flag(key))
        else:
            args += [{"modulus": "--p", "train_fraction": "--frac"}.get(key, flag(key)), str(value)]
    with contextlib.redirect_stdout(io.StringIO()):
        grokking_reference.main(args)
    with open(trace) as f:
        return {int(s): (float(tr), float(te)) + tuple(float(x) for x in rest[2:3])  # the LLC, where measured
                for s, tr, te, *rest in (line.split() for line in f)}


def compare(name, mine, ref, steps):
    """The case's JSON line: steps compared, the largest relative difference, within its tolerance or not."""
    tolerance = LOOSER.get(name, (TOLERANCE,))[0]
    if set(mine) != set(ref) or any(len(mine[step]) != len(ref[step]) for step in ref):
        return {"case": name, "ok": False, "error": "groksweep and the reference measured different steps or columns"}
    diff = max(abs(a - b) / abs(b) for step in ref for a, b in zip(mine[step], ref[step]))
    return {"case": name, "steps_compared": len(ref), "max_rel_diff": diff, "tolerance": tolerance,
            "final_train_loss": ref[steps][0], "ok": diff <= tolerance}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--out", default="/tmp/replay")
    ap.add_argument("--case", action="append", help="only the cases whose name contains this (repeatable)")
    ap.add_argument("--list", action="store_true", help="print the cases as JSON (name: groksweep's options) and exit")
    ap.add_argument("--ours", metavar="DIR", help="groksweep's side is already in DIR/<case>/{init.npz,ours.txt}")
    args = ap.parse_args()
    cases = {name: options for name, options in CASES.items() if not args.case or any(c in name for c in args.case)}
    if args.list:
        print(json.dumps({"steps": args.steps, "cases": {name: {"dir": slug(name), "options": options_of(options)}
                                                         for name, options in cases.items()}}, ensure_ascii=False))
        return
    worst, ok = 0.0, True
    for name, options in cases.items():
        if args.ours:
            run_dir = os.path.join(args.ours, slug(name))
            mine = written(run_dir)
        else:
            run_dir, mine = ours(name, options, args.steps, args.out)
        line = compare(name, mine, reference(run_dir, options, args.steps), args.steps)
        worst = max(worst, line.get("max_rel_diff", float("inf")))
        ok &= line["ok"]
        print(json.dumps(line, ensure_ascii=False), flush=True)
    print(json.dumps({"cases": len(cases), "worst_max_rel_diff": worst, "ok": ok}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
