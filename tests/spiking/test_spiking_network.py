"""The recurrent E/I network and the stage's quickstart default, tested by measured properties."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from neuroengram.errors import ConfigError, StageError
from neuroengram.spiking import stage
from neuroengram.spiking.network import EIConfig, simulate_ei_network


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    """The stage run once with its default parameters (the quickstart setting), seed 3."""
    from neuroengram.stages import StageContext

    ctx = StageContext(stage="spiking", seed=3, point_dir=tmp_path_factory.mktemp("quickstart"))
    metrics = stage.run(stage.Params(), ctx)
    return ctx, metrics


def test_quickstart_rates_are_low_irregular_and_inhibition_faster(quickstart):
    _, metrics = quickstart
    assert 2.0 <= metrics["rate_exc_hz"] <= 20.0
    assert metrics["rate_inh_hz"] > metrics["rate_exc_hz"]  # interneurons fire faster (shorter tau_m, more input)
    assert 0.5 <= metrics["cv_isi"] <= 1.3  # irregular firing, near Poisson (CV 1)
    assert 0.3 <= metrics["fano_factor"] <= 2.0
    assert 0.1 <= metrics["balance_index"] <= 1.0  # recurrent inhibition cancels a real part of the excitation
    assert metrics["fraction_active"] >= 0.8


def test_quickstart_writes_shared_formats_with_dale_signs(quickstart):
    ctx, metrics = quickstart
    with np.load(ctx.out_dir / "activity.npz", allow_pickle=False) as act:
        rates, bin_ms, is_exc, labels = act["rates"], float(act["bin_ms"]), act["is_excitatory"], act["labels"]
    params = stage.Params()
    assert rates.shape == (round(params.duration_ms / params.bin_ms), params.n_exc + params.n_inh)
    assert bin_ms == params.bin_ms and is_exc.sum() == params.n_exc and labels.shape == (rates.shape[0],)
    assert rates[:, is_exc].mean() == pytest.approx(metrics["rate_exc_hz"], rel=1e-9)
    with np.load(ctx.out_dir / "weights.npz", allow_pickle=False) as w:
        pre, post, weight, n_neurons = w["pre"], w["post"], w["weight"], int(w["n_neurons"])
    assert n_neurons == is_exc.size and pre.size == metrics["n_synapses"]
    assert np.all(weight[is_exc[pre]] > 0) and np.all(weight[~is_exc[pre]] < 0)  # Dale's law
    assert not np.any(pre == post)
    assert (ctx.out_dir / "figures" / "raster.png").is_file()


def test_stimulated_cells_fire_more_in_their_epochs():
    result = simulate_ei_network(EIConfig(duration_ms=1000, epoch_ms=100), seed=5)
    on, off = [], []
    for k, pattern in enumerate(result.patterns):
        shown = result.labels == k
        if shown.any() and (~shown).any():
            on.append(result.rates[np.ix_(shown, pattern)].mean())
            off.append(result.rates[np.ix_(~shown, pattern)].mean())
    assert len(on) >= 2
    assert np.mean(on) > 1.5 * np.mean(off)


def test_same_seed_same_activity_other_seed_differs():
    config = EIConfig(duration_ms=300)
    first, again, other = (simulate_ei_network(config, seed) for seed in (11, 11, 12))
    assert np.array_equal(first.spike_index, again.spike_index)
    assert np.array_equal(first.spike_time_ms, again.spike_time_ms)
    assert not np.array_equal(first.rates, other.rates)


def test_bad_parameters_name_the_field():
    with pytest.raises(ValidationError, match="n_inh"):
        stage.Params(n_inh=0)  # no inhibitory population: Dale's law E/I split impossible
    with pytest.raises(ValidationError, match="rate_ext_hz"):
        stage.Params(rate_ext_hz=-5)
    with pytest.raises(ValidationError, match="grid_weight_jitters"):
        stage.Params(grid_weight_jitters=(0.1, -0.2))
    with pytest.raises(ValidationError, match="unknown_key"):
        stage.Params(unknown_key=1)
    with pytest.raises(ConfigError, match="duration_ms"):
        simulate_ei_network(EIConfig(duration_ms=10, bin_ms=20), seed=0)


def test_runaway_excitation_stops_with_stage_error():
    config = EIConfig(duration_ms=200, j_exc_mv=40.0, g_inh=0.0, p_connect=0.5)
    with pytest.raises(StageError, match="diverged"):
        simulate_ei_network(config, seed=0)


def test_connectivity_seed_fixes_the_wiring_and_leaves_the_noise_to_the_seed():
    """Same connectivity_seed, two seeds: one wiring, stimulus patterns and cue order, other spikes; without it
    the seed draws the wiring too (as before the field existed)."""
    config = EIConfig(duration_ms=200.0, epoch_ms=50.0, connectivity_seed=7)
    a, b = simulate_ei_network(config, 1), simulate_ei_network(config, 2)
    for key in ("pre", "post", "weight", "patterns", "labels"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    assert not np.array_equal(a.rates, b.rates)
    unseeded = EIConfig(duration_ms=200.0, epoch_ms=50.0)
    c, d = simulate_ei_network(unseeded, 1), simulate_ei_network(unseeded, 2)
    assert not np.array_equal(c.pre, d.pre)
