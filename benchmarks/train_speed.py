"""Seconds per epoch: the engine's train_model against a plain PyTorch loop, same data, same device.

The data are 2,460 training samples of 60 bars (the most recent training windows of the
bundled SP500 sample) and its 755 validation samples; both contenders evaluate the
validation set once per epoch. Each architecture (default settings: LSTM/GRU/RNN 2x64,
CNN 32-32, MLP 64-32, linear) is fitted at batch 64 with Adam and gradient clipping, in
interleaved rounds (engine, reference, reference, engine, ...) so machine noise hits both.
The first epoch of every fit (set-up, and on CUDA the graph warm-up and capture) is timed
apart; an untimed fit per architecture goes first, and fast models get more epochs per fit.

The per-epoch figure is the fastest timed epoch over all rounds (noise only ever adds
time). On CPU the process CPU time per epoch is measured too: on a machine shared with
other busy processes it still counts only this process's work, so when the load average
exceeds the core count during an architecture's rounds, its verdict reads the ratio of
median CPU seconds per epoch instead of wall seconds, and says so ("PASS cpu").

Threads default to 1 on CPU: with 2 threads on a 2-core machine, any other busy process
stalls torch's thread barrier and an epoch can take 30x longer (measured), which swamps
the comparison. Both contenders always run with the same thread count; pass --threads 2
to measure the all-cores figure on a quiet machine.

Targets: on CPU the engine takes at most 1.1x the reference's time per epoch; on CUDA the
engine (captured step) is at least 9x faster than the eager reference for LSTM and GRU,
and its per-epoch losses match the engine's own eager path within float tolerance.

Run:  .venv/bin/python benchmarks/train_speed.py [--device auto|cpu|cuda] [--epochs 4] [--repeats 3]
                                                 [--archs lstm,gru] [--threads 1]
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script from any folder

from benchmarks.machine import cpu_name  # noqa: E402
from engine.data import load_sample
from engine.device import resolve_device
from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig
from engine.train import EpochReport, train_model
from engine.windows import WindowConfig, build_windows
from models import ARCHITECTURES, ModelConfig, fields_of, model_config_for
from models.registry import build_model

N_TRAIN = 2460
WINDOW = 60
BATCH = 64
LEARNING_RATE = 1e-3
GRAD_CLIP = 1.0
SEED = 0
CPU_MAX_SLOWDOWN = 1.10  # engine / reference
CUDA_MIN_SPEEDUP = 9.0  # reference / engine
CUDA_TARGET_ARCHS = ("lstm", "gru")
LOSS_RTOL = 1e-3  # captured vs eager engine losses
MIN_FIT_S = 1.0  # fast models get more epochs per fit, up to MAX_EPOCHS, so that short epochs average out
MAX_EPOCHS = 40


@dataclass(frozen=True)
class Data:
    x: np.ndarray  # (N_TRAIN, WINDOW, F) float32
    y: np.ndarray  # (N_TRAIN, H) float32, as engine.train makes its tensors
    x_val: np.ndarray  # (n_val, WINDOW, F)
    y_val: np.ndarray  # (n_val, H) float32


@dataclass(frozen=True)
class Fit:
    first_s: float  # set-up plus the first epoch: on CUDA, graph warm-up and capture too
    epoch_s: tuple[float, ...]  # wall time of each later epoch
    epoch_cpu_s: tuple[float, ...]  # this process's CPU time in each later epoch
    losses: tuple[tuple[float, float], ...]  # (train, val) per epoch
    captured: bool = False  # the engine ran its CUDA-graph step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--epochs", type=int, default=4,
                        help=f"per fit, at least; the first is timed apart; fast models get more, so a fit "
                             f"lasts about {MIN_FIT_S:g} s (default 4)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved fits per contender (default 3)")
    parser.add_argument("--archs", default=",".join(ARCHITECTURES), help="comma-separated, default all")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch intra-op threads, the same for both contenders (default 1: more stall badly "
                             "when other processes share the cores)")
    args = parser.parse_args()
    archs = [name.strip() for name in args.archs.split(",") if name.strip()]
    if unknown := sorted(set(archs) - set(ARCHITECTURES)):
        parser.error(f"unknown architecture(s) {unknown}: choose from {', '.join(ARCHITECTURES)}")
    if args.epochs < 2 or args.repeats < 1 or args.threads < 1:
        parser.error("--epochs must be at least 2 (the first of each fit is timed apart); --repeats and "
                     "--threads at least 1")

    torch.set_num_threads(args.threads)
    try:
        device = resolve_device(args.device)
    except WorkbenchError as error:
        parser.error(str(error))
    data = _data()
    load_before = _load()
    print(_header(device, data, args))

    results = []
    for arch in archs:
        model_config = model_config_for(arch)
        warm_up = _fit_engine(model_config, data, device, 2)  # untimed: first-use costs, and the epoch time
        epochs = max(args.epochs, min(MAX_EPOCHS, math.ceil(MIN_FIT_S / warm_up.epoch_s[0]) + 1))
        engine: list[Fit] = []
        reference: list[Fit] = []
        loads = [_load()]
        for round_ in range(args.repeats):
            contenders = [(engine, _fit_engine), (reference, _fit_reference)]
            for fits, fit in contenders if round_ % 2 == 0 else contenders[::-1]:
                fits.append(fit(model_config, data, device, epochs))
        loads.append(_load())
        busy = device.type == "cpu" and any(load is not None and load > _cores() for load in loads)
        row, ok = _row(arch, device, data, epochs, engine, reference, busy=busy)
        results.append(ok)
        print(row, flush=True)

    if device.type == "cuda":
        print(f"\nCaptured vs eager engine on CUDA (dropout 0, {args.epochs} epochs): "
              f"max relative difference of the per-epoch train/val losses, tolerance {LOSS_RTOL:g}")
        for arch in archs:
            without_dropout = model_config_for(arch, **fields_of(arch, {"dropout": 0.0}))
            line, ok = _compare_paths(without_dropout, data, device, args.epochs)
            results.append(ok)
            print(line, flush=True)

    load_after = _load()
    if load_before is not None and load_after is not None:
        busy = device.type == "cpu" and max(load_before, load_after) > _cores()
        print(f"\nload average (1 min) before/after: {load_before:.2f} / {load_after:.2f} on {_cores()} cores"
              + (" - other processes shared the CPU (rows marked cpu were judged on CPU time)" if busy else ""))
    checked = [ok for ok in results if ok is not None]
    print(f"{sum(checked)} of {len(checked)} checks passed")


def _data() -> Data:
    bars, _ = load_sample("SP500")
    windowed = build_windows({"SP500": bars}, WindowConfig(window=WINDOW))
    train = windowed.train
    if len(train) < N_TRAIN:
        raise SystemExit(f"The SP500 sample gives only {len(train)} training windows; {N_TRAIN} are needed.")
    return Data(train.x[-N_TRAIN:], train.y[-N_TRAIN:].astype(np.float32), windowed.val.x,
                windowed.val.y.astype(np.float32))


def _fit_engine(model_config: ModelConfig, data: Data, device: torch.device, epochs: int,
                *, cuda_graphs: bool = True) -> Fit:
    config = TrainConfig(optimizer="adam", learning_rate=LEARNING_RATE, batch_size=BATCH, epochs=epochs,
                         patience=0, lr_patience=0, grad_clip=GRAD_CLIP, seed=SEED, device=device.type,
                         cuda_graphs=cuda_graphs)
    ends: list[tuple[float, float]] = []

    def on_event(event) -> None:
        if isinstance(event, EpochReport):  # emitted after the epoch's loss .item() and validation pass
            ends.append(_clock(device))

    started = _clock(device)
    trained = train_model(model_config, data.x, data.y, data.x_val, data.y_val, config, on_event=on_event)
    losses = tuple((report.train_loss, report.val_loss) for report in trained.history)
    return _fit_times(started, ends, losses, trained.outcome.captured)


def _fit_reference(model_config: ModelConfig, data: Data, device: torch.device, epochs: int) -> Fit:
    """The plain loop: resident tensors, randperm, slicing, zero_grad/forward/backward/clip/step, eval."""
    started = _clock(device)
    torch.manual_seed(SEED)
    x = torch.as_tensor(data.x, device=device)  # (N, T, F)
    y = torch.as_tensor(data.y, device=device)  # (N, H)
    x_val = torch.as_tensor(data.x_val, device=device)
    y_val = torch.as_tensor(data.y_val, device=device)
    model = build_model(model_config, x.shape[1], x.shape[2], y.shape[1]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.MSELoss()
    batches = len(x) // BATCH
    ends, losses = [], []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x), device=device)
        total = torch.zeros((), device=device)  # summed on the device: no sync per batch
        for batch in range(batches):
            index = order[batch * BATCH:(batch + 1) * BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
            optimizer.step()
            total += loss.detach()
        model.eval()
        with torch.no_grad():
            val_loss = loss_fn(model(x_val), y_val).item()
        losses.append((total.item() / batches, val_loss))
        ends.append(_clock(device))
    return _fit_times(started, ends, tuple(losses))


def _clock(device: torch.device) -> tuple[float, float]:
    """(wall, process CPU) seconds, once the device has finished its queued work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":  # --device auto on a Mac
        torch.mps.synchronize()
    return time.perf_counter(), time.process_time()


