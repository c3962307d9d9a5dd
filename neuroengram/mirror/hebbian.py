"""Hebbian memory RNN (the engram-neuron cell): slot memory + per-sample Hebbian trace + top-k retrieval.

Per time step, for every sample ``b`` separately (shapes: ``x_t (B, D)``, hidden ``H``, code / slot width ``C``
(``code``, default ``H``), slots ``K``):

    z_t   = LN(relu(W_e x_t + b_e))                                  input code, (B, C)
    E_t   = M + α ⊙ 𝐇_{t-1}                                          effective memory, (B, K, C); α ∈ ℝ^K learned
    c_t   = <z_t/|z_t|, E_t,i/|E_t,i|> / τ                           cosine logits, (B, K)
    a_t   = softmax over the k largest c_t (exactly k non-zeros)      sparse slot activation, (B, K)
    m_t   = Σ_i a_t,i E_t,i                                           retrieved memory, (B, C)
    h_t   = tanh(W_h [z_t; m_t; h_{t-1}] + b_h)                       hidden state, (B, H)   (core "tanh")
    𝐇_t   = (1 - η) 𝐇_{t-1} + η a_t ⊗ z_t            (rule "ema")    Hebbian trace, (B, K, C)
    𝐇_t   = 𝐇_{t-1} + η a_t ⊙ (z_t - 𝐇_{t-1})        (rule "oja")    (each active slot moves towards z_t)

with ``M`` (K, C) the learned memory matrix, ``η = sigmoid(η_logit)`` (learned unless ``learn_eta=False``),
``h_0 = 0`` and ``𝐇_0 = 0``. There is no noise and no state shared across the batch, so evaluation is
deterministic and a sample's output does not depend on the other samples in its batch. ``hebbian=False``
freezes ``𝐇`` at 0 (the ablation: the cell is then an RNN with a static top-k lookup of ``M``).

Core ``"gru"`` replaces the tanh update by a gated controller: a GRU cell (Cho et al. 2014) over the raw input
and the retrieved memory scaled by a learned read gain ``ρ ∈ ℝ^C`` initialised at 0, ``u_t = [x_t; ρ ⊙ m_t]``
(the code ``z_t`` only addresses and writes the memory; σ is the logistic function):

    r_t   = σ(W_r u_t + U_r h_{t-1} + b_r)                            reset gate, (B, H)
    g_t   = σ(W_g u_t + U_g h_{t-1} + b_g)                            update gate, (B, H)
    n_t   = tanh(W_n u_t + b_n + r_t ⊙ (U_n h_{t-1} + b'_n))          candidate, (B, H)
    h_t   = (1 - g_t) ⊙ n_t + g_t ⊙ h_{t-1}                           hidden state, (B, H)

The update gate gives the gradient a path through ``h`` over many steps without repeated tanh squashing (the
ungated cell barely trains on the 40 steps of MNIST-1D). With ``ρ = 0`` the controller starts as a plain GRU on
``x``; freezing ``ρ`` at 0 cuts the read off. On MNIST-1D the read lowers accuracy (89.0 % with ρ learned,
93.5 % with ρ frozen at 0; trace off, seed 0; ``benchmarks/README.md``). The memory is the same in both
cores: the explicit matrix ``M``, the per-sample trace written by the Hebbian rule, the top-k read and the gain
α. With a code narrower than the controller (``C < H``) the parameter budget goes to the controller: the GRU's
input weights cost ``3 (D + C) H``, the memory ``K C``.

Differences from the reference ``tensorflow-engram`` ``EngramCell`` (see the research brief
``hebbian-enn.md`` §1.2–1.4): there, the trace is a batch mean without a batch axis (outputs depend on batch
composition), initial states and trace noise are random even at inference, "sparsity" is only a temperature
(softmax over all 64 slots, max weight ≤ 0.19), and the trace enters with a fixed scale 0.5 (≈ 2 % of the
memory). Here: per-sample trace, deterministic, true top-k, learned plasticity gain α (Miconi et al. 2018,
arXiv:1804.02464) and learned η.

Addressing ``"state"`` (``address="state"``, gru core only) keys the memory by the controller state instead of the
input, as the fast weights of Ba et al. 2016 ("Using Fast Weights to Attend to the Recent Past", arXiv:1610.06258)
do, and feeds the read to the controller through a LayerNorm and a learned per-unit sigmoid gate. The memory pass
then depends on ``h``, so read, controller step and write are interleaved step by step (σ logistic, ``C`` wide
unless stated):

    q_t   = W_q h_{t-1} + b_q                                        query from the previous state
    a_t   = top-k softmax of <q_t/|q_t|, E_t,i/|E_t,i|> / τ         E_t = M + α ⊙ 𝐇_{t-1} as above
    m_t   = Σ_i a_t,i E_t,i                                          retrieved memory
    γ_t   = σ(W_γ h_{t-1} + b_γ)                                     read gate per unit; b_γ = -2 at start (γ ≈ 0.12)
    h_t   = GRU([x_t; γ_t ⊙ LN(m_t)], h_{t-1})                       controller, equations above with u_t = [...]
    z_t   = LN(relu(W_e h_t + b_e))                                  write code of the new state
    𝐇_t   = Hebbian write of z_t with a_t (rule "ema" or "oja")      only the slots read at step t change

``hebbian=False`` keeps ``𝐇 = 0`` (a learned static top-k lookup of ``M`` keyed by the state). The default
``address="input"`` is the input-keyed cell above, unchanged. Measured (``benchmarks/README.md``): on
MNIST-1D the state-keyed read no longer costs accuracy (trace off 94.8 %, GRU 94.6 %, 3 seeds, 15 epochs) but
the trace did with keys moved by the writes (91.9 %; with static keys, below, it does not); associative recall
fails with state keys (37 % vs 99.8 % input-keyed), so ``"input"`` stays the default.

Gated read for input keys (``read="gate"``, gru core): the input-keyed memory pass is unchanged, and its read enters
the controller as in the state-keyed cell, ``h_t = GRU([x_t; γ_t ⊙ LN(m_t)], h_{t-1})`` with ``γ_t = σ(W_γ h_{t-1}
+ b_γ)`` (``b_γ = -2`` at start), instead of ``ρ ⊙ m_t`` (``read="gain"``, the default for input keys; the
state address always uses the gate). The controller then runs step by step (``nn.GRUCell``).

Write gate (``write_gate=True``): the Hebbian rate of each step is scaled by a learned scalar gate per sample, so
the cell learns when to write (a learned plasticity modulation, as the neuromodulated plasticity of Miconi et al.
2019, arXiv:2002.10585):

    w_t   = σ(w_w · s_t + b_w)                                       write gate, (B,); b_w = ``write_bias`` (-3)
    𝐇_t   = 𝐇_{t-1} + η w_t a_t ⊙ (z_t - 𝐇_{t-1})                  (rule "oja"; "ema": (1 - η w_t) 𝐇 + η w_t a ⊗ z)

with ``s_t = z_t`` (the input code) for ``address="input"``, which keeps the memory pass independent of ``h``, and
``s_t = h_t`` (the new state) for ``"state"``. With ``b_w = -3`` writing starts weak
(``w ≈ 0.05``): the cell starts close to its own ablation and opens the gate where writing lowers the loss.
``w_t = 0`` for every step is the ablation ``hebbian=False``; ``w_t = 1`` is the ungated rule. Measured
(``benchmarks/README.md``, 3 seeds): the gate opens to ~0.97 on associative recall (input keys, 99.7 %) and
stays near 0.1 on MNIST-1D (state keys); digits 96.7 % vs GRU 97.2 %.

Static keys (``static_keys=True``, any address): the slots are addressed by the learned matrix alone and the trace
changes only what is read, so writing never moves a slot away from the queries that find it:

    a_t   = top-k softmax of <q_t/|q_t|, M_i/|M_i|> / τ              (q_t = z_t or W_q h_{t-1} + b_q)
    m_t   = Σ_i a_t,i (M_i + α_i 𝐇_{t-1,i})

Measured on MNIST-1D (``benchmarks/README.md``, state keys, write gate, H = 52, C = 4, 45 epochs, 3 seeds):
96.4 +- 0.4 % against the GRU's 96.7 +- 0.3 % (-0.3 +- 0.7 points; ablation -0.0 +- 0.2); with plastic keys
the same cell was 2.8 points below the GRU (seed 0, 30 epochs).

Variants tried and removed (``benchmarks/README.md``, session 3; code at commit ``dc62985``): queries from
``[x_t; h_{t-1}]`` (``"joint"``), key/value slots and input codes written under state keys. None learned
associative recall, and the last two did not beat the state-keyed cell on MNIST-1D validation.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from neuroengram.errors import ConfigError

Rule = Literal["ema", "oja"]
Core = Literal["tanh", "gru"]
Address = Literal["input", "state"]
Read = Literal["gain", "gate"]


def topk_softmax(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Softmax over the ``k`` largest entries of the last axis; all other entries are exactly 0."""
    if k >= logits.shape[-1]:
        return torch.softmax(logits, dim=-1)
    values, index = logits.topk(k, dim=-1)
    return torch.zeros_like(logits).scatter(-1, index, torch.softmax(values, dim=-1))


