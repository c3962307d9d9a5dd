"""The connectome-constrained Brian2 network: sensory drive propagates through the wiring; gap junctions couple."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from neuroengram.connectome import load_connectome, stage
from neuroengram.connectome.simulation import SimConfig, chemical_weights, fill_unknown_signs, simulate_connectome
from neuroengram.stages import StageContext


@pytest.fixture(scope="module")
def worm() -> tuple[nx.DiGraph, nx.DiGraph]:
    chemical = load_connectome("varshney2011", sign="fenyves2020")
    assert fill_unknown_signs(chemical, load_connectome("varshney2011", sign="transmitter")) == 880  # of 1195 unknown
    return chemical, load_connectome("varshney2011", "gap")


@pytest.mark.slow
def test_drive_propagates_through_the_wiring_only(worm) -> None:
    chemical, gap = worm
    config = SimConfig(duration_ms=400, epoch_ms=100)
    wired = simulate_connectome(chemical, gap, config, seed=3)
    cut = simulate_connectome(chemical, None, SimConfig(duration_ms=400, epoch_ms=100, j_chem_mv=0.0), seed=3)
    downstream = ~wired.is_sensory
    assert wired.rates.shape == (20, 279) and wired.labels.shape == (20,)
    # stimulated sensory neurons fire, unstimulated ones (noise 2 mV, threshold 15 mV above rest) barely
    driven = wired.patterns[wired.labels]
    assert wired.rates[driven].mean() > 20 * max(wired.rates[~driven & wired.is_sensory].mean(), 0.1)
    # downstream neurons fire only through the synapses
    assert (wired.rates[:, downstream].sum(axis=0) > 0).sum() >= 5
    assert cut.rates[:, downstream].sum() == 0
    # inhibitory synapses (Fenyves '-') are present and scaled
    *_, weight = chemical_weights(chemical, config.j_chem_mv, config.g_inh)
    assert (weight < 0).sum() > 200 and weight.min() <= -config.g_inh * config.j_chem_mv


def test_gap_junction_depolarises_a_coupled_neuron() -> None:
    G = nx.DiGraph()
    G.add_node("S", cell_class="sensory")
    G.add_node("I", cell_class="interneuron")
    gap = nx.DiGraph()
    gap.add_edge("S", "I", weight=1)
    gap.add_edge("I", "S", weight=1)
    config = SimConfig(duration_ms=200, epoch_ms=200, n_patterns=1, g_gap=0.5, noise_mv=0.0, drive_mv=10.0)
    coupled = simulate_connectome(G, gap, config, seed=0)
    alone = simulate_connectome(G, None, config, seed=0)
    # steady state of x = v - E_L with drive d = 10 mV and coupling g = 0.5 (below threshold, no spikes):
    # x_I = g / (1 + g) x_S and x_S = d - g (x_S - x_I)  =>  x_S = d (1 + g) / (1 + 2 g) = 7.5 mV, x_I = 2.5 mV
    assert alone.v_mean_mv[1] == pytest.approx(-65, abs=0.5)
    assert coupled.v_mean_mv[0] + 65 == pytest.approx(7.5, rel=0.1)
    assert coupled.v_mean_mv[1] - alone.v_mean_mv[1] == pytest.approx(2.5, rel=0.15)


@pytest.mark.slow
def test_stage_writes_activity_in_the_shared_format(tmp_path: Path) -> None:
    params = stage.Params(
        n_null=3, four_node=False, nulls=("degree",), sign="fenyves2020", simulate=True, sim_duration_ms=600
    )
    metrics = stage.run(params, StageContext("connectome", seed=2, point_dir=tmp_path))
    with np.load(tmp_path / "connectome" / "activity.npz", allow_pickle=False) as activity:
        assert activity["rates"].shape == (30, 279) and float(activity["bin_ms"]) == 20.0
        assert activity["is_excitatory"].dtype == bool and activity["labels"].shape == (30,)
        assert np.isfinite(activity["rates"]).all() and activity["rates"].min() >= 0
    assert metrics["sim_n_chemical"] > 1800 and metrics["sim_n_gap_pairs"] == 514
    assert 0 < metrics["sim_downstream_rate_hz"] < 200
    assert (tmp_path / "connectome" / "figures" / "activity.png").is_file()