def _fit_times(started: tuple[float, float], ends: list[tuple[float, float]], losses, captured: bool = False) -> Fit:
    wall, cpu = np.array([started, *ends]).T
    return Fit(float(wall[1] - wall[0]), tuple(np.diff(wall[1:]).tolist()), tuple(np.diff(cpu[1:]).tolist()),
               losses, captured)


def _row(arch: str, device: torch.device, data: Data, epochs: int, engine: list[Fit], reference: list[Fit],
         *, busy: bool) -> tuple[str, bool | None]:
    """The table row and its verdict; on a busy CPU the verdict reads the CPU-time ratio, marked `cpu`."""
    engine_s = min(s for fit in engine for s in fit.epoch_s)
    reference_s = min(s for fit in reference for s in fit.epoch_s)
    speedup, slowdown = reference_s / engine_s, engine_s / reference_s
    cpu_slowdown = (statistics.median(s for fit in engine for s in fit.epoch_cpu_s)
                    / statistics.median(s for fit in reference for s in fit.epoch_cpu_s))
    engine_first = statistics.median(fit.first_s for fit in engine)
    reference_first = statistics.median(fit.first_s for fit in reference)
    ok: bool | None = None
    if device.type == "cuda":
        path = "graph" if all(fit.captured for fit in engine) else "EAGER"  # capture failed: engine fell back
        target = f">={CUDA_MIN_SPEEDUP:g}x" if arch in CUDA_TARGET_ARCHS else "-"
        if arch in CUDA_TARGET_ARCHS:
            ok = speedup >= CUDA_MIN_SPEEDUP
        cpu_column = "-"  # the host thread waits on the GPU: its CPU time says nothing
    else:
        path, cpu_column = "eager", f"{cpu_slowdown:.3f}"
        target = f"<={CPU_MAX_SLOWDOWN:g}x" if device.type == "cpu" else "-"
        if device.type == "cpu":
            ok = (cpu_slowdown if busy else slowdown) <= CPU_MAX_SLOWDOWN
    result = "-" if ok is None else ("PASS" if ok else "FAIL") + (" cpu" if busy else "")
    row = (f"{arch:7} {_parameters(arch, data):>7} {device.type:5} {path:6} {epochs:>6} {engine_s:9.4f} "
           f"{reference_s:9.4f} {speedup:8.2f} {slowdown:8.3f} {cpu_column:>8} {engine_first:8.3f} "
           f"{reference_first:8.3f} {target:>7} {result:>8}")
    return row, ok


