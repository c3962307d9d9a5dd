"""XOR and lateral-inhibition motifs: topology, truth table from spikes, batching, robustness grid."""

from __future__ import annotations

import numpy as np
import pytest

from neuroengram.errors import ConfigError
from neuroengram.spiking import stage
from neuroengram.spiking.motifs import (
    XORConfig,
    fully_correct_fraction,
    graph_weights,
    run_wta_trials,
    run_xor_trials,
    truth_table_cases,
    wta_graph,
    xor_graph,
    xor_index,
    xor_robustness,
)


def test_xor_graph_is_the_published_signed_topology():
    graph = xor_graph()
    excitatory = {(1, 2), (1, 6), (3, 4), (3, 6), (2, 5), (4, 5)}
    inhibitory = {(6, 2), (6, 4)}
    assert set(graph.nodes) == {1, 2, 3, 4, 5, 6}
    assert set(graph.edges) == excitatory | inhibitory
    assert all(graph.edges[e]["sign"] == 1 and graph.edges[e]["weight"] > 0 for e in excitatory)
    assert all(graph.edges[e]["sign"] == -1 and graph.edges[e]["weight"] < 0 for e in inhibitory)
    for node in graph:  # Dale's law: every out-edge carries the sign of its source cell
        signs = {graph.edges[node, target]["sign"] for target in graph.successors(node)}
        assert signs <= {1 if graph.nodes[node]["excitatory"] else -1}
    is_exc, pre, _, weight = graph_weights(graph)
    assert is_exc.sum() == 5 and pre.size == 8 and np.all((weight > 0) == is_exc[pre])


def test_wta_graph_shares_one_inhibitory_cell():
    graph = wta_graph(5)
    assert graph.number_of_nodes() == 6 and graph.number_of_edges() == 10
    assert [n for n in graph if not graph.nodes[n]["excitatory"]] == [5]
    assert all(graph.has_edge(k, 5) and graph.has_edge(5, k) for k in range(5))
    with pytest.raises(ConfigError, match="n_channels"):
        wta_graph(1)


@pytest.fixture(scope="module")
def truth_table():
    config = XORConfig(n_seeds=20)
    return config, run_xor_trials(truth_table_cases(config.n_seeds), config, seed=2026)


def test_xor_truth_table_from_spikes_under_poisson_noise(truth_table):
    config, trials = truth_table
    accuracy = trials.accuracy_per_case()
    assert set(accuracy) == {"00", "01", "10", "11"}
    for case, value in accuracy.items():  # each case correct in >= 19 of 20 noisy seeds
        assert value * config.n_seeds >= 19, (case, value)
    assert fully_correct_fraction(trials, config.n_seeds) >= 0.85
    assert xor_index(trials) >= 0.8
    # the mechanism, not only the output: the hub is recruited by two inputs, nearly silent for one
    hub = trials.rates_hz[:, 5]
    both = trials.cases.sum(axis=1) == 2
    one = trials.cases.sum(axis=1) == 1
    assert hub[both].mean() > 4 * hub[one].mean()


def test_same_seed_same_trials():
    config = XORConfig(n_seeds=3, trial_ms=100, settle_ms=40)
    first, again = (run_xor_trials(truth_table_cases(3), config, seed=9) for _ in range(2))
    assert np.array_equal(first.rates_hz, again.rates_hz)


def test_lateral_inhibition_sharpens_the_strongest_channel():
    inputs = np.array([[3000.0, 2600.0, 2300.0, 2000.0]] * 10)
    with_inh = run_wta_trials(inputs, seed=1)
    without = run_wta_trials(inputs, graph=wta_graph(4, w_inh_exc_mv=0.0), seed=1)

    def contrast(rates):  # winner's rate over the mean of the others
        mean = rates[:, :4].mean(axis=0)
        return mean[0] / mean[1:].mean()

    assert with_inh[:, :4].mean(axis=0).argmax() == 0
    assert contrast(with_inh) > 2 * contrast(without)


def test_robustness_grid_is_laid_out_point_by_point():
    config = XORConfig(n_seeds=5)
    grid = xor_robustness(config, (0.0, 3000.0), (200.0,), (0.0,), seed=3)
    assert grid.accuracy.shape == (1, 2, 1) and grid.accuracy_per_case.shape == (4, 1, 2, 1)
    # no input: 00 and 11 are silent (correct), 01 and 10 silent (wrong) -> exactly one half
    assert grid.accuracy[0, 0, 0] == 0.5
    assert np.array_equal(grid.accuracy_per_case[:, 0, 0, 0], [1.0, 0.0, 0.0, 1.0])
    assert grid.accuracy[0, 1, 0] >= 0.95


def test_bad_xor_input_names_the_field():
    config = XORConfig(n_seeds=1)
    with pytest.raises(ConfigError, match="cases"):
        run_xor_trials(np.array([[0, 2]]), config, seed=0)
    with pytest.raises(ConfigError, match="settle_ms"):
        run_xor_trials(truth_table_cases(1), XORConfig(trial_ms=50, settle_ms=60), seed=0)
    with pytest.raises(ConfigError, match="input_rate_hz"):
        run_xor_trials(truth_table_cases(1), config, seed=0, input_rate_hz=-1.0)


def test_stage_xor_task_writes_truth_table(make_ctx):
    ctx = make_ctx(seed=7)
    metrics = stage.run(stage.Params(task="xor", n_seeds=4, trial_ms=150), ctx)
    assert metrics["task"] == "xor" and metrics["accuracy_01"] == 1.0 and metrics["accuracy_11"] == 1.0
    with np.load(ctx.out_dir / "activity.npz", allow_pickle=False) as act:
        assert act["rates"].shape == (16, 6) and np.array_equal(act["labels"], np.repeat(np.arange(4), 4))
    with np.load(ctx.out_dir / "weights.npz", allow_pickle=False) as w:
        assert int(w["n_neurons"]) == 6 and (w["weight"] < 0).sum() == 2
    assert (ctx.out_dir / "figures" / "truth_table.png").is_file()


def test_stage_xor_robustness_task_writes_heatmap(make_ctx):
    ctx = make_ctx(seed=5)
    params = stage.Params(
        task="xor_robustness",
        n_seeds=3,
        trial_ms=150,
        grid_input_rates_hz=(3000.0,),
        grid_noise_rates_hz=(0.0, 200.0),
        grid_weight_jitters=(0.0,),
    )
    metrics = stage.run(params, ctx)
    with np.load(ctx.out_dir / "robustness.npz", allow_pickle=False) as data:
        assert data["accuracy"].shape == (1, 1, 2) and data["accuracy_per_case"].shape == (4, 1, 1, 2)
        assert metrics["accuracy_min"] == pytest.approx(data["accuracy"].min())
    assert metrics["n_trials"] == 2 * 4 * 3 and metrics["accuracy_min"] >= 0.75
    assert (ctx.out_dir / "figures" / "robustness.png").is_file()
