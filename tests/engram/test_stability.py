"""The stability guard for erasing recurrent maps: what it measures, what it caps, and that it reports its action."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neuroengram.engram import EngramEstimator
from neuroengram.engram.sequences import erase_sequence_class
from neuroengram.engram.stability import guard_alphas, recurrent_maps, spectral_radius, trajectory_radius
from neuroengram.errors import ConfigError
from neuroengram.mirror.autoencoder import DaleAutoencoder
from neuroengram.mirror.train import train_autoencoder


@pytest.fixture(scope="module")
def melody_autoencoder():
    """A Dale autoencoder (latent 4, 32 units) trained on 3 sinusoidal 'melodies' (150 train / 60 held out)."""
    gen = torch.Generator().manual_seed(1)
    t = torch.linspace(0, 1, 10)[:, None]
    templates = torch.stack([torch.sin(2 * torch.pi * (1 + 2 * torch.rand(8, generator=gen)) * t) for _ in range(3)])
    labels = np.arange(210) % 3
    gain = 1 + 0.2 * torch.randn(210, 1, 1, generator=gen)
    x = templates[labels] * gain + 0.1 * torch.randn(210, 10, 8, generator=gen)
    torch.manual_seed(1)
    model = DaleAutoencoder(8, 4, n_units=32)
    torch.manual_seed(1)
    untrained = DaleAutoencoder(8, 4, n_units=32).eval()
    train_autoencoder(model, x[:150], epochs=40, lr=1e-2, batch_size=32, generator=gen)
    return model.eval(), untrained, x, labels


def test_the_recurrent_maps_of_the_mirror_are_found_and_the_radius_is_measured(melody_autoencoder):
    model, _, x, labels = melody_autoencoder
    est = EngramEstimator().fit(model, [x[:150][labels[:150] == 0]], [x[:150]])
    assert recurrent_maps(est) == ["encoder.recurrent", "decoder.recurrent"]
    weight = est.weights_["encoder.recurrent"]
    assert spectral_radius(weight) == pytest.approx(float(np.abs(np.linalg.eigvals(weight.numpy())).max()))
    # The Jacobian radius of the rate dynamics, on the data: leak = 0.5, so it lies in [0.5 - 0.5 rho, 0.5 + 0.5 rho].
    radius = trajectory_radius(model, [x[:150]], {n: est.maps_[n] for n in recurrent_maps(est)})
    assert 0.5 <= radius["encoder.recurrent"] <= 0.5 + 0.5 * spectral_radius(weight) + 1e-9
    with pytest.raises(ConfigError, match="guard"):
        guard_alphas(est, model, 1.0, guard="lyapunov")
    with pytest.raises(ConfigError, match="reference"):
        guard_alphas(est, model, 1.0, guard="jacobian")
    with pytest.raises(ConfigError, match="map_alpha"):
        est.erase(model, 1.0, map_alpha={"nope": 0.0})


def test_guards_cap_the_recurrent_edit_and_report_it(melody_autoencoder):
    """At alpha = 2 the unguarded edit raises the radii and explodes (worst retained melody 1.6e3x its error); each
    guard keeps its radius at the original's and reports the strengths it applied. Measured (seed 1): encoder weight
    radius 2.39 -> 4.10 unguarded; Jacobian radius 1.09 -> 7.44 unguarded, 1.05 at the guard's alpha 0.17; forget
    ratio 14.9 and worst retain 5.7 with the Jacobian guard. At alpha = 0.5 the guarded erasure reaches the untrained
    error (5.45 vs 5.68 initial weights, 5.56 mean predictor) with the others within 3 %."""
    model, untrained, x, labels = melody_autoencoder
    train, test = slice(0, 150), slice(150, None)
    runs = {
        guard: erase_sequence_class(
            model, untrained, x[train], labels[train], x[test], labels[test], 0, (0.5, 2.0), guard=guard
        )
        for guard in ("none", "radius", "jacobian")
    }
    none, radius, jacobian = (runs[g].guard[1] for g in ("none", "radius", "jacobian"))
    assert not none.active and set(none.map_alpha.values()) == {2.0}
    assert none.radius_unguarded["encoder.recurrent"] > 1.5 * none.radius_original["encoder.recurrent"]
    assert radius.active and all(a < 2.0 for a in radius.map_alpha.values())
    for name, value in radius.radius_edited.items():
        assert value <= radius.radius_original[name] * (1 + 1e-6)
    assert jacobian.active and jacobian.measure == "jacobian"
    assert jacobian.radius_unguarded["encoder.recurrent"] > jacobian.radius_original["encoder.recurrent"]
    metrics = jacobian.metrics()
    assert metrics["guard_active"] is True
    assert metrics["guard_alpha_encoder_recurrent"] == jacobian.map_alpha["encoder.recurrent"] < 2.0
    for name, value in jacobian.radius_edited.items():
        assert value <= jacobian.radius_original[name] * (1 + 1e-6)
    assert runs["jacobian"].retain_ratio_max[1] <= 0.01 * runs["none"].retain_ratio_max[1]
    guarded = runs["jacobian"]
    assert guarded.forget_ratio[0] >= 0.9 * min(guarded.untrained_forget_ratio, guarded.mean_predictor_forget_ratio)
    assert guarded.untrained_forget_ratio > 4 and guarded.retain_ratio_max[0] <= 1.1
