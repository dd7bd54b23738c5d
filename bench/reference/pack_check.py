"""Checks the reference's packed mode against itself unpacked: R runs trained as one batched model
(--pack R, seeds s .. s+R-1) must give each run the losses it has alone (--pack 1 --seed s+r), in
float64, to a relative 1e-9 at every evaluated step, and the same accuracies. Prints one JSON line
per case and the worst difference; exits 1 when a case is off.

  /usr/bin/python3 bench/reference/pack_check.py [--device cpu] [--steps 40] [--pack 2]
"""
import argparse
import contextlib
import io
import json
import os
import sys
import tempfile

import grokking_reference

TOLERANCE = 1e-9

# name: reference flags beyond the base; each exercises what packing must keep per run.
CASES = {
    "adamw (default)": [],
    "mlp, sgd": ["--model", "mlp", "--optimizer", "sgd", "--lr", "0.1", "--weight-decay", "0.001"],
    "grokfast ema, stablemax": ["--grokfast", "ema", "--grokfast-alpha", "0.9", "--loss", "stablemax"],
    "mse": ["--loss", "mse"],
    "muon": ["--optimizer", "muon", "--weight-decay", "0.1"],
    "mini-batch 32 (per run)": ["--batch-size", "32"],
    "label noise 0.3 (per run)": ["--label-noise", "0.3"],
    "orthogonal grad (per run)": ["--orthogonal-grad", "--weight-decay", "0"],
    "fixed weight norm (per run)": ["--init-scale", "2", "--fixed-weight-norm", "1", "--weight-decay", "0"],
}


def trace(flags, out):
    """{(run, step): (train_loss, test_loss, train_acc, test_acc)} from the reference's --trace."""
    with contextlib.redirect_stdout(io.StringIO()):  # in this process: torch is imported once for every case
        grokking_reference.main([*flags, "--trace", out])
    rows = {}
    with open(out) as f:
        for line in f:
            values = line.split()
            if "--pack" not in flags:
                values = ["0"] + values
            rows[(int(values[0]), int(values[1]))] = tuple(float(v) for v in values[2:])
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--pack", type=int, default=2)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--d-model", type=int, default=32, help="the width (4 heads, d_mlp 4x): 128 is the paper's")
    args = ap.parse_args()
    base = ["--p", "23", "--frac", "0.5", "--dtype", "float64", "--eval-every", "10", "--threads", "1",
            "--steps", str(args.steps), "--device", args.device, "--d-model", str(args.d_model),
            "--d-head", str(args.d_model // 4), "--d-mlp", str(4 * args.d_model)]
    worst, ok = 0.0, True
    with tempfile.TemporaryDirectory() as tmp:
        for name, flags in CASES.items():
            packed = trace(base + flags + ["--pack", str(args.pack), "--seed", str(args.seed)], os.path.join(tmp, "packed"))
            diff, acc_equal = 0.0, True
            for r in range(args.pack):
                alone = trace(base + flags + ["--seed", str(args.seed + r)], os.path.join(tmp, "alone"))
                for (_, step), (train, test, train_acc, test_acc) in alone.items():
                    p_train, p_test, p_train_acc, p_test_acc = packed[(r, step)]
                    diff = max(diff, abs(p_train - train) / abs(train), abs(p_test - test) / abs(test))
                    acc_equal &= (p_train_acc, p_test_acc) == (train_acc, test_acc)
            steps = len(packed) // args.pack
            case_ok = diff <= TOLERANCE and acc_equal and steps == args.steps // 10 + 1
            ok &= case_ok
            worst = max(worst, diff)
            print(json.dumps({"case": name, "runs": args.pack, "steps_compared": steps, "max_rel_diff": diff,
                              "accuracies_equal": acc_equal, "ok": case_ok}), flush=True)
    print(json.dumps({"worst_max_rel_diff": worst, "tolerance": TOLERANCE, "ok": ok}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
