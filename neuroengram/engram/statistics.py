"""Linear maps of a model and their uncentred input second moments, collected with forward hooks.

Every weight matrix the engram estimator edits is a *linear map* ``z = W̃ x̃`` with the bias absorbed as a constant
input: ``x̃ = [x; 1]`` and ``W̃ = [W | b]`` (shape ``(out, D)``, ``D = in + 1`` when the layer has a bias, ``in``
otherwise). Supported maps:

- ``nn.Linear`` (also with a ``torch.nn.utils.parametrize`` parametrization of ``weight``, e.g. Dale's law; also
  when one module is called once per time step as the hidden-to-hidden map of a hand-written recurrent network);
- ``nn.RNNCell`` / ``nn.GRUCell`` / ``nn.LSTMCell``: the input-to-hidden map (``weight_ih``, ``bias_ih``, input
  ``x_t``) and the hidden-to-hidden map (``weight_hh``, ``bias_hh``, input ``h_{t-1}``);
- ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` with one unidirectional layer (the same two maps; ``h_{t-1}`` is read
  from the module's output sequence shifted by one step, ``h_0`` from ``hx`` or zeros).

For a set of inputs ``S`` (a batch iterable) the statistic of a map is the **uncentred sum** (not the mean)

    Σ(S) = Σ_{x ∈ S} x̃ x̃ᵀ      (D, D), accumulated in float64,  with the row count n(S),

where every call of the map on every sample (every time step of a recurrent map) contributes one row ``x̃``. Sums
(rather than means) make the engram of §estimator carry the subset's share ``n/N`` by itself, so ``alpha = 1``
keeps its meaning, and they add: the statistic of a union of disjoint sets is the sum of their statistics.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn.utils import parametrize

from neuroengram.errors import ConfigError, DataError

Batch = Any
"""A batch: a tensor of model inputs, or a tuple/list whose first element is the model input."""

_CELLS = (nn.RNNCell, nn.GRUCell, nn.LSTMCell)
_RNNS = (nn.RNN, nn.GRU, nn.LSTM)


@dataclass(frozen=True)
class LinearMap:
    """One editable linear map: ``W̃ = [module.<weight> | module.<bias>]`` of shape ``(out, D)``.

    ``name`` is the map's key (``"net.0"`` for an ``nn.Linear``, ``"rnn.ih"`` / ``"rnn.hh"`` for a recurrent
    module's input-to-hidden / hidden-to-hidden maps); ``module`` the dotted module path in the model.
    """

    name: str
    module: str
    weight: str
    bias: str | None

    def matrix(self, model: nn.Module) -> torch.Tensor:
        """``W̃`` as float64, shape ``(out, D)``."""
        mod = model.get_submodule(self.module)
        weight = getattr(mod, self.weight).detach().to(torch.float64)
        if self.bias is None:
            return weight
        return torch.cat([weight, getattr(mod, self.bias).detach().to(torch.float64)[:, None]], dim=1)

    def assign(self, model: nn.Module, matrix: torch.Tensor) -> None:
        """Write ``W̃`` into ``model`` (in place). A parametrized ``nn.Linear`` (e.g. a sign constraint) is replaced by
        a plain ``nn.Linear``, so the written values are exactly the edited ones (an edit may break the constraint).
        ``parametrize.remove_parametrizations`` is not used: it edits the class shared with deep copies."""
        mod = model.get_submodule(self.module)
        if parametrize.is_parametrized(mod, self.weight):
            if not isinstance(mod, nn.Linear) or not self.module:
                raise ConfigError(
                    f"cannot edit the parametrized {self.weight!r} of {type(mod).__name__} {self.module!r}",
                    key="model",
                    fix="use parametrized weights only on nn.Linear submodules of a container",
                )
            plain = nn.Linear(mod.in_features, mod.out_features, bias=mod.bias is not None, dtype=mod.weight.dtype)
            if mod.bias is not None:
                plain.bias = mod.bias
            parent, _, child = self.module.rpartition(".")
            setattr(model.get_submodule(parent), child, plain)
            mod = plain
        weight = getattr(mod, self.weight)
        n_in = weight.shape[1]
        with torch.no_grad():
            weight.copy_(matrix[:, :n_in].to(weight.dtype))
            if self.bias is not None:
                getattr(mod, self.bias).copy_(matrix[:, n_in].to(weight.dtype))


@dataclass
class Moments:
    """Uncentred sum of outer products ``total`` (D, D) float64 over ``count`` rows."""

    total: torch.Tensor
    count: int

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.total + other.total, self.count + other.count)


def linear_maps(model: nn.Module) -> dict[str, LinearMap]:
    """All supported linear maps of ``model``, in module order.

    Raises :class:`ConfigError` for recurrent modules the estimator cannot read (several layers, bidirectional,
    projections) and when the model has no linear map at all.
    """
    maps: dict[str, LinearMap] = {}
    for path, mod in model.named_modules():
        if isinstance(mod, nn.Linear):
            maps[path] = LinearMap(path, path, "weight", "bias" if mod.bias is not None else None)
        elif isinstance(mod, _CELLS):
            for part in ("ih", "hh"):
                bias = f"bias_{part}" if mod.bias else None
                maps[f"{path}.{part}"] = LinearMap(f"{path}.{part}", path, f"weight_{part}", bias)
        elif isinstance(mod, _RNNS):
            if mod.num_layers != 1 or mod.bidirectional or getattr(mod, "proj_size", 0):
                raise ConfigError(
                    f"module {path!r} ({type(mod).__name__}) has num_layers={mod.num_layers}, "
                    f"bidirectional={mod.bidirectional}; only one unidirectional layer without projection is read",
                    key="model",
                    fix="stack single-layer recurrent modules (or cells) instead",
                )
            for part in ("ih", "hh"):
                bias = f"bias_{part}_l0" if mod.bias else None
                maps[f"{path}.{part}"] = LinearMap(f"{path}.{part}", path, f"weight_{part}_l0", bias)
    if not maps:
        raise ConfigError(
            f"{type(model).__name__} has no supported linear map",
            key="model",
            fix="use nn.Linear, nn.RNN/GRU/LSTM (one layer) or their cells",
        )
    return maps


def model_input(batch: Batch) -> torch.Tensor:
    """The model input of a batch: the batch itself, or its first element for a tuple/list."""
    return batch[0] if isinstance(batch, list | tuple) else batch


def _augment(x: torch.Tensor, with_bias: bool) -> torch.Tensor:
    x = x.detach().to(torch.float64)
    if with_bias:
        x = torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)], dim=1)
    return x


def _rnn_rows(mod: nn.RNNBase, args: tuple, kwargs: dict, output: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Input rows ``x_t`` and previous-state rows ``h_{t-1}`` of a one-layer recurrent module's call."""
    x = args[0]
    if isinstance(x, nn.utils.rnn.PackedSequence):
        raise DataError("packed sequences are not supported", key="batches", fix="pass padded tensors")
    hx = args[1] if len(args) > 1 else kwargs.get("hx")
    if isinstance(hx, tuple):  # LSTM (h_0, c_0)
        hx = hx[0]
    seq = output[0]
    if x.dim() == 2:  # unbatched (T, in)
        x, seq = x[:, None], seq[:, None]
        hx = None if hx is None else hx[:, None]
    elif mod.batch_first:
        x, seq = x.transpose(0, 1), seq.transpose(0, 1)
    # (T, B, .) from here on
    h0 = torch.zeros_like(seq[:1]) if hx is None else hx[-1:].to(seq.dtype)
    prev = torch.cat([h0, seq[:-1]], dim=0)
    return x.reshape(-1, x.shape[-1]), prev.reshape(-1, prev.shape[-1])


