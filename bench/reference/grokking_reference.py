"""groksweep's own plain-PyTorch reference for its model and training.

A transformer (Nanda et al. 2023, "Progress measures for grokking"; one block or more, any
attention rate of Zhong et al. 2023) or an MLP (Liu et al. 2022, Gromov 2023) learns a o b mod p
from the input [a, b, =] ([a, b] for the MLP), trained full-batch or on mini-batches reshuffled every
epoch, on clean labels or with a share of the train labels corrupted (Doshi et al. 2024), with
AdamW (or Adam, SGD, Muon), optionally
with Grokfast filters (Lee et al. 2024), StableMax or a float32 loss and ⊥Grad (Prieto et al.
2025), and Omnigrok's init scale and constrained weight norm (Liu et al. 2023). This script is used
to replay runs exported with `groksweep train --export-init FILE.npz` (same parameters and
split) and by `bin/groksweep bench --compare`, which reads "ms_per_step" from the JSON line
printed at the end.

A replay takes the split, the corrupted train labels (`train_labels`) and each epoch's order of
the train pairs (`batch_order`) from the exported file; without one, the reference draws its own.

`--pack R` trains R runs (seeds seed .. seed+R-1, each its own init and split) as one batched
model, as groksweep packs runs of one shape: every parameter gains a leading run axis, the
forward pass is vmapped over it, and the loss is the sum of the runs' losses, so each run gets
exactly its own gradient and AdamW's element-wise update. `--device cuda` trains on a GPU
(bench/gpu-check.sh).

Needs torch (1.13 or newer): `apt-get install python3-torch` or `pip install torch`.

Example:
  /usr/bin/python3 bench/reference/grokking_reference.py --p 113 --frac 0.3 --steps 300 \
      --threads 1 --init /tmp/replay/init.npz --trace /tmp/replay/ref.txt
"""
import argparse
import itertools
import json
import math
import time

import numpy as np
import torch

try:
    from torch.func import vmap  # torch 2
except ImportError:
    from functorch import vmap  # torch 1.13


BLOCK = ("W_Q", "W_K", "W_V", "W_O", "W_in", "b_in", "W_out", "b_out")


def shapes(p, D, H, K, M, layers=1, model="transformer", mlp_input="concat"):
    """Parameter shapes by name, in groksweep's order. Block l >= 1 of the transformer has suffix .l."""
    if model == "mlp":
        return {"W_E": (D, p), "W_in": (M, 2 * D if mlp_input == "concat" else D), "b_in": (M,), "W_U": (M, p)}
    V, P = p + 1, 3
    block = {"W_Q": (H, K, D), "W_K": (H, K, D), "W_V": (H, K, D), "W_O": (D, H * K), "W_in": (M, D), "b_in": (M,),
             "W_out": (D, M), "b_out": (D,)}
    out = {"W_E": (D, V), "W_pos": (P, D)}
    for l in range(layers):
        out.update({name if l == 0 else f"{name}.{l}": block[name] for name in BLOCK})
    out["W_U"] = (D, V)
    return out


def init_params(p, D, H, K, M, seed, dtype, **model):
    torch.manual_seed(seed)
    params = {}
    for name, shape in shapes(p, D, H, K, M, **model).items():
        if name.startswith("b_"):
            params[name] = torch.zeros(shape, dtype=dtype)
        else:
            params[name] = torch.randn(shape, dtype=dtype) / math.sqrt(shape[-1] if name == "W_U" else D)
    return params


ACTIVATIONS = {"relu": torch.relu, "gelu": torch.nn.functional.gelu, "quadratic": lambda x: x * x}


