"""What one GPU does with packs of grokking runs, measured with the reference alone (no groksweep
jar, no downloads): runs per hour at p = 113 (fraction 0.3, evaluation every 10 steps) for each
pack size, peak GPU memory, the float64 replay of one run on the GPU against the CPU, and the
packed-versus-alone check on the GPU. Run through bench/gpu-check.sh; prints a table and one JSON
line per measurement.

Runs per hour are for runs of --run-steps steps (20,000, as docs/PERFORMANCE.md's plan), from the
measured time per step plus a tenth of an evaluation; groksweep's progress measures (every 100
steps) are not part of the reference, so they are not counted.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "grokking_reference.py")
NANDA = ["--p", "113", "--frac", "0.3", "--eval-every", "10"]


def reference(*flags, timeout=600):
    """The reference's final JSON line, or {"error": ...} when it fails (out of memory, say)."""
    try:
        done = subprocess.run([sys.executable, REFERENCE, *flags], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit %d" % done.returncode])[-1]
        return {"error": "out of memory" if "out of memory" in done.stderr else last[:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def losses(path):
    with open(path) as f:
        return {int(v[0]): (float(v[1]), float(v[2])) for v in (line.split() for line in f)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--packs", default="1,8,32,128,512")
    ap.add_argument("--steps", type=int, default=200, help="steps timed per pack size")
    ap.add_argument("--run-steps", type=int, default=20000, help="the run length runs per hour are for")
    ap.add_argument("--replay-steps", type=int, default=200)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--out", default="/tmp/groksweep-gpu-check")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    import torch  # only to name the machine; every measurement runs in a process of its own

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    print(json.dumps({"torch": torch.__version__, "cuda": torch.version.cuda, "gpu": gpu,
                      "cpu_threads": torch.get_num_threads()}), flush=True)

    print("\n%-6s %10s %10s %12s %14s" % ("pack", "ms/step", "ms/eval", "peak GiB", "runs/hour"), flush=True)
    for pack in [int(r) for r in args.packs.split(",")]:
        r = reference(*NANDA, "--steps", str(args.steps), "--pack", str(pack), "--device", args.device,
                      "--dtype", "float32", "--time-from", "20")
        if "error" in r:
            print("%-6d %s" % (pack, r["error"]), flush=True)
            print(json.dumps({"measure": "pack", "pack": pack, **r}), flush=True)
            continue
        seconds_per_run = args.run_steps * (r["ms_per_step"] + r["ms_per_eval"] / 10) / 1000 / pack
        peak = (r["peak_gpu_mib"] or 0) / 1024
        print("%-6d %10.2f %10.2f %12.2f %14.0f" % (pack, r["ms_per_step"], r["ms_per_eval"], peak,
                                                    3600 / seconds_per_run), flush=True)
        print(json.dumps({"measure": "pack", "pack": pack, "ms_per_step": r["ms_per_step"],
                          "ms_per_eval": r["ms_per_eval"], "peak_gpu_gib": peak, "run_steps": args.run_steps,
                          "runs_per_hour": 3600 / seconds_per_run}), flush=True)

    # One run in float64 on the GPU and on the CPU, from the same init and split.
    traces = {}
    for device in (args.device, "cpu"):
        traces[device] = os.path.join(args.out, f"replay-{device.replace(':', '')}.txt")
        t0 = time.time()
        r = reference(*NANDA, "--steps", str(args.replay_steps), "--dtype", "float64", "--device", device,
                      "--threads", str(torch.get_num_threads()), "--trace", traces[device])
        print(json.dumps({"measure": "replay_run", "device": device, "seconds": round(time.time() - t0, 1),
                          **{k: r.get(k) for k in ("ms_per_step", "final_train_loss", "final_test_loss", "error")}}),
              flush=True)
    gpu_trace, cpu_trace = losses(traces[args.device]), losses(traces["cpu"])
    diff = max(abs(a - b) / abs(b) for step in cpu_trace for a, b in zip(gpu_trace[step], cpu_trace[step]))
    print(json.dumps({"measure": "float64_replay_gpu_vs_cpu", "steps": args.replay_steps,
                      "steps_compared": len(cpu_trace), "max_rel_diff": diff}), flush=True)

    check = subprocess.run([sys.executable, os.path.join(HERE, "pack_check.py"), "--device", args.device],
                           capture_output=True, text=True)
    print(check.stdout.strip().splitlines()[-1] if check.stdout.strip() else check.stderr[-300:], flush=True)


if __name__ == "__main__":
    main()
