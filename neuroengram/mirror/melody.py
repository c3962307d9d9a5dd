"""Rate mirror of the spiking melody circuit and its bridge to Brian2 (weights both ways).

The spiking circuit (:mod:`neuroengram.spiking.melody`): after the cue, the chain cells of step ``t`` of the cued
melody's chain fire one volley each; chain cell ``c`` excites prediction cell ``P_k`` through the plastic weight
``w_ck`` (mV); in replay ``P_k`` drives the heard cell ``X_k``, and bit ``k`` of step ``t`` is replayed iff
``X_k`` fires at >= ``REPLAY_THRESHOLD_HZ`` in the step. The mirror keeps the same cells and signs:

    h(t)  (n_readout,)   spike counts of the read-out chain cells (steps >= cue_steps, order ``Layout.readout``)
                         in step window t, *measured* in the spiking network (cue selection, chain cross-talk
                         and failures included)
    u_k   = Σ_c w_ck h_c(t)         chain -> P_k: an ``nn.Linear`` (no bias) with Dale's law (every chain cell
                                    is excitatory: w = |V| >= 0, :func:`~neuroengram.mirror.dale.dale_linear`)
    p_k   = φ(u_k)                  rate of P_k (Hz)
    x_k   = ψ(p_k)                  rate of X_k in replay (Hz)

``φ`` and ``ψ`` are not assumed: both are monotone piecewise-linear maps fitted by isotonic regression
(scikit-learn ``IsotonicRegression``; Barlow et al. 1972) to samples measured in one Brian2 replay run
(:func:`calibrate`) in which some networks have random chain -> P weights: ``u`` from the measured chain counts and
the weights, ``p`` and ``x`` from the P and X spike counts of the same windows. ``ψ`` includes the replay synapse
P -> X and the background noise. The same run's zero-weight networks give the chain activity ``h`` the mirror
learns from (trial-averaged: the mirror's rates). The mirror is trained with AdamW (seeded) so that ``x_k``
reaches ``on_hz`` on the melody's on bits and 0 Hz on its off bits (mean squared error in units of ``on_hz``).

Bridge: the mirror's ``W`` (n_channels, n_readout) becomes the synapses ``(pre, post, weight)`` of
``spiking/weights.npz`` (``pre`` = read-out chain cells, ``post`` = P cells, weight in mV, >= 0) and back
(:func:`readout_synapses`, :func:`readout_matrix`), so the Brian2 network replays with the mirror's weights
(:func:`~neuroengram.spiking.melody.replay_melodies`, no learning) and the mirror predicts the replay of
spiking-learned weights.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.isotonic import IsotonicRegression
from torch import nn

from neuroengram.errors import DataError
from neuroengram.mirror.dale import dale_linear
from neuroengram.spiking.melody import REPLAY_THRESHOLD_HZ, Layout, MelodyConfig, MelodyReplay, replay_melodies

ON_HZ = 100.0
"""Default rate of X on an on bit that the mirror is trained to reach (the spiking rule's set point ``R_REF_HZ``)."""
N_KNOTS = 16
MIN_SLOPE = 1e-4
"""Added to the isotonic fit's slope (output units per input unit) so that no segment is flat: a flat segment below
threshold would give an on bit whose drive starts there no gradient (Adam rescales the tiny gradient to full steps)."""


class MonotoneTransfer(nn.Module):
    """A monotone piecewise-linear map ``y(x)`` through ``n_knots`` knots (buffers ``knots_x``, ``knots_y``).

    Constant below the first knot, the last segment's slope above the last knot. Build with :func:`fit_transfer`.
    """

    def __init__(self, n_knots: int = N_KNOTS) -> None:
        super().__init__()
        self.register_buffer("knots_x", torch.arange(n_knots, dtype=torch.float32))
        self.register_buffer("knots_y", torch.zeros(n_knots))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kx, ky = self.knots_x, self.knots_y
        x = x.clamp(min=float(kx[0]))
        i = torch.searchsorted(kx, x.detach().contiguous(), right=True).clamp(1, len(kx) - 1)
        x0, x1, y0, y1 = kx[i - 1], kx[i], ky[i - 1], ky[i]
        return y0 + (y1 - y0) / (x1 - x0) * (x - x0)


def fit_transfer(x: np.ndarray, y: np.ndarray, n_knots: int = N_KNOTS) -> MonotoneTransfer:
    """Isotonic (non-decreasing) least-squares fit of ``y`` on ``x``, read at ``n_knots`` quantiles of ``x``, plus
    ``MIN_SLOPE`` so that it is strictly increasing."""
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    knots = np.unique(np.quantile(x, np.linspace(0.0, 1.0, n_knots)))
    if x.size != y.size or knots.size < 2:
        raise DataError(
            f"a transfer function needs paired samples with at least two distinct inputs (got {x.size} inputs, "
            f"{y.size} outputs, {knots.size} distinct knots)",
            key="calibration",
            fix="calibrate with more windows or a wider range of weights",
        )
    knots = np.interp(np.linspace(0, 1, n_knots), np.linspace(0, 1, knots.size), knots)  # n_knots, increasing
    knots += np.arange(n_knots) * 1e-6 * max(1.0, float(np.ptp(knots)))  # strictly increasing
    iso = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(x, y)
    transfer = MonotoneTransfer(n_knots)
    transfer.knots_x.copy_(torch.from_numpy(knots).float())
    transfer.knots_y.copy_(torch.from_numpy(iso.predict(knots) + MIN_SLOPE * (knots - knots[0])).float())
    return transfer


class MelodyMirror(nn.Module):
    """The rate mirror of the read-out: ``x = ψ(φ(W h))`` (module docstring); input ``h`` (batch, n_readout)."""

    def __init__(self, n_readout: int, n_channels: int, n_knots: int = N_KNOTS) -> None:
        super().__init__()
        self.n_readout, self.n_channels, self.n_knots = n_readout, n_channels, n_knots
        self.readout = dale_linear(torch.ones(n_readout), n_channels, bias=False)
        self.p_transfer = MonotoneTransfer(n_knots)
        self.x_transfer = MonotoneTransfer(n_knots)

    def config(self) -> dict[str, int]:
        return {"n_readout": self.n_readout, "n_channels": self.n_channels, "n_knots": self.n_knots}

    def p_rates(self, h: torch.Tensor) -> torch.Tensor:
        """Rates of the P cells (Hz), (batch, n_channels)."""
        return self.p_transfer(self.readout(h))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """Rates of the X cells in replay (Hz), (batch, n_channels)."""
        return self.x_transfer(self.p_rates(h))

    @property
    def weight_mv(self) -> np.ndarray:
        """``W`` (n_channels, n_readout) in mV as float64."""
        return self.readout.weight.detach().double().numpy()

    def set_weight_mv(self, weight: np.ndarray) -> None:
        """Load ``W`` (n_channels, n_readout) in mV (e.g. the spiking network's learned weights)."""
        with torch.no_grad():
            self.readout.weight = torch.as_tensor(np.asarray(weight), dtype=torch.float32)


@dataclass
class ChainWindows:
    """Free-step windows of a replay: ``h`` float (n_windows, n_readout) read-out chain counts, ``melody``,
    ``step``, ``network`` int (n_windows,), and the P and X rates ``p_hz``, ``x_hz`` (n_windows, n_channels)."""

    h: np.ndarray
    melody: np.ndarray
    step: np.ndarray
    network: np.ndarray
    p_hz: np.ndarray
    x_hz: np.ndarray

    def targets(self, melodies: np.ndarray) -> np.ndarray:
        """The melody bits of every window, bool (n_windows, n_channels)."""
        return melodies[self.melody, self.step]

    def averaged(self) -> ChainWindows:
        """Trial-averaged windows: one row per (melody, step), the mean over networks (rates of the rate mirror)."""
        keys = np.stack([self.melody, self.step], axis=1)
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        count = np.bincount(inverse)[:, None]

        def mean(a: np.ndarray) -> np.ndarray:
            out = np.zeros((len(unique), a.shape[1]))
            np.add.at(out, inverse, a)
            return out / count

        return ChainWindows(
            mean(self.h), unique[:, 0], unique[:, 1], np.zeros(len(unique), dtype=int), mean(self.p_hz), mean(self.x_hz)
        )


def chain_windows(counts: np.ndarray, layout: Layout, step_ms: float) -> ChainWindows:
    """Windows t >= cue_steps of spike counts ``counts`` (n_networks, n_melodies, n_steps, n_cells)."""
    counts = np.asarray(counts)
    n_net, n_mel, n_steps, _ = counts.shape
    net, mel, step = np.meshgrid(np.arange(n_net), np.arange(n_mel), np.arange(n_steps), indexing="ij")
    free = step >= layout.cue_steps
    to_hz = 1000.0 / step_ms
    rows = counts[free]
    return ChainWindows(
        h=rows[:, layout.readout].astype(float),
        melody=mel[free],
        step=step[free],
        network=net[free],
        p_hz=rows[:, layout.node(3)] * to_hz,
        x_hz=rows[:, layout.node(1)] * to_hz,
    )


@dataclass
class Calibration:
    """Outcome of :func:`calibrate`. ``windows`` / ``weights_mv`` (n_networks, n_readout, n_channels) / ``drive_mv``
    (n_windows, n_channels): the networks with random weights, whose measured (drive, P rate, X rate) triples fit
    ``p_transfer`` (u -> P) and ``x_transfer`` (P -> X); ``chain``: the windows of as many networks with zero
    chain -> P weights, the chain activity the mirror is trained on and the engram statistics are taken from."""

    windows: ChainWindows
    weights_mv: np.ndarray
    drive_mv: np.ndarray
    p_transfer: MonotoneTransfer
    x_transfer: MonotoneTransfer
    chain: ChainWindows


def calibrate(
    config: MelodyConfig, melodies: np.ndarray, seed: int, n_networks: int = 4, n_knots: int = N_KNOTS
) -> Calibration:
    """One Brian2 replay of ``2 n_networks`` copies: ``n_networks`` with random chain -> P weights (one level per
    melody slot, step and channel, uniform in [0, w_max_mv], shared by the step's ``n_sub`` cells), from which ``φ``
    and ``ψ`` are fitted, and ``n_networks`` with zero weights, whose chain activity is the cue-selected clock alone.
    (Strong random weights make X fire fast enough to re-trigger chains through their cue gates, so the chain
    activity of the first group is not the one a trained network replays with.)"""
    rng = np.random.default_rng(seed)
    n_melodies, n_steps, n_channels = np.shape(melodies)
    free = n_steps - config.cue_steps
    levels = rng.uniform(0.0, config.w_max_mv, (n_networks, n_melodies, free, 1, n_channels))
    weights = np.broadcast_to(levels, (n_networks, n_melodies, free, config.n_sub, n_channels))
    weights = weights.reshape(n_networks, -1, n_channels)
    replay = replay_melodies(
        config, melodies, np.concatenate([weights, np.zeros_like(weights)]), int(rng.integers(2**31))
    )
    windows = chain_windows(replay.counts[:n_networks], replay.layout, config.step_ms)
    drive = np.einsum("wc,wck->wk", windows.h, weights[windows.network])
    return Calibration(
        windows=windows,
        weights_mv=weights,
        drive_mv=drive,
        p_transfer=fit_transfer(drive, windows.p_hz, n_knots),
        x_transfer=fit_transfer(windows.p_hz, windows.x_hz, n_knots),
        chain=chain_windows(replay.counts[n_networks:], replay.layout, config.step_ms),
    )


def train_mirror(
    calibration: Calibration,
    melodies: np.ndarray,
    seed: int,
    epochs: int = 400,
    lr_mv: float = 2.0,
    on_hz: float = ON_HZ,
    weight_decay: float = 1e-3,
    w_max_mv: float = MelodyConfig().w_max_mv,
) -> tuple[MelodyMirror, list[float]]:
    """A :class:`MelodyMirror` with the calibration's transfer functions, trained with AdamW (full batch, seeded
    initial weights uniform in [0, 80] mV, decoupled ``weight_decay`` so directions the chain activity never
    drives decay, weights kept <= ``w_max_mv`` like the spiking synapses) on the trial-averaged chain windows of the
    calibration's zero-weight networks (the mirror's rates; single trials in which another melody's chain also
    runs are contradictory and would pull the on bits down) to replay ``melodies``. Returns the model (eval mode)
    and the loss per epoch."""
    windows = calibration.chain.averaged()
    n_channels = np.shape(melodies)[2]
    mirror = MelodyMirror(windows.h.shape[1], n_channels, len(calibration.p_transfer.knots_x))
    mirror.p_transfer.load_state_dict(calibration.p_transfer.state_dict())
    mirror.x_transfer.load_state_dict(calibration.x_transfer.state_dict())
    gen = torch.Generator().manual_seed(seed)
    mirror.set_weight_mv(80.0 * torch.rand(n_channels, windows.h.shape[1], generator=gen).numpy())
    h = torch.as_tensor(windows.h, dtype=torch.float32)
    target = torch.as_tensor(windows.targets(np.asarray(melodies)), dtype=torch.float32)
    optimiser = torch.optim.AdamW(mirror.parameters(), lr=lr_mv, weight_decay=weight_decay)
    free = mirror.readout.parametrizations.weight.original
    history = []
    for _ in range(epochs):
        optimiser.zero_grad()
        loss = ((mirror(h) / on_hz - target) ** 2).mean()
        loss.backward()
        optimiser.step()
        with torch.no_grad():
            free.clamp_(-w_max_mv, w_max_mv)
        history.append(loss.item())
    return mirror.eval(), history


def predicted_bits(mirror: MelodyMirror, h: np.ndarray) -> np.ndarray:
    """The mirror's replayed bits, bool (n_windows, n_channels): X rate >= ``REPLAY_THRESHOLD_HZ``."""
    with torch.no_grad():
        return mirror(torch.as_tensor(h, dtype=torch.float32)).numpy() >= REPLAY_THRESHOLD_HZ


def predict_replay(
    mirror: MelodyMirror,
    weight_mv: np.ndarray,
    counts: np.ndarray,
    layout: Layout,
    step_ms: float,
    replayed: np.ndarray,
) -> dict[str, float]:
    """Brian2 -> mirror: a copy of ``mirror`` with the chain -> P weights ``weight_mv`` (n_channels, n_readout) of a
    spiking network predicts that network's replay from its measured chain activity ``counts`` (1, n_melodies,
    n_steps, n_cells). Returns the fraction of free-step bits on which it agrees with ``replayed`` (1, n_melodies,
    n_steps, n_channels), the always-majority baseline of that agreement, and the Pearson r between predicted and
    measured P rates (NaN when either is constant, e.g. a silent untrained network)."""
    copy = MelodyMirror(**mirror.config())
    copy.load_state_dict(mirror.state_dict())
    copy.set_weight_mv(weight_mv)
    windows = chain_windows(counts, layout, step_ms)
    measured = np.asarray(replayed)[windows.network, windows.melody, windows.step]
    with torch.no_grad():
        p_pred = copy.p_rates(torch.as_tensor(windows.h, dtype=torch.float32)).numpy().ravel()
    p_hz = windows.p_hz.ravel()
    pearson = float(np.corrcoef(p_pred, p_hz)[0, 1]) if p_pred.std() > 0 and p_hz.std() > 0 else float("nan")
    return {
        "bit_agreement": float((predicted_bits(copy, windows.h) == measured).mean()),
        "majority_baseline": float(max(measured.mean(), 1.0 - measured.mean())),
        "p_rate_pearson": pearson,
    }


def readout_synapses(weight_mv: np.ndarray, layout: Layout, w_max_mv: float) -> dict[str, np.ndarray]:
    """``W`` (n_channels, n_readout) as the chain -> P synapses of one copy in the ``spiking/weights.npz`` format
    (``pre``, ``post``, ``weight`` mV): every (read-out cell, channel) pair, weights clipped to [0, w_max_mv] (Dale's
    law and the spiking bound). ``clipped_fraction`` is the fraction of ``Σ|W|`` removed by the clip."""
    weight_mv = np.asarray(weight_mv, dtype=float)
    if weight_mv.shape != (layout.n_channels, layout.readout.size):
        raise DataError(
            f"W must be (n_channels, n_readout) = {(layout.n_channels, layout.readout.size)}, got {weight_mv.shape}",
            key="weight_mv",
        )
    clipped = np.clip(weight_mv, 0.0, w_max_mv)
    post, pre = np.meshgrid(layout.node(3), layout.readout, indexing="ij")
    total = max(float(np.abs(weight_mv).sum()), 1e-300)
    return {
        "pre": pre.ravel(),
        "post": post.ravel(),
        "weight": clipped.ravel(),
        "clipped_fraction": np.asarray(float(np.abs(weight_mv - clipped).sum()) / total),
    }


def readout_matrix(pre: np.ndarray, post: np.ndarray, weight: np.ndarray, layout: Layout) -> np.ndarray:
    """The chain -> P synapses among ``(pre, post, weight)`` (e.g. a whole ``spiking/weights.npz``) as ``W``
    (n_channels, n_readout) in mV; other synapses are ignored. :class:`DataError` if a pair is missing."""
    pre, post = np.asarray(pre, dtype=np.int64), np.asarray(post, dtype=np.int64)
    row = np.full(layout.n_cells, -1)
    row[layout.node(3)] = np.arange(layout.n_channels)
    col = np.full(layout.n_cells, -1)
    col[layout.readout] = np.arange(layout.readout.size)
    keep = (pre < layout.n_cells) & (post < layout.n_cells)
    keep[keep] = (row[post[keep]] >= 0) & (col[pre[keep]] >= 0)
    matrix = np.full((layout.n_channels, layout.readout.size), np.nan)
    matrix[row[post[keep]], col[pre[keep]]] = np.asarray(weight, dtype=float)[keep]
    if np.isnan(matrix).any():
        raise DataError(
            f"{int(np.isnan(matrix).sum())} chain -> P synapses are missing",
            key="weights",
            fix="pass the synapses of one whole copy of the melody network (spiking/weights.npz)",
        )
    return matrix


def brian2_replay(
    config: MelodyConfig, melodies: np.ndarray, weights_mv: list[np.ndarray], layout: Layout, seed: int
) -> MelodyReplay:
    """Replay in Brian2 with each ``W`` (n_channels, n_readout) of ``weights_mv`` carried through the synapse format
    (:func:`readout_synapses` then :func:`readout_matrix`), one network per matrix in one simulation."""
    matrices = []
    for weight in weights_mv:
        syn = readout_synapses(weight, layout, config.w_max_mv)
        matrices.append(readout_matrix(syn["pre"], syn["post"], syn["weight"], layout).T)
    return replay_melodies(config, melodies, np.stack(matrices), seed)


def bits_on_recall(replayed: np.ndarray, melodies: np.ndarray, cue_steps: int) -> np.ndarray:
    """Fraction of the on bits of the free steps that are replayed on, per network and melody (n, n_melodies)."""
    on = np.asarray(melodies, dtype=bool)[None, :, cue_steps:]
    hit = replayed[:, :, cue_steps:] & on
    return hit.sum(axis=(2, 3)) / np.maximum(on.sum(axis=(2, 3)), 1)


@dataclass
class MelodyBridge:
    """Outcome of :func:`build_bridge`: the calibration, the trained mirror and its loss per epoch, and the Brian2
    replay with the mirror's weights (one network): ``accuracy`` / ``recall`` float (n_melodies,)."""

    calibration: Calibration
    mirror: MelodyMirror
    loss_history: list[float]
    replay: MelodyReplay
    accuracy: np.ndarray
    recall: np.ndarray


def build_bridge(
    config: MelodyConfig,
    melodies: np.ndarray,
    seed: int,
    n_networks: int = 4,
    epochs: int = 400,
    lr_mv: float = 2.0,
) -> MelodyBridge:
    """Calibrate the transfer functions in Brian2, train the mirror in PyTorch, and replay in Brian2 with its
    weights (no spiking-side learning); every step seeded from ``seed``."""
    melodies = np.asarray(melodies, dtype=bool)
    calibration = calibrate(config, melodies, seed, n_networks)
    mirror, history = train_mirror(calibration, melodies, seed, epochs, lr_mv, w_max_mv=config.w_max_mv)
    n_melodies, n_steps, n_channels = melodies.shape
    layout = Layout(n_channels, n_melodies, n_steps, config.n_sub, config.n_pool, config.cue_steps)
    replay = brian2_replay(config, melodies, [mirror.weight_mv], layout, seed + 1)
    recall = bits_on_recall(replay.replayed, melodies, config.cue_steps)[0]
    return MelodyBridge(calibration, mirror, history, replay, replay.accuracy[0], recall)


def save_mirror(directory: Path, mirror: MelodyMirror, config: MelodyConfig, melodies: np.ndarray, **training: Any):
    """Write ``model.pt`` (state_dict) and ``model.json`` (``kind``, ``model`` args, ``melody_config``,
    ``melodies``, ``training``) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    torch.save(mirror.state_dict(), directory / "model.pt")
    meta = {
        "kind": "melody_mirror",
        "model": mirror.config(),
        "melody_config": config.model_dump(mode="json"),
        "melodies": np.asarray(melodies, dtype=int).tolist(),
        "training": training,
    }
    (directory / "model.json").write_text(json.dumps(meta, indent=2))


def load_mirror(directory: Path) -> tuple[MelodyMirror, MelodyConfig, np.ndarray, dict[str, Any]]:
    """``(mirror, melody config, melodies, meta)`` from :func:`save_mirror` output (``weights_only=True``)."""
    meta = json.loads((directory / "model.json").read_text())
    if meta.get("kind") != "melody_mirror":
        raise DataError(
            f"{directory / 'model.json'} is not a melody mirror (kind {meta.get('kind')!r})",
            key="stages.mirror.task",
            fix="run the mirror stage with task = 'melody_bridge'",
        )
    mirror = MelodyMirror(**meta["model"])
    mirror.load_state_dict(torch.load(directory / "model.pt", weights_only=True))
    melodies = np.asarray(meta["melodies"], dtype=bool)
    return mirror.eval(), MelodyConfig(**meta["melody_config"]), melodies, meta
