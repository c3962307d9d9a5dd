"""The Hebbian memory RNN: per-sample trace, true top-k, learnable gain, determinism, ablation, recording."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neuroengram.errors import ConfigError
from neuroengram.mirror.figures import trace_heatmap
from neuroengram.mirror.hebbian import HebbianMemoryRNN, hebbian_update, retrieve, topk_softmax
from neuroengram.mirror.tasks import associative_recall


@pytest.fixture(scope="module")
def recall_batch() -> torch.Tensor:
    x, _ = associative_recall(6, n_pairs=3, n_keys=5, n_values=4, rng=np.random.default_rng(0))
    return torch.from_numpy(x)


def _model(**options) -> HebbianMemoryRNN:
    torch.manual_seed(0)
    return HebbianMemoryRNN(9, 4, hidden=16, slots=8, k=2, **options).eval()


def test_topk_softmax_keeps_exactly_k() -> None:
    weights = topk_softmax(torch.randn(5, 12), 3)
    assert torch.all((weights > 0).sum(dim=1) == 3)
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(5))


@pytest.mark.parametrize(
    ("core", "address", "options"),
    [
        ("tanh", "input", {}),
        ("gru", "input", {}),
        ("gru", "state", {}),
        ("gru", "input", {"read": "gate", "write_gate": True}),
    ],
)
def test_trace_is_per_sample_and_evaluation_is_deterministic(
    recall_batch: torch.Tensor, core: str, address: str, options: dict
) -> None:
    model = _model(core=core, address=address, **options)
    with torch.no_grad():
        alone = model(recall_batch[:1])
        in_batch = model(recall_batch)
        again = model(recall_batch)
    # A sample's output does not depend on the rest of its batch (no batch-mean trace), and reruns are identical.
    torch.testing.assert_close(in_batch[:1], alone)
    assert torch.equal(in_batch, again)


def test_recording_has_one_state_per_step_and_exactly_k_active_slots(recall_batch: torch.Tensor) -> None:
    with torch.no_grad():
        logits, rec = _model()(recall_batch, record=True)
    batch, steps = recall_batch.shape[:2]
    assert logits.shape == (batch, 4)
    assert rec.hidden.shape == (batch, steps, 16) and rec.trace.shape == (batch, steps, 8, 16)
    assert torch.all((rec.attention > 0).sum(dim=-1) == 2)
    # The trace grows from zero where slots were active: inactive slots keep a zero trace under Oja's rule.
    first = rec.trace[:, 0]
    assert torch.all((first.abs().sum(dim=-1) > 0) == (rec.attention[:, 0] > 0))


def test_narrow_code_and_gated_controller(recall_batch: torch.Tensor) -> None:
    torch.manual_seed(0)
    model = HebbianMemoryRNN(9, 4, hidden=20, code=6, slots=8, k=2, core="gru").eval()
    with torch.no_grad():
        _, rec = model(recall_batch, record=True)
    batch, steps = recall_batch.shape[:2]
    # Memory, trace and code are C = 6 wide; the controller is H = 20 wide and reads [x_t; m_t] (9 + 6 inputs).
    assert model.cell.memory.shape == (8, 6) and rec.trace.shape == (batch, steps, 8, 6)
    assert rec.hidden.shape == (batch, steps, 20) and model.cell.recurrent.input_size == 9 + 6
    assert torch.all((rec.attention > 0).sum(dim=-1) == 2) and torch.count_nonzero(rec.trace) > 0


def _interleaved(model: HebbianMemoryRNN, x: torch.Tensor) -> torch.Tensor:
    """Reference: read, controller step and Hebbian write interleaved step by step (gru core); last hidden state."""
    cell = model.cell
    gru = torch.nn.GRUCell(cell.recurrent.input_size, cell.hidden)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(gru, name).data.copy_(getattr(cell.recurrent, f"{name}_l0"))
    h = x.new_zeros(x.shape[0], cell.hidden)
    trace = x.new_zeros(x.shape[0], *cell.memory.shape)
    for t in range(x.shape[1]):
        z = cell.norm(torch.relu(cell.encoder(x[:, t])))
        attention, recalled = retrieve(z, cell.memory, trace, cell.gain, cell.k, cell.temperature)
        h = gru(torch.cat([x[:, t], cell.read_gain * recalled], dim=-1), h)
        if cell.hebbian:
            trace = hebbian_update(trace, attention, z, cell.eta, cell.rule)
    return h


@pytest.mark.parametrize("hebbian", [True, False])
def test_memory_first_ordering_equals_step_by_step(recall_batch: torch.Tensor, hebbian: bool) -> None:
    model = _model(core="gru", code=5, hebbian=hebbian)
    with torch.no_grad():
        model.cell.read_gain.uniform_(0.5, 1.5)
        _, rec = model(recall_batch, record=True)
        torch.testing.assert_close(rec.hidden[:, -1], _interleaved(model, recall_batch))


def _step_by_step_reference(model: HebbianMemoryRNN, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference of the gated-read cells (``read="gate"``: addresses input / state, optional write gate),
    written from the docstring equations with plain matrix products: last hidden state and all a_t."""
    cell = model.cell
    h = x.new_zeros(x.shape[0], cell.hidden)
    slots, width = cell.memory.shape
    trace = x.new_zeros(x.shape[0], slots, width)
    attentions = []
    for t in range(x.shape[1]):
        if cell.address == "input":
            query = cell.norm(torch.relu(x[:, t] @ cell.encoder.weight.T + cell.encoder.bias))
        else:
            query = h @ cell.query.weight.T + cell.query.bias
        attention, recalled = retrieve(query, cell.memory, trace, cell.gain, cell.k, cell.temperature)
        gate = torch.sigmoid(h @ cell.read_gate.weight.T + cell.read_gate.bias)
        h = cell.recurrent(torch.cat([x[:, t], gate * cell.read_norm(recalled)], dim=-1), h)
        if cell.hebbian:
            code = (
                query
                if cell.address == "input"
                else cell.norm(torch.relu(h @ cell.encoder.weight.T + cell.encoder.bias))
            )
            rate = cell.eta
            if cell.write_gate is not None:
                source = code if cell.address == "input" else h
                write = torch.sigmoid(source @ cell.write_gate.weight.T + cell.write_gate.bias)  # (B, 1)
                rate = cell.eta * write[:, :, None]
            trace = hebbian_update(trace, attention, code, rate, cell.rule)
        attentions.append(attention)
    return h, torch.stack(attentions, dim=1)