def retrieve(
    z: torch.Tensor,
    memory: torch.Tensor,
    trace: torch.Tensor,
    gain: torch.Tensor,
    k: int,
    temperature: float,
    static_keys: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-k cosine retrieval from the effective memory ``M + gain ⊙ trace``.

    ``z`` (B, H), ``memory`` (K, H), ``trace`` (B, K, H), ``gain`` (K,). Returns ``(a, m)``: slot activations
    (B, K) with exactly ``min(k, K)`` non-zeros per row and the retrieved memory (B, H). With ``static_keys`` the
    slots are addressed by ``M`` alone (the trace changes what is read, not where).
    """
    effective = memory + gain[:, None] * trace
    query = F.normalize(z, dim=-1)
    if static_keys:
        logits = query @ F.normalize(memory, dim=-1).T / temperature
    else:
        logits = torch.einsum("bh,bkh->bk", query, F.normalize(effective, dim=-1)) / temperature
    attention = topk_softmax(logits, k)
    return attention, torch.einsum("bk,bkh->bh", attention, effective)


def hebbian_update(trace: torch.Tensor, attention: torch.Tensor, z: torch.Tensor, eta: torch.Tensor, rule: Rule):
    """One Hebbian write of code ``z`` (B, H) into ``trace`` (B, K, H) gated by slot activations (B, K).

    ``"ema"``: ``(1 - η) 𝐇 + η a ⊗ z`` (global decay, the reference rule); ``"oja"``: ``𝐇 + η a ⊙ (z - 𝐇)``
    (only active slots change, each moving towards ``z``; bounded by the inputs).
    """
    if rule == "ema":
        return (1.0 - eta) * trace + eta * attention[:, :, None] * z[:, None, :]
    return trace + eta * attention[:, :, None] * (z[:, None, :] - trace)


class Recording(NamedTuple):
    """Per-step state of a :class:`HebbianMemoryRNN` forward pass (sample-major)."""

    hidden: torch.Tensor
    """(B, T, H) hidden states ``h_t``."""
    attention: torch.Tensor
    """(B, T, K) slot activations ``a_t``."""
    trace: torch.Tensor
    """(B, T, K, C) Hebbian traces ``𝐇_t`` after each step's write."""


class HebbianMemoryCell(nn.Module):
    """The Hebbian memory RNN's recurrence over a sequence (module docstring): ``forward(x) -> (h, a, 𝐇)``.

    With ``address="input"`` the memory path (``z_t``, ``a_t``, ``m_t``, ``𝐇_t``) does not depend on ``h``, so it runs
    first as a loop over steps (vectorised over steps when the trace is off, since ``E_t = M`` then) and the
    controller runs after it over ``[z_t; m_t]`` (tanh core, loop) or ``[x_t; m_t]`` (gru core, one fused
    ``nn.GRU`` call). This ordering gives the same values as interleaving the two step by step. With
    ``address="state"`` read, controller step (``nn.GRUCell``) and write are interleaved (:meth:`state_pass`).

    Parameters
    ----------
    n_inputs: input width ``D``.
    hidden: hidden (controller) width ``H``.
    slots: memory slots ``K``.
    k: active slots per step (top-k).
    eta: initial Hebbian rate in (0, 1).
    learn_eta: train ``η`` by backprop (through ``sigmoid(η_logit)``).
    temperature: softmax temperature of the cosine logits.
    rule: ``"ema"`` or ``"oja"`` trace update.
    hebbian: ``False`` switches the Hebbian update off (ablation; ``𝐇`` stays 0).
    core: hidden-state update, ``"tanh"`` (one ``nn.Linear``) or ``"gru"`` (an ``nn.GRU`` over ``[x_t; ρ ⊙ m_t]``,
        gated; for long sequences; equations in the module docstring).
    code: width ``C`` of the input code, the memory slots and the trace (default: ``hidden``).
    address: ``"input"`` (keys and queries from the input code, the memory pass runs first) or ``"state"`` (queries
        from ``h_{t-1}``, writes of a code of ``h_t``, gated LayerNorm read; gru core only; module docstring).
    static_keys: address the slots by ``M`` alone, so the trace changes what is read but not where (module
        docstring); default ``False``: by ``M + α ⊙ 𝐇``.
    """

    def __init__(
        self,
        n_inputs: int,
        hidden: int = 64,
        slots: int = 16,
        k: int = 2,
        eta: float = 0.3,
        learn_eta: bool = True,
        temperature: float = 0.1,
        rule: Rule = "oja",
        hebbian: bool = True,
        core: Core = "tanh",
        code: int | None = None,
        address: Address = "input",
        write_gate: bool = False,
        write_bias: float = -3.0,
        read: Read | None = None,
        static_keys: bool = False,
    ) -> None:
        super().__init__()
        if not 1 <= k <= slots:
            raise ConfigError(f"k must be in [1, slots={slots}], got {k}", key="k", fix="use 1 <= k <= slots")
        if not 0.0 < eta < 1.0:
            raise ConfigError(f"eta must be in (0, 1), got {eta}", key="eta")
        if rule not in ("ema", "oja"):
            raise ConfigError(f"unknown rule {rule!r}", key="rule", fix="use 'ema' or 'oja'")
        if core not in ("tanh", "gru"):
            raise ConfigError(f"unknown core {core!r}", key="core", fix="use 'tanh' or 'gru'")
        if address not in ("input", "state"):
            raise ConfigError(f"unknown address {address!r}", key="address", fix="use 'input' or 'state'")
        if address != "input" and core != "gru":
            raise ConfigError(
                f"address={address!r} needs the gated controller",
                key="address",
                fix="use core='gru' or address='input'",
            )
        read = ("gain" if address == "input" else "gate") if read is None else read
        if read not in ("gain", "gate") or (read == "gain" and address != "input"):
            raise ConfigError(
                f"read={read!r} does not fit address={address!r}",
                key="read",
                fix="use read='gate' (either address, gru core) or read='gain' (address='input')",
            )
        code = hidden if code is None else code
        if code < 1:
            raise ConfigError(f"code width must be >= 1, got {code}", key="code", fix="use a positive width or None")
        self.k, self.temperature, self.rule, self.hebbian = k, temperature, rule, hebbian
        self.hidden, self.address, self.read, self.static_keys = hidden, address, read, static_keys
        self.encoder = nn.Linear(n_inputs if address == "input" else hidden, code)
        self.norm = nn.LayerNorm(code)
        self.memory = nn.Parameter(torch.randn(slots, code) / code**0.5)
        self.gain = nn.Parameter(torch.ones(slots))
        eta_logit = torch.logit(torch.tensor(float(eta)))
        if learn_eta:
            self.eta_logit = nn.Parameter(eta_logit)
        else:
            self.register_buffer("eta_logit", eta_logit)
        self.core = core
        self.recurrent: nn.Module
        if core == "tanh":
            self.recurrent = nn.Linear(2 * code + hidden, hidden)
        elif read == "gain":
            self.recurrent = nn.GRU(n_inputs + code, hidden, batch_first=True)
            self.read_gain = nn.Parameter(torch.zeros(code))
        else:
            self.recurrent = nn.GRUCell(n_inputs + code, hidden)
            if address == "state":
                self.query = nn.Linear(hidden, code)
            self.read_gate = nn.Linear(hidden, code)
            nn.init.constant_(self.read_gate.bias, -2.0)
            self.read_norm = nn.LayerNorm(code)
        self.write_gate: nn.Linear | None = None
        if write_gate:
            self.write_gate = nn.Linear(code if address == "input" else hidden, 1)
            nn.init.constant_(self.write_gate.bias, write_bias)

    @property
    def eta(self) -> torch.Tensor:
        return torch.sigmoid(self.eta_logit)

    def lookup(self, query: torch.Tensor, trace: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:func:`retrieve` with this cell's memory, gain, k, temperature and key mode: ``(a_t, m_t)``."""
        return retrieve(query, self.memory, trace, self.gain, self.k, self.temperature, self.static_keys)

    def write_rate(self, source: torch.Tensor) -> torch.Tensor:
        """Hebbian rate of one step: ``η``, or with the write gate ``η σ(w_w · s_t + b_w)`` per sample (B, 1, 1);
        ``source`` (B, ·) is ``s_t``: the input code ``z_t`` (``address="input"``) or the new state ``h_t``."""
        if self.write_gate is None:
            return self.eta
        return self.eta * torch.sigmoid(self.write_gate(source))[:, :, None]

    def gated_read(self, recalled: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """Read entering the controller with ``read="gate"``: ``σ(W_γ h_{t-1} + b_γ) ⊙ LN(m_t)`` (B, C)."""
        return torch.sigmoid(self.read_gate(h)) * self.read_norm(recalled)

    def write_gates(self, x: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        """Write gate ``σ(w_w · s_t + b_w)`` of every step (B, T) for inputs ``x`` (B, T, D) and the recorded hidden
        states (B, T, H) of the same pass; ones without a write gate."""
        if self.write_gate is None:
            return x.new_ones(x.shape[:2])
        source = self.norm(torch.relu(self.encoder(x))) if self.address == "input" else hidden
        return torch.sigmoid(self.write_gate(source))[..., 0]

    def memory_pass(
        self, x: torch.Tensor, record: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Codes ``z`` (B, T, C), activations ``a`` (B, T, K), reads ``m`` (B, T, C) and, if ``record``, traces
        ``𝐇_t`` after each step's write (B, T, K, C; zeros when the update is off)."""
        batch, steps, _ = x.shape
        slots, code = self.memory.shape
        z = self.norm(torch.relu(self.encoder(x)))
        if not self.hebbian:
            zero = self.memory.new_zeros(1, slots, code).expand(batch * steps, slots, code)
            attention, recalled = self.lookup(z.reshape(-1, code), zero)
            traces = self.memory.new_zeros(batch, steps, slots, code) if record else None
            return z, attention.reshape(batch, steps, slots), recalled.reshape(batch, steps, code), traces
        trace = self.memory.new_zeros(batch, slots, code)
        parts: list[tuple[torch.Tensor, ...]] = []
        for t in range(steps):
            attention, recalled = self.lookup(z[:, t], trace)
            trace = hebbian_update(trace, attention, z[:, t], self.write_rate(z[:, t]), self.rule)
            parts.append((attention, recalled, trace) if record else (attention, recalled))
        stacked = [torch.stack(part, dim=1) for part in zip(*parts, strict=True)]
        return z, stacked[0], stacked[1], stacked[2] if record else None

    def state_pass(
        self, x: torch.Tensor, record: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """``address="state"``: read keyed by ``h_{t-1}``, gated controller step, write of a code of ``h_t``,
        interleaved step by step. Returns ``h`` (B, T, H), ``a`` (B, T, K) and, if ``record``, ``𝐇`` (B, T, K, C)."""
        batch, steps, _ = x.shape
        slots, code = self.memory.shape
        h = x.new_zeros(batch, self.hidden)
        trace = self.memory.new_zeros(1, slots, code).expand(batch, slots, code)
        parts: list[tuple[torch.Tensor, ...]] = []
        for t in range(steps):
            attention, recalled = self.lookup(self.query(h), trace)
            h = self.recurrent(torch.cat([x[:, t], self.gated_read(recalled, h)], dim=-1), h)
            if self.hebbian:
                z = self.norm(torch.relu(self.encoder(h)))
                trace = hebbian_update(trace, attention, z, self.write_rate(h), self.rule)
            parts.append((h, attention, trace) if record else (h, attention))
        stacked = [torch.stack(part, dim=1) for part in zip(*parts, strict=True)]
        return stacked[0], stacked[1], stacked[2] if record else None

    def forward(self, x: torch.Tensor, record: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Hidden states ``h`` (B, T, H), slot activations ``a`` (B, T, K) and, if ``record``, traces (B, T, K, C)
        of ``x`` (B, T, D), from ``h_0 = 0`` and ``𝐇_0 = 0``."""
        if self.address != "input":
            return self.state_pass(x, record)
        z, attention, recalled, traces = self.memory_pass(x, record)
        if self.core == "gru" and self.read == "gain":
            return self.recurrent(torch.cat([x, self.read_gain * recalled], dim=-1))[0], attention, traces
        h = x.new_zeros(x.shape[0], self.hidden)
        hidden = []
        for t in range(x.shape[1]):
            if self.core == "gru":
                h = self.recurrent(torch.cat([x[:, t], self.gated_read(recalled[:, t], h)], dim=-1), h)
            else:
                h = torch.tanh(self.recurrent(torch.cat([z[:, t], recalled[:, t], h], dim=-1)))
            hidden.append(h)
        return torch.stack(hidden, dim=1), attention, traces


class HebbianMemoryRNN(nn.Module):
    """Sequence classifier: a :class:`HebbianMemoryCell` over time and a linear read-out of the last hidden state.

    ``forward(x)`` maps ``(B, T, D)`` to logits ``(B, n_outputs)``; ``forward(x, record=True)`` also returns a
    :class:`Recording` of every step. Cell keyword arguments are passed through.
    """

    def __init__(self, n_inputs: int, n_outputs: int, **cell_args: object) -> None:
        super().__init__()
        self.cell = HebbianMemoryCell(n_inputs, **cell_args)  # type: ignore[arg-type]
        self.head = nn.Linear(self.cell.hidden, n_outputs)

    def forward(self, x: torch.Tensor, record: bool = False) -> torch.Tensor | tuple[torch.Tensor, Recording]:
        hidden, attention, traces = self.cell(x, record)
        logits = self.head(hidden[:, -1])
        if not record:
            return logits
        assert traces is not None
        return logits, Recording(hidden, attention, traces)