@contextmanager
def _input_hooks(model: nn.Module, maps: dict[str, LinearMap], sink: Callable[[str, torch.Tensor], None]) -> Iterator:
    """Call ``sink(map_name, rows)`` with the augmented input rows of every map on every forward call."""
    handles = []
    modules = {m.module: model.get_submodule(m.module) for m in maps.values()}
    by_module: dict[str, list[LinearMap]] = {}
    for m in maps.values():
        by_module.setdefault(m.module, []).append(m)
    for path, mod in modules.items():
        parts = {m.name.rsplit(".", 1)[-1]: m for m in by_module[path]}  # "ih"/"hh" for recurrent modules
        if isinstance(mod, nn.Linear):
            lin = by_module[path][0]

            def pre(mod: nn.Module, args: tuple, lin: LinearMap = lin) -> None:
                x = args[0].reshape(-1, mod.in_features)
                sink(lin.name, _augment(x, lin.bias is not None))

            handles.append(mod.register_forward_pre_hook(pre))
        elif isinstance(mod, _CELLS):

            def cell_pre(mod: nn.Module, args: tuple, kwargs: dict, parts: dict = parts) -> None:
                x = args[0]
                hx = args[1] if len(args) > 1 else kwargs.get("hx")
                if isinstance(hx, tuple):
                    hx = hx[0]
                x = x.reshape(-1, mod.input_size)
                h = torch.zeros(x.shape[0], mod.hidden_size, dtype=x.dtype) if hx is None else hx
                for part, rows in (("ih", x), ("hh", h.reshape(-1, mod.hidden_size))):
                    sink(parts[part].name, _augment(rows, parts[part].bias is not None))

            handles.append(mod.register_forward_pre_hook(cell_pre, with_kwargs=True))
        else:

            def rnn_post(mod: nn.Module, args: tuple, kwargs: dict, output: Any, parts: dict = parts) -> None:
                for part, rows in zip(("ih", "hh"), _rnn_rows(mod, args, kwargs, output), strict=True):
                    sink(parts[part].name, _augment(rows, parts[part].bias is not None))

            handles.append(mod.register_forward_hook(rnn_post, with_kwargs=True))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def check_eval_mode(model: nn.Module) -> None:
    """Raise :class:`ConfigError` if ``model`` (or a submodule) is in training mode."""
    if any(mod.training for mod in model.modules()):
        raise ConfigError(
            "the model is in training mode (dropout and batch-norm statistics would change the moments)",
            key="model",
            fix="call model.eval() first",
        )