def forward(W, tokens, attn_coeff=1.0, activation="relu"):
    """Textbook transformer forward over all positions and blocks; tokens [B, P] -> logits [B, P, V].

    attn_coeff: Zhong et al.'s attention rate, attention = a softmax + (1 - a) on visible positions."""
    P = tokens.shape[1]
    act = ACTIVATIONS[activation]
    resid = W["W_E"].T[tokens] + W["W_pos"]  # [B, P, D]
    future = torch.triu(torch.ones(P, P, dtype=torch.bool, device=tokens.device), diagonal=1)  # key > query position
    layers = sum(1 for name in W if name.startswith("W_Q"))
    for l in range(layers):
        B = {name: W[name if l == 0 else f"{name}.{l}"] for name in BLOCK}
        K = B["W_Q"].shape[1]
        q = torch.einsum("hkd,bpd->bhpk", B["W_Q"], resid)  # [B, H, P, K]
        k = torch.einsum("hkd,bpd->bhpk", B["W_K"], resid)  # [B, H, P, K]
        v = torch.einsum("hkd,bpd->bhpk", B["W_V"], resid)  # [B, H, P, K]
        scores = q @ k.transpose(-1, -2) / math.sqrt(K)  # [B, H, Pq, Pk]
        scores = scores - 1e10 * future.to(scores.dtype)
        attn = scores.softmax(dim=-1)  # [B, H, Pq, Pk]
        if attn_coeff != 1.0:
            attn = attn_coeff * attn + (1 - attn_coeff) * (~future).to(attn.dtype)
        z = (attn @ v).transpose(1, 2).reshape(tokens.shape[0], P, -1)  # [B, P, H*K], head-major
        resid = resid + z @ B["W_O"].T  # [B, P, D]
        hidden = act(resid @ B["W_in"].T + B["b_in"])  # [B, P, M]
        resid = resid + hidden @ B["W_out"].T + B["b_out"]  # [B, P, D]
    return resid @ W["W_U"]  # [B, P, V]


def forward_mlp(W, tokens, activation="relu"):
    """The MLP: embed a and b, concatenate (W_in reads 2D) or add (D), one hidden layer; -> [B, 1, V]."""
    ea, eb = W["W_E"].T[tokens[:, 0]], W["W_E"].T[tokens[:, 1]]  # [B, D]
    x = torch.cat([ea, eb], dim=1) if W["W_in"].shape[1] == 2 * ea.shape[1] else ea + eb  # [B, I]
    hidden = ACTIVATIONS[activation](x @ W["W_in"].T + W["b_in"])  # [B, M]
    return (hidden @ W["W_U"])[:, None, :]  # [B, 1, V]


def labels_of(operation, a, b, p):
    """a o b mod p for int64 tensors a, b (div: b != 0, p prime)."""
    inverse = torch.tensor([pow(x, p - 2, p) if x else 0 for x in range(p)])
    return {
        "add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a * inverse[b],
        "x2_plus_y2": lambda: a * a + b * b, "x2_xy_y2": lambda: a * a + a * b + b * b,
        "x2_xy_y2_x": lambda: a * a + a * b + b * b + a, "x3_xy": lambda: a ** 3 + a * b,
        "x3_xy2_y": lambda: a ** 3 + a * b * b + b,
    }[operation]() % p


def group_table(name):
    """groksweep's composition table of group `name`, element for element (core's FiniteGroup):
    C<n> x + y mod n; D<n> r^k = k, s·r^k = n + k; S<n>, A<n> permutations in lexicographic order,
    (x·y)(i) = x(y(i))."""
    kind, n = name[0], int(name[1:])
    if kind == "C":
        return [[(x + y) % n for y in range(n)] for x in range(n)]
    if kind == "D":
        def dihedral(x, y):
            a, b, sx, sy = x % n, y % n, x >= n, y >= n
            return (n if sx != sy else 0) + ((b - a) % n if sy else (a + b) % n)
        return [[dihedral(x, y) for y in range(2 * n)] for x in range(2 * n)]
    perms = list(itertools.permutations(range(n)))  # lexicographic
    if kind == "A":
        perms = [q for q in perms if sum(q[i] > q[j] for i in range(n) for j in range(i + 1, n)) % 2 == 0]
    index = {q: i for i, q in enumerate(perms)}
    return [[index[tuple(x[y[i]] for i in range(n))] for y in perms] for x in perms]


