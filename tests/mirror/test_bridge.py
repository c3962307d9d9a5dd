"""Brian2 <-> PyTorch bridge: weights keep neuron order and signs both ways; rates are filtered spike counts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neuroengram.errors import DataError
from neuroengram.mirror.bridge import filtered_rates, rate_network_from_synapses, synapses_from_rate_network
from neuroengram.mirror.dale import dale_violations


def _random_synapses(rng: np.random.Generator, n: int = 30) -> tuple[np.ndarray, ...]:
    """Erdos-Renyi synapses, inhibitory cells interleaved (not E-first), signed weights in mV."""
    is_exc = rng.random(n) < 0.8
    mask = (rng.random((n, n)) < 0.2) & ~np.eye(n, dtype=bool)
    pre, post = np.nonzero(mask)
    weight = np.where(is_exc[pre], 1.0, -5.0) * rng.uniform(0.5, 2.0, size=pre.size)
    return pre, post, weight, is_exc


def test_weights_round_trip_with_order_and_signs() -> None:
    pre, post, weight, is_exc = _random_synapses(np.random.default_rng(0))
    net = rate_network_from_synapses(pre, post, weight, is_exc, scale=0.1)
    assert dale_violations(net.recurrent.weight, net.signs) == 0
    np.testing.assert_array_equal(net.signs.numpy() > 0, is_exc)
    assert net.recurrent.weight[post[0], pre[0]].item() == pytest.approx(0.1 * weight[0], rel=1e-6)
    back_pre, back_post, back_weight, back_exc = synapses_from_rate_network(net, scale=0.1)
    order = np.lexsort((post, pre))
    np.testing.assert_array_equal(back_pre, pre[order])
    np.testing.assert_array_equal(back_post, post[order])
    np.testing.assert_allclose(back_weight, weight[order], rtol=1e-6)
    np.testing.assert_array_equal(back_exc, is_exc)


def test_trained_mirror_weights_stay_dale_for_brian2() -> None:
    pre, post, weight, is_exc = _random_synapses(np.random.default_rng(1))
    net = rate_network_from_synapses(pre, post, weight, is_exc, scale=0.05)
    optimiser = torch.optim.Adam(net.parameters(), lr=0.05)
    target = torch.rand(8, 5, 30)
    for _ in range(5):
        optimiser.zero_grad()
        ((net(torch.rand(8, 5, 1)) - target) ** 2).mean().backward()
        optimiser.step()
    back_pre, _, back_weight, back_exc = synapses_from_rate_network(net, scale=0.05)
    # Every exported synapse has the sign of its presynaptic cell, as Brian2's E and I Synapses objects require.
    assert np.all(np.where(back_exc[back_pre], back_weight >= 0, back_weight <= 0))


def test_synapses_breaking_dale_are_rejected() -> None:
    with pytest.raises(DataError, match=r"1 synapses break Dale's law, e\.g\. 0 -> 1 .*fix:"):
        rate_network_from_synapses(np.array([0]), np.array([1]), np.array([-1.0]), np.array([True, False]))


def test_filtered_rate_of_a_poisson_train_matches_its_rate() -> None:
    rng = np.random.default_rng(0)
    times = np.sort(rng.uniform(0, 20000.0, size=400))  # 20 Hz for 20 s
    rates = filtered_rates(np.zeros(400, dtype=int), times, 1, 20000.0, bin_ms=10.0, tau_ms=20.0)
    assert rates.shape == (2000, 1)
    assert rates[100:].mean() == pytest.approx(20.0, rel=0.1)
    # One spike contributes an integral of one spike: sum(rate * dt) = 1.
    single = filtered_rates(np.array([0]), np.array([5.0]), 1, 2000.0, bin_ms=1.0, tau_ms=20.0)
    assert single.sum() * 1e-3 == pytest.approx(1.0, rel=0.03)


def test_weights_round_trip_through_a_brian2_circuit() -> None:
    spiking = pytest.importorskip("neuroengram.spiking.model", reason="needs the spiking stage (merged tree)")
    spiking.set_target("numpy")
    pre, post, weight, is_exc = _random_synapses(np.random.default_rng(2))
    mirror = rate_network_from_synapses(pre, post, weight, is_exc)
    out_pre, out_post, out_weight, out_exc = synapses_from_rate_network(mirror)
    circuit = spiking.build_circuit(
        is_excitatory=out_exc,
        tau_m_ms=np.full(out_exc.size, 20.0),
        ref_ms=2.0,
        pre=out_pre,
        post=out_post,
        weight_mv=np.abs(out_weight),
        delay_ms=1.5,
        constants=spiking.CellConstants(),
        name="mirror_bridge",
    )
    from brian2 import ms

    circuit.network.run(2 * ms)  # the exported circuit runs
    assert np.isfinite(np.asarray(circuit.cells.v[:])).all()
    # Brian2's signed weights (mV) load back into the same rate network: same neuron order, signs and values.
    back = rate_network_from_synapses(*circuit.signed_weights(), circuit.is_excitatory)
    torch.testing.assert_close(back.recurrent.weight, mirror.recurrent.weight)
    assert torch.equal(back.signs, mirror.signs)