def collect_moments(
    model: nn.Module, batches: Iterable[Batch], maps: dict[str, LinearMap] | None = None, *, key: str = "batches"
) -> dict[str, Moments]:
    """Uncentred input moments ``Σ = Σ x̃ x̃ᵀ`` (float64 sums) and row counts of every linear map over ``batches``.

    The model must be in eval mode; it is run under ``torch.no_grad``. Raises :class:`DataError` (naming ``key``)
    when the batches are empty.
    """
    check_eval_mode(model)
    maps = linear_maps(model) if maps is None else maps
    stats: dict[str, Moments] = {}

    def sink(name: str, rows: torch.Tensor) -> None:
        update = Moments(rows.T @ rows, rows.shape[0])
        stats[name] = stats[name] + update if name in stats else update

    with _input_hooks(model, maps, sink), torch.no_grad():
        for batch in batches:
            model(model_input(batch))
    missing = [name for name in maps if name not in stats or stats[name].count == 0]
    if missing:
        raise DataError(
            f"no rows reached the linear maps {missing} (empty subset?)",
            key=key,
            fix="pass at least one non-empty batch that runs through every layer",
        )
    return stats


EXACT_FISHER_MAX_OUTPUTS = 64
"""Per-sample output Fisher factored exactly (one backward pass per output unit) up to this many outputs per sample;
beyond it, ``mc_samples`` Monte-Carlo draws."""


def fisher_cotangents(
    output: torch.Tensor, likelihood: str, generator: torch.Generator, mc_samples: int
) -> list[torch.Tensor]:
    """Cotangents ``v_k`` (shape of ``output``) with ``Σ_k v_k v_kᵀ = F(x)``, the per-sample Fisher at the output.

    ``F(x) = E_{y~p(y|x)}[∇_f log p ∇_f log pᵀ]``: ``categorical`` (logits over the last axis)
    ``diag(p) − ppᵀ = Σ_k p_k (p − e_k)(p − e_k)ᵀ``; ``bernoulli`` (logits) ``diag(σ(1 − σ))``; ``gaussian`` (mean,
    unit variance) ``I``. Exact with one cotangent per output unit when a sample has at most
    ``EXACT_FISHER_MAX_OUTPUTS`` outputs, else ``mc_samples`` draws ``v = ∇_f log p(y|x)/√mc_samples`` with ``y`` from
    the model (an unbiased estimate).
    """
    out = output.detach().to(torch.float64)
    per_sample = out[0].numel() if out.dim() > 0 and len(out) else 0
    if likelihood == "categorical":
        prob = torch.softmax(out, dim=-1)
        n_class = out.shape[-1]
        if per_sample <= EXACT_FISHER_MAX_OUTPUTS:
            eye = torch.eye(n_class, dtype=out.dtype)
            return [(prob[..., k : k + 1].sqrt() * (prob - eye[k])).to(output.dtype) for k in range(n_class)]
        flat = prob.reshape(-1, n_class)
        draws = [torch.multinomial(flat, 1, generator=generator)[:, 0] for _ in range(mc_samples)]
        hot = [nn.functional.one_hot(d, n_class).reshape(prob.shape).to(out.dtype) for d in draws]
        return [((prob - h) / mc_samples**0.5).to(output.dtype) for h in hot]
    if likelihood == "bernoulli":
        scale = (torch.sigmoid(out) * (1 - torch.sigmoid(out))).sqrt()
    else:
        scale = torch.ones_like(out)
    if per_sample <= EXACT_FISHER_MAX_OUTPUTS:
        units = torch.eye(per_sample, dtype=out.dtype).reshape(per_sample, *out.shape[1:])
        return [(scale * unit).to(output.dtype) for unit in units]
    noise = [torch.randn(out.shape, generator=generator, dtype=out.dtype) for _ in range(mc_samples)]
    return [(scale * eps / mc_samples**0.5).to(output.dtype) for eps in noise]


