"""The estimator's algebra, numerics and error handling, checked by numbers."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from neuroengram.engram import EngramEstimator, collect_moments, linear_maps, relative_pinv
from neuroengram.engram.estimator import FLOAT32_EPS, composition_error, partition_error
from neuroengram.engram.statistics import for_each_fisher_pair
from neuroengram.errors import ConfigError, DataError


def test_relative_pinv_cut_is_the_same_in_float32_and_float64():
    vals = torch.tensor([1.0, 1e-2, 1e-4, 1e-9], dtype=torch.float64)
    q, _ = torch.linalg.qr(torch.randn(4, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
    sigma = q @ torch.diag(vals) @ q.T
    p64, p32 = relative_pinv(sigma), relative_pinv(sigma.float())
    expected = q[:, :3] @ torch.diag(1 / vals[:3]) @ q[:, :3].T  # 1e-9 < 4 * eps32: dropped in both dtypes
    assert torch.allclose(p64, expected, rtol=1e-6)
    assert torch.allclose(p32, expected, rtol=1e-2)
    assert relative_pinv(sigma, rcond=1e-12) @ q[:, 3] @ q[:, 3] == pytest.approx(1e9, rel=1e-6)


def test_single_layer_engram_of_everything_is_the_layer_on_its_inputs():
    """Target = reference: E = W̃ Π, so the engram reproduces the affine layer on every input it has seen."""
    gen = torch.Generator().manual_seed(1)
    layer = nn.Linear(6, 4).eval()
    x = torch.randn(50, 3, generator=gen) @ torch.randn(3, 6, generator=gen)  # rank-3 inputs
    est = EngramEstimator().fit(layer, [x], [x])
    iso = est.isolate(layer)
    assert torch.allclose(iso(x), layer(x), atol=1e-5)
    assert est.layer_criteria()[""]["reactivation"] == pytest.approx(1.0, abs=1e-6)
    assert torch.allclose(est.erase(layer)(x), torch.zeros(50, 4), atol=1e-5)  # bias removed too


def test_disjoint_halves_compose_and_partition(digits):
    split, model, reference = digits
    x, y = split.x_train, split.y_train
    parts = [EngramEstimator().fit(model, [x[y == c]], reference) for c in range(10)]
    union = EngramEstimator().fit(model, [x[y < 2]], reference)
    assert composition_error(union, parts[0], parts[1]) <= 1e-8
    assert composition_error(parts[0].compose(parts[1]), parts[0], parts[1]) == 0.0
    assert partition_error(parts) <= 1e-3
    with pytest.raises(DataError, match="not a partition"):
        partition_error(parts[:9])


def test_erase_returns_a_copy_and_never_touches_other_parameters(digits):
    split = digits[0]
    model = nn.Sequential(nn.Linear(64, 32), nn.LayerNorm(32), nn.ReLU(), nn.Linear(32, 10)).eval()
    before = copy.deepcopy(model.state_dict())
    x = split.x_train[:200]
    est = EngramEstimator().fit(model, [x[:40]], [x])
    erased = est.erase(model)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    changed = {k for k, v in erased.state_dict().items() if not torch.equal(before[k], v)}
    assert changed == {"0.weight", "0.bias", "3.weight", "3.bias"}  # LayerNorm untouched
    assert set(est.engram_parameters()) == changed


def test_parametrized_weights_are_written_exactly():
    from torch.nn.utils import parametrize

    class Abs(nn.Module):
        def forward(self, w):
            return w.abs()

    layer = nn.Linear(5, 3)
    parametrize.register_parametrization(layer, "weight", Abs())
    model = nn.Sequential(layer).eval()
    x = torch.randn(30, 5, generator=torch.Generator().manual_seed(2))
    est = EngramEstimator().fit(model, [x[:10]], [x])
    for _ in range(2):  # the caller's model keeps its constraint, and can be edited again
        erased = est.erase(model)
        edited = torch.cat([erased[0].weight, erased[0].bias[:, None]], dim=1).double()
        assert torch.allclose(edited, est.weights_["0"] - est.engrams_["0"], atol=1e-6)
        assert parametrize.is_parametrized(model[0]) and torch.all(model[0].weight >= 0)


@pytest.mark.parametrize("kind", [nn.RNN, nn.GRU, nn.LSTM])
def test_recurrent_maps_read_inputs_and_previous_states(kind):
    torch.manual_seed(3)
    rnn = kind(4, 5, batch_first=True).eval()
    x = torch.randn(2, 7, 4)
    moments = collect_moments(rnn, [x])
    out = rnn(x)[0].detach().double()
    prev = torch.cat([torch.zeros(2, 1, 5, dtype=torch.float64), out[:, :-1]], dim=1).reshape(-1, 5)
    prev = torch.cat([prev, torch.ones(14, 1, dtype=torch.float64)], dim=1)
    inputs = torch.cat([x.double().reshape(-1, 4), torch.ones(14, 1, dtype=torch.float64)], dim=1)
    assert torch.allclose(moments[".hh"].total, prev.T @ prev, atol=1e-10)
    assert torch.allclose(moments[".ih"].total, inputs.T @ inputs, atol=1e-10)
    assert moments[".hh"].count == 14


def test_cells_are_read_step_by_step():
    torch.manual_seed(4)
    cell = nn.GRUCell(3, 4).eval()
    x = torch.randn(6, 3)
    h = torch.randn(6, 4)

    class Wrap(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = cell

        def forward(self, x):
            return self.cell(x, h)

    moments = collect_moments(Wrap().eval(), [x])
    hh = torch.cat([h.double(), torch.ones(6, 1, dtype=torch.float64)], dim=1)
    assert torch.allclose(moments["cell.hh"].total, hh.T @ hh)
    assert moments["cell.ih"].count == 6


def _vec(m: torch.Tensor) -> torch.Tensor:
    return m.T.reshape(-1)  # column-major: kron(A, G) @ vec(M) = vec(G M Aᵀ)


def test_kfac_is_one_natural_gradient_step_under_the_eigenvalue_corrected_fisher():
    """vec E_kfac = F_r⁺ F_t vec W̃ with F = Q diag(s) Qᵀ, Q = U_A ⊗ U_G, s = diag(Qᵀ F_exact Q) from the dense
    per-sample Fisher Σ_x Σ_k x̃x̃ᵀ ⊗ g_k g_kᵀ (exact categorical Fisher of a 3-class model)."""
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3)).eval()
    x = torch.randn(200, 3)
    est = EngramEstimator(method="kfac", likelihood="categorical").fit(model, [x[:60]], [x])
    parts = [est, EngramEstimator(method="kfac").fit(model, [x[60:]], [x])]
    dense: dict[str, torch.Tensor] = {}

    def add(name, xr, g):
        dense[name] = dense.get(name, 0) + torch.einsum("na,nb,ng,nh->agbh", xr, xr, g, g).reshape(
            xr.shape[1] * g.shape[1], -1
        )

    for_each_fisher_pair(model, [x], est.maps_, add, likelihood="categorical", generator=torch.Generator())
    for name in ("0", "2"):
        q = torch.kron(est.input_basis_[name], est.output_basis_[name])
        s_r = torch.diagonal(q.T @ dense[name] @ q)
        assert torch.allclose(s_r, _vec(est.reference_curvature_[name]), rtol=1e-8, atol=1e-12)
        f_r = q @ torch.diag(_vec(est.reference_curvature_[name])) @ q.T
        f_t = q @ torch.diag(_vec(est.target_curvature_[name])) @ q.T
        step = torch.linalg.pinv(f_r, rtol=FLOAT32_EPS, hermitian=True) @ f_t @ _vec(est.weights_[name])
        assert torch.allclose(_vec(est.engrams_[name]), step, atol=1e-8 * float(step.abs().max()))
    assert composition_error(est.compose(parts[1]), *parts) == 0.0
    assert partition_error(parts) <= 1e-3  # Fisher norm; only components below the cut are lost
    # the input method is the same step with G = I: F = Σ_r ⊗ I
    plain = EngramEstimator().fit(model, [x[:60]], [x])
    a_r, a_t = plain.reference_moments_["0"].total, plain.target_moments_["0"].total
    step = torch.linalg.pinv(torch.kron(a_r, torch.eye(4, dtype=torch.float64)), rtol=1e-12)
    assert torch.allclose(_vec(plain.engrams_["0"]), step @ _vec(plain.weights_["0"] @ a_t), rtol=1e-6, atol=1e-9)


def test_bad_input_gives_clear_errors(digits):
    split, model, reference = digits
    x, y = split.x_train, split.y_train
    with pytest.raises(DataError, match="empty subset"):
        EngramEstimator().fit(model, [], [x])
    with pytest.raises(DataError, match="all zero"):
        EngramEstimator().fit(model, [torch.zeros(3, 64)], [torch.zeros(5, 64)])
    with pytest.raises(DataError, match="not contained"):
        EngramEstimator().fit(model, [x[y == 0]], [x[y == 1]])
    with pytest.raises(ConfigError, match="unknown method"):
        EngramEstimator(method="svd").fit(model, [x[:5]], reference)
    with pytest.raises(ConfigError, match="not fitted"):
        EngramEstimator().erase(model)
    training = copy.deepcopy(model).train()
    with pytest.raises(ConfigError, match="training mode"):
        EngramEstimator().fit(training, [x[:5]], [x])
    with pytest.raises(ConfigError, match="no supported linear map"):
        linear_maps(nn.Sequential(nn.ReLU()))
    with pytest.raises(ConfigError, match="num_layers=2"):
        linear_maps(nn.GRU(3, 4, num_layers=2))
    with pytest.raises(ConfigError, match="method='input'"):
        seq = torch.randn(5, 2, 3)
        EngramEstimator(method="kfac").fit(nn.RNN(3, 4).eval(), [seq], [seq])
    assert FLOAT32_EPS == torch.finfo(torch.float32).eps


@pytest.mark.parametrize("kind", [nn.RNN, nn.GRU, nn.LSTM, nn.GRUCell])
def test_recurrent_engram_of_everything_reproduces_the_network(kind):
    """Target = reference: every map becomes W̃ Π, so the isolated engram runs the same dynamics on the seen data,
    and full erasure (alpha = 1) silences the recurrent module."""
    torch.manual_seed(6)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = kind(3, 6)
            self.out = nn.Linear(6, 2)

        def forward(self, x):
            if isinstance(self.rnn, nn.GRUCell):
                h = torch.zeros(x.shape[1], 6)
                for step in x:
                    h = self.rnn(step, h)
                return self.out(h)
            return self.out(self.rnn(x)[0][-1])

    net = Net().eval()
    x = torch.randn(5, 40, 3)  # (steps, batch, features)
    est = EngramEstimator().fit(net, [x], [x])
    assert set(est.maps_) == {"rnn.ih", "rnn.hh", "out"}
    assert torch.allclose(est.isolate(net)(x), net(x), atol=1e-4)
    erased = est.erase(net)
    assert torch.allclose(erased.rnn.weight_ih if kind is nn.GRUCell else erased.rnn.weight_ih_l0,
                          torch.zeros_like(net.rnn.weight_ih if kind is nn.GRUCell else net.rnn.weight_ih_l0),
                          atol=1e-4)  # fmt: skip


def test_maps_restricts_fitting_and_editing_to_the_named_maps(digits):
    """Only the named map is fitted and edited; the others keep their weights, and the class engrams of the named map
    still partition it (the statistics of the other maps are not needed)."""
    split, model, _ = digits
    x, y = split.x_train, split.y_train
    names = list(linear_maps(model))
    est = EngramEstimator(maps=[names[-1]]).fit(model, [x[y == 3]], [x])
    assert list(est.maps_) == [names[-1]] and est.model_maps_ == tuple(names)
    before, after = model.state_dict(), est.erase(model).state_dict()
    changed = {k for k, v in after.items() if not torch.equal(before[k], v)}
    assert changed == {f"{names[-1]}.weight"} | ({f"{names[-1]}.bias"} if f"{names[-1]}.bias" in before else set())
    parts = [EngramEstimator(maps=[names[-1]]).fit(model, [x[y == c]], est.reference_moments_) for c in range(10)]
    assert partition_error(parts) <= 1e-3
    with pytest.raises(ConfigError, match="maps") as info:
        EngramEstimator(maps=["nope"]).fit(model, [x[:10]], [x])
    assert names[0] in info.value.fix
    with pytest.raises(ConfigError, match="maps"):
        EngramEstimator(maps=[]).fit(model, [x[:10]], [x])
