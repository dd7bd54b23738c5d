"""Replays groksweep runs in the PyTorch reference, one per trainer option family, and prints the
largest relative difference of train and test loss (and of the LLC where a case measures it, its
SGLD chains drawing the same noise from the same seed) over all evaluated steps.

Each case trains with `bin/groksweep train --export-init` (float64, p = 23, fraction 0.5, 200
steps, eval every 10, one thread), replays the exported parameters and split with
grokking_reference.py and the same options, and compares the two traces. Needs a built
checkout (`mvn -B -DskipTests package`) and torch (see grokking_reference.py).

  /usr/bin/python3 bench/reference/replay_check.py [--steps 200] [--out /tmp/replay]
"""
import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys

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
BASE = {"modulus": 23, "train_fraction": 0.5, "dtype": "float64", "eval_every": 10, "analysis_every": 0}


def flag(key):
    return "--" + key.replace("_", "-")


def ours(name, options, steps, out):
    run_dir = os.path.join(out, "".join(ch if ch.isalnum() else "-" for ch in name))
    shutil.rmtree(run_dir, ignore_errors=True)  # a fresh run, not one already committed there
    os.makedirs(run_dir)
    args = [os.path.join(ROOT, "bin", "groksweep"), "train", "--steps", str(steps), "--threads", "1", "--quiet",
            "--export-init", os.path.join(run_dir, "init.npz"), "--out", os.path.join(run_dir, "out")]
    for key, value in {**BASE, **options}.items():
        if not (key == "modulus" and "group" in options):  # a group's order is its modulus
            args += [flag(key), str(value)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    table = subprocess.run([os.path.join(ROOT, "bin", "groksweep"), "sql", os.path.join(run_dir, "out"), "--format",
                            "csv", "SELECT step, train_loss, test_loss, llc FROM metrics ORDER BY step"],
                           check=True, capture_output=True, text=True).stdout
    rows = {int(r["step"]): (float(r["train_loss"]), float(r["test_loss"])) + ((float(r["llc"]),) if r["llc"] else ())
            for r in csv.DictReader(io.StringIO(table))}
    return run_dir, rows


def reference(run_dir, options, steps):
    trace = os.path.join(run_dir, "ref.txt")
    args = [sys.executable, os.path.join(HERE, "grokking_reference.py"), "--p", "23", "--frac", "0.5", "--steps",
            str(steps), "--threads", "1", "--dtype", "float64", "--eval-every", "10",
            "--init", os.path.join(run_dir, "init.npz"), "--trace", trace]
    for key, value in options.items():
        if key == "orthogonal_grad":
            args.append(flag(key))
        else:
            args += [flag({"modulus": "p"}.get(key, key)), str(value)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    with open(trace) as f:
        return {int(s): (float(tr), float(te)) + tuple(float(x) for x in rest[2:3])  # the LLC, where measured
                for s, tr, te, *rest in (line.split() for line in f)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--out", default="/tmp/replay")
    ap.add_argument("--case", action="append", help="only the cases whose name contains this (repeatable)")
    args = ap.parse_args()
    worst = 0.0
    for name, options in CASES.items():
        if args.case and not any(c in name for c in args.case):
            continue
        run_dir, mine = ours(name, options, args.steps, args.out)
        ref = reference(run_dir, options, args.steps)
        if any(len(mine[step]) != len(ref[step]) for step in ref):
            raise SystemExit(f"{name}: groksweep and the reference measured different columns")
        diff = max(abs(a - b) / abs(b) for step in ref for a, b in zip(mine[step], ref[step]))
        worst = max(worst, diff)
        print(json.dumps({"case": name, "steps_compared": len(ref), "max_rel_diff": diff,
                          "final_train_loss": ref[args.steps][0]}, ensure_ascii=False))
    print(json.dumps({"worst_max_rel_diff": worst}))


if __name__ == "__main__":
    main()