def for_each_fisher_pair(
    model: nn.Module,
    batches: Iterable[Batch],
    maps: dict[str, LinearMap],
    sink: Callable[[str, torch.Tensor, torch.Tensor], None],
    *,
    likelihood: str,
    generator: torch.Generator,
    mc_samples: int = 1,
    key: str = "batches",
) -> None:
    """Call ``sink(map_name, x_rows, g_rows)`` for every ``nn.Linear`` call and every Fisher cotangent.

    ``x_rows`` (n, D) are the map's augmented inputs and ``g_rows`` (n, out) the gradients at its output of
    ``<v_k, f(x)>`` (:func:`fisher_cotangents`), row for row, so ``Σ_k Σ x̃x̃ᵀ ⊗ g gᵀ`` is the per-sample Fisher of
    the map's weights. Gradients come from :func:`torch.autograd.grad` with respect to the input only, so the
    caller's parameter ``.grad`` stay untouched. A model returning a tuple is read through its first element.
    """
    check_eval_mode(model)
    unsupported = [m.name for m in maps.values() if not isinstance(model.get_submodule(m.module), nn.Linear)]
    if unsupported:
        raise ConfigError(
            f"method='kfac' needs per-map output gradients, available only for nn.Linear maps, not {unsupported}",
            key="method",
            fix="use method='input' for models with recurrent modules or cells",
        )
    inputs: dict[tuple[str, int], torch.Tensor] = {}  # (map, call index) -> input rows of this forward pass
    grads: dict[tuple[str, int], torch.Tensor] = {}
    handles = []

    def post(mod: nn.Module, args: tuple, output: torch.Tensor, lin: LinearMap) -> None:
        call = (lin.name, sum(1 for name, _ in inputs if name == lin.name))
        inputs[call] = _augment(args[0].reshape(-1, mod.in_features), lin.bias is not None)

        def grad_hook(grad: torch.Tensor) -> None:
            grads[call] = grad.detach().reshape(-1, grad.shape[-1]).to(torch.float64)

        output.register_hook(grad_hook)

    for m in maps.values():
        hook = functools.partial(post, lin=m)
        handles.append(model.get_submodule(m.module).register_forward_hook(lambda mod, a, o, h=hook: h(mod, a, o)))
    seen = False
    try:
        for batch in batches:
            x = model_input(batch)
            if not torch.is_floating_point(x):
                raise DataError("method='kfac' needs float model inputs", key=key, fix="use method='input'")
            inputs.clear()
            with torch.enable_grad():
                xg = x.detach().clone().requires_grad_(True)
                output = model(xg)
                output = output[0] if isinstance(output, tuple | list) else output
                for v in fisher_cotangents(output, likelihood, generator, mc_samples):
                    grads.clear()
                    torch.autograd.grad(output, [xg], grad_outputs=v, retain_graph=True)
                    for call, x_rows in inputs.items():
                        if call in grads:  # a call whose output does not reach the model output has no gradient
                            sink(call[0], x_rows, grads[call])
                            seen = True
    finally:
        for handle in handles:
            handle.remove()
    if not seen:
        raise DataError("no output gradients were collected (empty subset?)", key=key, fix="pass non-empty batches")