@pytest.mark.parametrize("hebbian", [True, False])
def test_state_keyed_memory(recall_batch: torch.Tensor, hebbian: bool) -> None:
    model = _model(core="gru", code=5, address="state", hebbian=hebbian)
    with torch.no_grad():
        _, rec = model(recall_batch, record=True)
        last, attentions = _step_by_step_reference(model, recall_batch)
    torch.testing.assert_close(rec.hidden[:, -1], last)
    torch.testing.assert_close(rec.attention, attentions)
    assert torch.all((rec.attention > 0).sum(dim=-1) == 2)
    # The first query comes from h_0 = 0, so every sample reads the same slots at step 1; later reads depend on the
    # state, hence on the sample. The trace is written only with the update on.
    assert torch.equal(rec.attention[:, 0], rec.attention[:1, 0].expand_as(rec.attention[:, 0]))
    assert not torch.equal(rec.attention[:, -1], rec.attention[:1, -1].expand_as(rec.attention[:, -1]))
    assert (torch.count_nonzero(rec.trace) > 0) == hebbian
    # The read gate starts mostly closed (sigmoid(-2) = 0.12) and the query weights receive a gradient.
    torch.testing.assert_close(model.cell.read_gate.bias, torch.full((5,), -2.0))
    model.train()(recall_batch).sum().backward()
    assert model.cell.query.weight.grad.abs().sum() > 0 and model.cell.memory.grad.abs().sum() > 0