def loss_fn(logits, labels, loss="softmax", loss_dtype=torch.float64):
    x = logits[:, -1, :].to(loss_dtype)  # [B, V]
    if loss == "mse":  # Doshi et al.'s F.mse_loss against one-hot targets, mean over examples and outputs
        target = torch.zeros_like(x).scatter(1, labels[:, None], 1.0)  # one-hot, in a form vmap batches
        return ((x - target) ** 2).mean()
    if loss == "stablemax":  # Prieto et al.: s(x) = x + 1 for x >= 0, 1 / (1 - x) below
        s = torch.where(x < 0, 1 / (1 - x + 1e-30), x + 1)
        logp = torch.log(s / s.sum(dim=-1, keepdim=True))
    else:
        logp = x.log_softmax(dim=-1)
    return -logp.gather(1, labels[:, None]).mean()


def evaluate(model, W, tokens, labels, **loss):
    with torch.no_grad():
        logits = model(W, tokens)
        acc = (logits[:, -1, :].argmax(dim=-1) == labels).double().mean().item()
        return loss_fn(logits, labels, **loss).item(), acc


def grokfast_ema(params, ema, alpha, lamb):
    """Lee et al.'s gradfilter_ema: e starts as the first gradient, e <- alpha e + (1 - alpha) g; g <- g + lamb e."""
    for i, w in enumerate(params):
        ema[i] = w.grad.detach().clone() if ema[i] is None else ema[i] * alpha + w.grad.detach() * (1 - alpha)
        w.grad = w.grad + ema[i] * lamb


def grokfast_ma(params, queues, window, lamb):
    """Lee et al.'s gradfilter_ma (warmup=True): g <- g + lamb mean(last `window` raw gradients) once full."""
    for i, w in enumerate(params):
        queues[i] = (queues[i] + [w.grad.detach().clone()])[-window:]
        if len(queues[i]) == window:
            w.grad = w.grad + sum(queues[i]) / window * lamb


def orthogonal(params):
    """Prieto et al.'s ⊥Grad: per tensor, drop the gradient's component along the weights, keep its norm."""
    for w in params:
        wf, g = w.detach().view(-1), w.grad.view(-1)
        g_orth = g - torch.dot(wf, g) / (torch.dot(wf, wf) + 1e-30) * wf
        w.grad = (g_orth * (g.norm(2) / (g_orth.norm(2) + 1e-30))).view_as(w.grad)


def total_norm(params):
    return torch.sqrt(sum((w.detach() ** 2).sum() for w in params))


def orthogonal_packed(params):
    """⊥Grad for packed tensors [R, ...]: each run's tensor on its own."""
    for w in params:
        wf, g = w.detach().flatten(1), w.grad.flatten(1)  # [R, n]
        along = (wf * g).sum(1, keepdim=True) / ((wf * wf).sum(1, keepdim=True) + 1e-30)  # [R, 1]
        g_orth = g - along * wf
        w.grad = (g_orth * (g.norm(dim=1, keepdim=True) / (g_orth.norm(dim=1, keepdim=True) + 1e-30))).view_as(w.grad)


def total_norm_packed(params):
    """Each run's total parameter norm: [R]."""
    return torch.sqrt(sum((w.detach() ** 2).flatten(1).sum(1) for w in params))


def per_run(x, w):
    """x [R] shaped to broadcast over a packed tensor w [R, ...]."""
    return x.view(-1, *[1] * (w.dim() - 1))


HIDDEN = ("W_Q", "W_K", "W_V", "W_O", "W_in", "W_out")  # the weight matrices Muon updates, in any block