def _parameters(arch: str, data: Data) -> int:
    model = build_model(model_config_for(arch), data.x.shape[1], data.x.shape[2], data.y.shape[1])
    return sum(p.numel() for p in model.parameters())


def _compare_paths(model_config: ModelConfig, data: Data, device: torch.device, epochs: int
                   ) -> tuple[str, bool]:
    captured = _fit_engine(model_config, data, device, epochs, cuda_graphs=True)
    eager = _fit_engine(model_config, data, device, epochs, cuda_graphs=False)
    a, b = np.array(captured.losses, dtype=np.float64), np.array(eager.losses, dtype=np.float64)
    difference = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))
    ok = captured.captured and difference <= LOSS_RTOL
    line = (f"{model_config.arch:7} max rel diff {difference:.2e}  captured {captured.captured}  "
            f"graph {min(captured.epoch_s):.4f} s/ep, eager engine {min(eager.epoch_s):.4f} s/ep  "
            f"{'PASS' if ok else 'FAIL'}")
    return line, ok


def _header(device: torch.device, data: Data, args: argparse.Namespace) -> str:
    if device.type == "cuda":
        where = f"{torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda}"
    else:
        where = f"{cpu_name()}, {_cores()} cores"
    lines = [
        (f"torch {torch.__version__} on {where}; torch threads {torch.get_num_threads()} "
         f"(inter-op {torch.get_num_interop_threads()})"),
        (f"data: {len(data.x)} train samples x {data.x.shape[1]} bars x {data.x.shape[2]} features, "
         f"{len(data.x_val)} val; batch {BATCH}, Adam lr {LEARNING_RATE:g}, clip {GRAD_CLIP:g}; "
         f"at least {args.epochs} epochs per fit (the first timed apart), {args.repeats} interleaved fits each"),
        ("s/ep: fastest timed epoch (wall); cpu: ratio of median process-CPU seconds per epoch; "
         "1st: median set-up + first epoch (s)"),
    ]
    if device.type == "cuda":
        lines.append("issue's H100 reference, lstm: plain eager 0.140 s/ep, captured step 0.0112 s/ep")
    return "\n".join([
        *lines,
        "",
        (f"{'arch':7} {'params':>7} {'dev':5} {'path':6} {'epochs':>6} {'engine':>9} {'reference':>9} "
         f"{'ref/eng':>8} {'eng/ref':>8} {'eng/ref':>8} {'eng 1st':>8} {'ref 1st':>8} {'target':>7} {'result':>8}"),
        f"{'':7} {'':>7} {'':5} {'':6} {'/fit':>6} {'s/ep':>9} {'s/ep':>9} {'':>8} {'':>8} {'cpu':>8}",
    ])


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _load() -> float | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None



if __name__ == "__main__":
    main()