@pytest.mark.parametrize(
    ("address", "write_gate", "hebbian"),
    [
        ("input", True, True),
        ("input", False, True),
        ("input", True, False),
        ("state", True, True),
        ("state", True, False),
    ],
)
def test_gated_read_and_write_gate_follow_the_equations(
    recall_batch: torch.Tensor, address: str, write_gate: bool, hebbian: bool
) -> None:
    model = _model(core="gru", code=5, address=address, read="gate", write_gate=write_gate, hebbian=hebbian)
    with torch.no_grad():
        if write_gate:  # a gate well away from 0 and 1, so a wrong placement of w_t changes the result
            model.cell.write_gate.bias.fill_(0.5)
        _, rec = model(recall_batch, record=True)
        last, attentions = _step_by_step_reference(model, recall_batch)
    torch.testing.assert_close(rec.hidden[:, -1], last)
    torch.testing.assert_close(rec.attention, attentions)
    assert torch.all((rec.attention > 0).sum(dim=-1) == 2)
    assert (torch.count_nonzero(rec.trace) > 0) == hebbian
    assert model.cell.recurrent.input_size == 9 + 5 and not hasattr(model.cell, "read_gain")
    assert hasattr(model.cell, "query") == (address != "input") and rec.trace.shape[-1] == 5


@pytest.mark.parametrize("address", ["input", "state"])
def test_write_gate_scales_the_hebbian_write(recall_batch: torch.Tensor, address: str) -> None:
    gated = _model(core="gru", code=5, address=address, write_gate=True)
    # One scalar gate per sample and step, from the input code (C = 5) or from the new state (H = 16).
    assert gated.cell.write_gate.weight.shape == (1, 5 if address == "input" else 16)
    torch.testing.assert_close(gated.cell.write_gate.bias, torch.tensor([-3.0]))
    with torch.no_grad():
        if address == "input":  # open the read (rho starts at 0), so the output depends on the trace
            gated.cell.read_gain.uniform_(0.5, 1.5)
        _, rec = gated(recall_batch, record=True)
        gates = gated.cell.write_gates(recall_batch, rec.hidden)
    assert gates.shape == recall_batch.shape[:2] and torch.all((gates > 0) & (gates < 0.2))
    # Same weights without the gate (w_t = 1) and with the update off (w_t = 0): a gate forced open reproduces the
    # ungated cell, a gate forced shut the ablation, and the initial gate (w ~ 0.05) writes a much weaker trace.
    plain = _model(core="gru", code=5, address=address)
    plain.load_state_dict(gated.state_dict(), strict=False)
    ablated = _model(core="gru", code=5, address=address, hebbian=False)
    ablated.load_state_dict(gated.state_dict(), strict=False)
    with torch.no_grad():
        _, plain_rec = plain(recall_batch, record=True)
        assert rec.trace.abs().sum() < 0.3 * plain_rec.trace.abs().sum()
        assert not torch.allclose(plain(recall_batch), ablated(recall_batch))
        gated.cell.write_gate.bias.fill_(1e4)
        torch.testing.assert_close(gated(recall_batch), plain(recall_batch))
        gated.cell.write_gate.bias.fill_(-1e4)
        _, shut = gated(recall_batch, record=True)
        assert torch.count_nonzero(shut.trace) == 0
        torch.testing.assert_close(gated(recall_batch), ablated(recall_batch))
    # The gate is trained: its weights receive a gradient through the trace.
    gated.cell.write_gate.bias.data.fill_(-3.0)
    gated.train()(recall_batch).sum().backward()
    assert gated.cell.write_gate.weight.grad.abs().sum() > 0