def newton_schulz(G, steps):
    """Jordan et al.'s zeropower_via_newtonschulz5 in G's dtype: toward U V^T of each matrix of G [..., rows, cols]."""
    a, b, c = 3.4445, -4.7750, 2.0315
    X = G.mT if G.size(-2) > G.size(-1) else G
    X = X / (X.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        A = X @ X.mT
        X = a * X + (b * A + c * A @ A) @ X
    return X.mT if G.size(-2) > G.size(-1) else X


class Muon:
    """Muon on the hidden matrices, as muon.py's SingleDeviceMuonWithAuxAdam updates its use_muon group;
    attention's [H, K, D] weights are one [H*K, D] matrix. `lead` is 1, or 2 for a packed [R, ...] model."""

    def __init__(self, params, lr, momentum, nesterov, steps, weight_decay, lead):
        self.params, self.buffers = params, [torch.zeros_like(w) for w in params]
        self.lr, self.momentum, self.nesterov, self.steps, self.wd, self.lead = lr, momentum, nesterov, steps, weight_decay, lead

    def zero_grad(self):
        for w in self.params:
            w.grad = None

    @torch.no_grad()
    def step(self, factor):
        lr = self.lr * factor
        for w, buf in zip(self.params, self.buffers):
            g = w.grad
            buf.lerp_(g, 1 - self.momentum)
            u = g.lerp(buf, self.momentum) if self.nesterov else buf
            matrix = u.reshape(*u.shape[:self.lead - 1], -1, u.shape[-1])
            update = newton_schulz(matrix, self.steps) * max(1, matrix.size(-2) / matrix.size(-1)) ** 0.5
            w.mul_(1 - lr * self.wd)
            w.sub_(lr * update.reshape(w.shape))


MASK = (1 << 64) - 1


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & MASK
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & MASK
    return z ^ (z >> 31)


def mix_gamma(z):
    z = ((z ^ (z >> 33)) * 0xff51afd7ed558ccd) & MASK
    z = ((z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53) & MASK
    z = (z ^ (z >> 33)) | 1
    return z ^ 0xaaaaaaaaaaaaaaaa if bin(z ^ (z >> 1)).count("1") < 24 else z


class SplitMix:
    """java.util.SplittableRandom (SplitMix64): the same seed gives groksweep's stream, split for split."""

    def __init__(self, seed, gamma=0x9e3779b97f4a7c15):
        self.seed, self.gamma = seed & MASK, gamma

    def next_seed(self):
        self.seed = (self.seed + self.gamma) & MASK
        return self.seed

    def next_long(self):  # as a signed Java long
        z = mix64(self.next_seed())
        return z - (1 << 64) if z >> 63 else z

    def split(self):
        return SplitMix(self.next_long(), mix_gamma(self.next_seed()))

    def doubles(self, n):  # the next n nextDouble()s, in [0, 1)
        with np.errstate(over="ignore"):
            z = np.uint64(self.seed) + np.uint64(self.gamma) * np.arange(1, n + 1, dtype=np.uint64)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xbf58476d1ce4e5b9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94d049bb133111eb)
            z = z ^ (z >> np.uint64(31))
        self.seed = (self.seed + n * self.gamma) & MASK
        return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53

    def gaussians(self, n):  # Box-Muller on pairs of doubles, as groksweep's Llc.gaussian
        d = self.doubles(2 * n)
        return np.sqrt(-2 * np.log(1 - d[0::2])) * np.cos(2 * np.pi * d[1::2])


def llc(loss, W, lr, localization, nbeta, chains, draws, seed):
    """The local learning coefficient at W (Lau et al. 2023), devinterp's SGLD estimate on the full
    train loss: chain k (noise from the k-th split of seed) starts at w*, records L(w) at each draw,
    then steps w <- w - (lr/2)(nbeta grad L + localization (w - w*)) + sqrt(lr) xi. Returns
    nbeta (mean of the draws' L - L(w*)), averaged over chains, and its std over them."""
    start = {n: w.detach() for n, w in W.items()}
    with torch.no_grad():
        initial = loss(start).item()
    root, per_chain = SplitMix(seed), []
    for _ in range(chains):
        rng = root.split()
        w = {n: x.clone().requires_grad_(True) for n, x in start.items()}
        total = 0.0
        for _ in range(draws):
            value = loss(w)
            total += value.item()
            grads = torch.autograd.grad(value, list(w.values()))
            with torch.no_grad():
                for (n, x), g in zip(w.items(), grads):
                    xi = torch.tensor(rng.gaussians(x.numel()), dtype=torch.float64).reshape(x.shape).to(x)
                    x.sub_((g * nbeta + (x - start[n]) * localization) * (lr / 2)).add_(xi * math.sqrt(lr))
        per_chain.append(nbeta * (total / draws - initial))
    mean = sum(per_chain) / chains
    return mean, math.sqrt(sum((v - mean) ** 2 for v in per_chain) / chains)


def llc_seed(seed, step):
    """groksweep's Llc.seed: the run's seed mixed with the stream "llc", plus the step."""
    return SplitMix(seed ^ 0x6c6c63).next_long() + step


def corrupt(y, noise, p, seed):
    """The first int(noise * N) train labels made wrong, uniform over the other p - 1 (Doshi et al. 2024)."""
    n = int(noise * len(y))
    shift = torch.randint(1, p, (n,), generator=torch.Generator().manual_seed(seed + 7919))
    return torch.cat([(y[:n] + shift) % p, y[n:]])


def split_of(pairs, frac, seed):
    """The data seed's permutation of the pairs: the first int(frac * n) train, the rest test."""
    perm = pairs[torch.randperm(len(pairs), generator=torch.Generator().manual_seed(seed))]
    n_train = int(frac * len(pairs))
    return perm[:n_train], perm[n_train:]


def main(argv=None):
    """Trains as the flags in argv (sys.argv's by default) say; replay_check.py calls it in one process per sweep of cases."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--p", type=int, default=113)
    ap.add_argument("--frac", type=float, default=0.3)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=1.0)
    ap.add_argument("--beta1", type=float, default=0.9)
    ap.add_argument("--beta2", type=float, default=0.98)
    ap.add_argument("--eps", type=float, default=1e-8)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--n-heads", type=int, default=4)
    ap.add_argument("--d-head", type=int, default=32)
    ap.add_argument("--d-mlp", type=int, default=512)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--operation", default="add", choices=["add", "sub", "mul", "div", "x2_plus_y2", "x2_xy_y2",
                                                            "x2_xy_y2_x", "x3_xy", "x3_xy2_y"])
    ap.add_argument("--group", default="none", help="learn x·y in C<n>, D<n>, S<n> or A<n> (then --p is |G|)")
    ap.add_argument("--attn-coeff", type=float, default=1.0, help="attention rate (Zhong et al. 2023)")
    ap.add_argument("--model", choices=["transformer", "mlp"], default="transformer")
    ap.add_argument("--n-layers", type=int, default=1, help="transformer blocks")
    ap.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    ap.add_argument("--mlp-input", choices=["concat", "sum"], default="concat")
    ap.add_argument("--optimizer", choices=["adamw", "adam", "sgd", "muon"], default="adamw")
    ap.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    ap.add_argument("--muon-lr", type=float, default=0.02)
    ap.add_argument("--muon-momentum", type=float, default=0.95)
    ap.add_argument("--muon-nesterov", choices=["true", "false"], default="true")
    ap.add_argument("--muon-ns-steps", type=int, default=5)
    ap.add_argument("--grokfast", choices=["none", "ema", "ma"], default="none")
    ap.add_argument("--grokfast-alpha", type=float, default=0.98)
    ap.add_argument("--grokfast-lambda", type=float, default=2.0)
    ap.add_argument("--grokfast-window", type=int, default=100)
    ap.add_argument("--loss", choices=["softmax", "stablemax", "mse"], default="softmax")
    ap.add_argument("--loss-dtype", choices=["float32", "float64"], default="float64")
    ap.add_argument("--orthogonal-grad", action="store_true")
    ap.add_argument("--init-scale", type=float, default=1.0, help="multiplies a fresh init (not --init)")
    ap.add_argument("--fixed-weight-norm", type=float, default=0.0,
                    help="after each update rescale all parameters to this x their initial total norm (0: off)")
    ap.add_argument("--flush-subnormals", choices=["true", "false"], default="false",
                    help="torch.set_flush_denormal: subnormal float results become 0")
    ap.add_argument("--batch-size", type=int, default=0, help="train pairs per step, reshuffled every epoch (0: all)")
    ap.add_argument("--label-noise", type=float, default=0.0, help="share of train pairs with a wrong label")
    ap.add_argument("--llc-every", type=int, default=0, help="the LLC at every N-th evaluated step and the last (0: off)")
    ap.add_argument("--llc-lr", type=float, default=5e-4, help="SGLD step size")
    ap.add_argument("--llc-localization", type=float, default=100.0)
    ap.add_argument("--llc-nbeta", type=float, default=0.0, help="inverse temperature n*beta (0: N / ln N)")
    ap.add_argument("--llc-chains", type=int, default=10)
    ap.add_argument("--llc-draws", type=int, default=100)
    ap.add_argument("--init", metavar="FILE.npz", help="parameters (and train_idx/test_idx) to start from")
    ap.add_argument("--trace", metavar="FILE", help="write 'step train_loss test_loss train_acc test_acc' per evaluated"
                    " step (then 'llc llc_std' with --llc-every); with --pack, each line starts with the run's index")
    ap.add_argument("--eval-every", type=int, default=0,
                    help="evaluate every N steps; 0: every step with --trace, else only the last")
    ap.add_argument("--pack", type=int, default=1, help="train this many runs (seeds seed, seed+1, ...) as one batched model")
    ap.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    ap.add_argument("--time-from", type=int, default=5, help="time steps from this one on (earlier ones warm up)")
    args = ap.parse_args(argv)
    if args.pack < 1:
        ap.error(f"--pack: {args.pack} is not allowed; expected 1 or more runs")
    if args.pack > 1 and args.init:
        ap.error("--pack: a replay (--init) is one run; expected --pack 1 with --init")
    if args.pack > 1 and args.llc_every:
        ap.error("--llc-every: measured for one run; expected --pack 1")

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(args.flush_subnormals == "true")
    device = torch.device(args.device)
    R = args.pack
    cuda = device.type == "cuda"
    dtype = getattr(torch, args.dtype)
    table = group_table(args.group) if args.group != "none" else None
    p = len(table) if table else args.p
    D, H, K, M = args.d_model, args.n_heads, args.d_head, args.d_mlp

    # Data: all p^2 pairs, index i = a*p + b, label a o b mod p (div leaves out b = 0).
    a, b = torch.arange(p).repeat_interleave(p), torch.arange(p).repeat(p)
    mlp = args.model == "mlp"
    tokens = torch.stack([a, b] if mlp else [a, b, torch.full_like(a, p)], dim=1)  # [p*p, P]; the MLP has no "="
    arch = {"layers": args.n_layers, "model": args.model, "mlp_input": args.mlp_input}
    if mlp:
        model = lambda W, x: forward_mlp(W, x, args.activation)
    else:
        model = lambda W, x: forward(W, x, args.attn_coeff, args.activation)
    labels = torch.tensor(table)[a, b] if table else labels_of(args.operation, a, b, p)  # [p*p]

    if args.init:
        f = np.load(args.init)
        W = {}
        for name, shape in shapes(p, D, H, K, M, **arch).items():
            if tuple(f[name].shape) != shape:
                raise SystemExit(f"--init: {name} has shape {tuple(f[name].shape)}, expected {shape}")
            W[name] = torch.tensor(f[name], dtype=dtype)
    elif R == 1:
        W = init_params(p, D, H, K, M, args.seed, dtype, **arch)
        W = {name: w * args.init_scale for name, w in W.items()}
    else:  # one init per run, stacked on a leading run axis: [R, ...]
        inits = [init_params(p, D, H, K, M, args.seed + r, dtype, **arch) for r in range(R)]
        W = {name: torch.stack([w[name] for w in inits]) * args.init_scale for name in inits[0]}
    pairs = torch.arange(p * p)[b != 0] if args.operation == "div" else torch.arange(p * p)
    if args.init and "train_idx" in f.files:
        train_idx = torch.tensor(f["train_idx"], dtype=torch.int64)
        test_idx = (torch.tensor(f["test_idx"], dtype=torch.int64) if "test_idx" in f.files
                    else torch.tensor(np.setdiff1d(np.arange(p * p), f["train_idx"]), dtype=torch.int64))
    elif R == 1:
        train_idx, test_idx = split_of(pairs, args.frac, args.seed)
    else:
        splits = [split_of(pairs, args.frac, args.seed + r) for r in range(R)]
        train_idx, test_idx = torch.stack([s[0] for s in splits]), torch.stack([s[1] for s in splits])  # [R, N]
    y_train = labels[train_idx]
    if args.init and "train_labels" in f.files:
        y_train = torch.tensor(f["train_labels"], dtype=torch.int64)
    elif args.label_noise > 0:
        y_train = torch.stack([corrupt(y, args.label_noise, p, args.seed + r) for r, y in enumerate(y_train.view(R, -1))])
        y_train = y_train.view(labels[train_idx].shape)
    x_train, y_train = tokens[train_idx].to(device), y_train.to(device)  # [N, P], [N] (packed: [R, ...])
    x_test, y_test = tokens[test_idx].to(device), labels[test_idx].to(device)
    W = {name: w.to(device) for name, w in W.items()}
    loss_kw = {"loss": args.loss, "loss_dtype": getattr(torch, args.loss_dtype)}
    if R > 1:  # the same functions, mapped over the run axis
        one_model, one_loss = model, lambda logits, y: loss_fn(logits, y, **loss_kw)
        model, run_losses = vmap(one_model), vmap(one_loss)
        train_loss_of = lambda logits, y: run_losses(logits, y).sum()  # each run's gradient is its own

        def evaluate_runs(W, x, y):  # [R] losses and accuracies
            with torch.no_grad():
                logits = model(W, x)  # [R, B, P, V]
                acc = (logits[:, :, -1, :].argmax(dim=-1) == y).double().mean(dim=1)
                return run_losses(logits, y), acc
    else:
        train_loss_of = lambda logits, y: loss_fn(logits, y, **loss_kw)

    for t in W.values():
        t.requires_grad_(True)
    params = list(W.values())
    muon = None
    if args.optimizer == "muon":  # AdamW on every other tensor, with the run's lr, betas, eps and decay
        muon = Muon([w for n, w in W.items() if n.split(".")[0] in HIDDEN], args.muon_lr, args.muon_momentum,
                    args.muon_nesterov == "true", args.muon_ns_steps, args.weight_decay, 1 if R == 1 else 2)
        opt = torch.optim.AdamW([w for n, w in W.items() if n.split(".")[0] not in HIDDEN], lr=args.lr,
                                betas=(args.beta1, args.beta2), eps=args.eps, weight_decay=args.weight_decay)
    elif args.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    else:
        kind = torch.optim.AdamW if args.optimizer == "adamw" else torch.optim.Adam
        opt = kind(params, lr=args.lr, betas=(args.beta1, args.beta2), eps=args.eps, weight_decay=args.weight_decay)
    filter_state = [None] * len(params) if args.grokfast == "ema" else [[] for _ in params]
    norm_of = total_norm if R == 1 else total_norm_packed
    target_norm = args.fixed_weight_norm * norm_of(params)
    warmup = args.warmup
    factor = lambda s: min(s / warmup, 1.0) if warmup > 0 else 1.0  # of update s + 1
    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)

    n_train = x_train.shape[-2]
    per_epoch = -(-n_train // args.batch_size) if args.batch_size else 1
    replay_orders = torch.tensor(f["batch_order"]) if args.init and "batch_order" in f.files else None
    orders = {}

    def batch(step):  # the examples of update step + 1: every run's own mini-batch, or the full train set
        if not args.batch_size:
            return x_train, y_train
        epoch, j = divmod(step, per_epoch)
        if epoch not in orders:
            orders.clear()
            orders[epoch] = (replay_orders[epoch] if replay_orders is not None else torch.stack([
                torch.randperm(n_train, generator=torch.Generator().manual_seed(1_000_003 * (args.seed + r) + epoch))
                for r in range(R)]).squeeze(0)).to(device)  # [N] or [R, N]
        pos = orders[epoch][..., j * args.batch_size:(j + 1) * args.batch_size]
        if R == 1:
            return x_train[pos], y_train[pos]
        rows = torch.arange(R, device=device)[:, None]
        return x_train[rows, pos], y_train[rows, pos]

    eval_every = args.eval_every if args.eval_every > 0 else (1 if args.trace else 0)
    trace = open(args.trace, "w") if args.trace else None
    final = None

    def record(step):
        nonlocal final
        if R == 1:
            train_loss, train_acc = evaluate(model, W, x_train, y_train, **loss_kw)
            test_loss, test_acc = evaluate(model, W, x_test, y_test, **loss_kw)
            final = (train_loss, test_loss, train_acc, test_acc)
            if args.llc_every and (step % args.llc_every == 0 or step == args.steps):
                n = x_train.shape[0]
                nbeta = args.llc_nbeta if args.llc_nbeta > 0 else n / math.log(n) if n > 1 else 1.0
                final += llc(lambda w: loss_fn(model(w, x_train), y_train, **loss_kw), W, args.llc_lr,
                             args.llc_localization, nbeta, args.llc_chains, args.llc_draws, llc_seed(args.seed, step))
            if trace:
                trace.write(" ".join(["%d" % step] + ["%.17g" % v for v in final]) + "\n")
            return
        train = evaluate_runs(W, x_train, y_train)
        test = evaluate_runs(W, x_test, y_test)
        final = tuple(t.tolist() for t in (train[0], test[0], train[1], test[1]))  # one value per run each
        if trace:
            for r in range(R):
                trace.write("%d %d %.17g %.17g %.17g %.17g\n" % (r, step, *(column[r] for column in final)))

    def sync():
        if cuda:
            torch.cuda.synchronize(device)

    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    times, eval_times = [], []
    for step in range(args.steps + 1):
        if step == args.steps or (eval_every and step % eval_every == 0):
            sync()
            t0 = time.perf_counter()
            record(step)  # metrics after `step` updates; timed apart from the steps
            eval_times.append(time.perf_counter() - t0)
        if step == args.steps:
            break
        sync()
        t0 = time.perf_counter()
        x, y = batch(step)
        loss = train_loss_of(model(W, x), y)
        opt.zero_grad()
        if muon:
            muon.zero_grad()
        loss.backward()
        if args.grokfast == "ema":
            grokfast_ema(params, filter_state, args.grokfast_alpha, args.grokfast_lambda)
        elif args.grokfast == "ma":
            grokfast_ma(params, filter_state, args.grokfast_window, args.grokfast_lambda)
        if args.orthogonal_grad:
            (orthogonal if R == 1 else orthogonal_packed)(params)
        opt.step()
        if muon:
            muon.step(factor(step))
        sched.step()
        if args.fixed_weight_norm > 0:
            with torch.no_grad():
                scale = target_norm / norm_of(params)
                for w in params:
                    w.mul_(scale if R == 1 else per_run(scale, w))
        sync()
        times.append(time.perf_counter() - t0)
    if trace:
        trace.close()

    timed = times[args.time_from:] if len(times) > 2 * args.time_from else times
    evals = eval_times[1:-1] or eval_times  # the first warms up; the last follows the final step
    print(json.dumps({
        "p": p, "frac": args.frac, "steps": args.steps, "threads": args.threads, "dtype": args.dtype,
        "pack": R, "device": str(device),
        "ms_per_step": 1000 * sum(timed) / len(timed) if timed else 0.0,
        "ms_per_eval": 1000 * sum(evals) / len(evals) if evals else 0.0,
        "peak_gpu_mib": torch.cuda.max_memory_allocated(device) / 2 ** 20 if cuda else None,
        "final_train_loss": final[0], "final_test_loss": final[1],
        "final_train_acc": final[2], "final_test_acc": final[3]}))


if __name__ == "__main__":
    main()