@pytest.mark.parametrize(("core", "address"), [("tanh", "input"), ("gru", "state")])
def test_static_keys_address_by_the_memory_matrix_only(recall_batch: torch.Tensor, core: str, address: str) -> None:
    model = _model(core=core, address=address, code=5, static_keys=True)
    ablated = _model(core=core, address=address, code=5, static_keys=True, hebbian=False)
    ablated.load_state_dict(model.state_dict())
    with torch.no_grad():
        if address == "state":  # open the read gate, so the output depends on the trace
            model.cell.read_gate.bias.fill_(2.0)
            ablated.cell.read_gate.bias.fill_(2.0)
        _, rec = model(recall_batch, record=True)
        _, off = ablated(recall_batch, record=True)
    assert torch.count_nonzero(rec.trace) > 0 and not torch.allclose(rec.hidden, off.hidden)
    if address == "input":
        # Input keys: the slots read at every step do not depend on the trace, so they are the ablation's slots; the
        # trace changes the read and hence the hidden states.
        torch.testing.assert_close(rec.attention, off.attention)
    else:
        # The first query comes from h_0 = 0: its slots are the top-k of cos(q_1, M_i), the same for every sample.
        with torch.no_grad():
            query = torch.nn.functional.normalize(model.cell.query(torch.zeros(1, 16)), dim=-1)
            logits = query @ torch.nn.functional.normalize(model.cell.memory, dim=-1).T / model.cell.temperature
        torch.testing.assert_close(rec.attention[:, 0], topk_softmax(logits, 2).expand_as(rec.attention[:, 0]))


def test_switching_the_hebbian_update_off(recall_batch: torch.Tensor) -> None:
    with torch.no_grad():
        on_logits, on = _model()(recall_batch, record=True)
        off_logits, off = _model(hebbian=False)(recall_batch, record=True)
    assert torch.count_nonzero(off.trace) == 0 and torch.count_nonzero(on.trace) > 0
    assert not torch.allclose(on_logits, off_logits)


def test_plasticity_gain_and_rate_are_learned(recall_batch: torch.Tensor) -> None:
    model = _model().train()
    model(recall_batch).sum().backward()
    for name in ("memory", "gain", "eta_logit"):
        grad = getattr(model.cell, name).grad
        assert grad is not None and grad.abs().sum() > 0, name
    frozen = _model(learn_eta=False)
    assert "eta_logit" not in dict(frozen.named_parameters()) and "cell.eta_logit" in frozen.state_dict()


def test_bad_cell_options() -> None:
    with pytest.raises(ConfigError, match="k must be in"):
        HebbianMemoryRNN(3, 2, slots=4, k=5)
    with pytest.raises(ConfigError, match="unknown rule"):
        HebbianMemoryRNN(3, 2, rule="bcm")
    with pytest.raises(ConfigError, match="unknown core"):
        HebbianMemoryRNN(3, 2, core="lstm")
    with pytest.raises(ConfigError, match="needs the gated controller"):
        HebbianMemoryRNN(3, 2, address="state")
    with pytest.raises(ConfigError, match="unknown address"):
        HebbianMemoryRNN(3, 2, core="gru", address="output")
    with pytest.raises(ConfigError, match="code width"):
        HebbianMemoryRNN(3, 2, code=0)
    with pytest.raises(ConfigError, match="does not fit address"):
        HebbianMemoryRNN(3, 2, core="gru", address="state", read="gain")
    with pytest.raises(ConfigError, match="unknown address 'joint'"):
        HebbianMemoryRNN(3, 2, core="gru", address="joint")


def test_trace_heatmap_over_time(recall_batch: torch.Tensor) -> None:
    with torch.no_grad():
        _, rec = _model()(recall_batch, record=True)
    fig = trace_heatmap(rec.attention[0].numpy(), rec.trace[0].numpy())
    images = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert [image.shape for image in images] == [(8, 4), (8, 4), (8, 16)]


@pytest.mark.slow
def test_associative_recall_needs_the_hebbian_trace() -> None:
    from neuroengram.mirror.train import accuracy, train_classifier

    x, y = associative_recall(1000, n_pairs=3, n_keys=6, n_values=6, rng=np.random.default_rng(0))
    x_train, y_train, x_test, y_test = torch.from_numpy(x[:800]), torch.from_numpy(y[:800]), x[800:], y[800:]
    scores = {}
    for hebbian in (True, False):
        torch.manual_seed(0)
        model = HebbianMemoryRNN(12, 6, hidden=24, slots=8, k=2, hebbian=hebbian)
        train_classifier(
            model, x_train, y_train, epochs=10, lr=3e-3, batch_size=32, generator=torch.Generator().manual_seed(0)
        )
        scores[hebbian] = accuracy(model, torch.from_numpy(x_test), torch.from_numpy(y_test))
    # Chance is 1/6. With the trace the queried value is recalled almost always; the ablated cell falls far short.
    assert scores[True] >= 0.9, scores
    assert scores[False] <= scores[True] - 0.3, scores


@pytest.mark.slow
def test_write_gate_learns_to_open_where_writing_is_the_task() -> None:
    """Reduced recall (3 pairs of 6 keys / 6 values, 800 training samples, 10 epochs): the input-keyed cell with a
    write gate starting at sigmoid(-3) = 0.05 learns to write and recalls; cutting its trace breaks recall."""
    from neuroengram.mirror.train import accuracy, train_classifier

    x, y = (torch.from_numpy(part) for part in associative_recall(1000, 3, 6, 6, rng=np.random.default_rng(0)))
    torch.manual_seed(0)
    model = HebbianMemoryRNN(12, 6, hidden=24, slots=8, k=2, write_gate=True)
    generator = torch.Generator().manual_seed(0)
    train_classifier(model, x[:800], y[:800], epochs=10, lr=3e-3, batch_size=32, generator=generator)
    with torch.no_grad():
        _, rec = model(x[800:], record=True)
        gates = model.cell.write_gates(x[800:], rec.hidden)
    recalled = accuracy(model, x[800:], y[800:])
    model.cell.hebbian = False
    cut = accuracy(model, x[800:], y[800:])
    # Measured (seed 0, 7 s): recall 98.0 %, gate 0.91 / 0.92 / 0.90 on the pair steps, 34.5 % with the trace cut
    # (chance 1/6). With the gru core (code 8) the same budget reached only 74.5 % (gate 0.72-0.77).
    assert recalled >= 0.9, recalled
    assert float(gates[:, :3].mean()) >= 0.5, gates.mean(dim=0)
    assert cut <= recalled - 0.3, (recalled, cut)


@pytest.mark.slow
def test_gated_cell_keeps_up_with_a_gru_of_equal_size_on_digits() -> None:
    """Reduced form of ``benchmarks/mirror_memory.py`` (digits, gated core, 3 seeds): within 2 points of a GRU."""
    from neuroengram.mirror.baselines import matched_classifier, parameter_count
    from neuroengram.mirror.tasks import digit_sequences
    from neuroengram.mirror.train import accuracy, train_classifier

    x, y = (torch.from_numpy(part) for part in digit_sequences())
    differences, gru_scores = [], []
    for seed in (0, 1, 2):
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
        train, test = order[:1200], order[1200:]
        torch.manual_seed(seed)
        hebbian = HebbianMemoryRNN(8, 10, hidden=24, code=8, slots=16, k=2, core="gru")
        torch.manual_seed(seed)
        gru = matched_classifier("gru", 8, 10, parameter_count(hebbian))
        assert abs(parameter_count(gru) - parameter_count(hebbian)) <= 0.02 * parameter_count(hebbian)
        scores = []
        for model in (hebbian, gru):
            generator = torch.Generator().manual_seed(seed)
            train_classifier(model, x[train], y[train], epochs=8, lr=3e-3, batch_size=32, generator=generator)
            scores.append(accuracy(model, x[test], y[test]))
        differences.append(scores[0] - scores[1])
        gru_scores.append(scores[1])
    # Measured (benchmarks/README.md): GRU 86.6 / 89.3 / 90.1 %, cell - GRU +1.5 / -0.9 / +0.5 points
    # (mean +0.4); single seeds spread by up to +-3 points at this size, so the check is on the 3-seed mean.
    assert np.mean(gru_scores) >= 0.85, gru_scores
    assert np.mean(differences) >= -0.02, differences
