"""The membrane noise of :func:`~neuroengram.spiking.model.build_circuit` (uniform steps of the diffusion variance)
gives the voltage the variance and the Gaussian shape of the diffusion approximation of the two kick trains; the
Poisson drive restricted to blocks of ``driven`` cells reaches exactly those cells."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import Hz, ms, mV
from brian2 import seed as brian_seed
from scipy import stats

from neuroengram.errors import ConfigError
from neuroengram.spiking.model import CellConstants, build_circuit


def _unconnected(n: int, constants: CellConstants, **kwargs):
    """``n`` cells whose only synapses have weight 0 (Brian2 needs both synapse objects connected)."""
    return build_circuit(
        is_excitatory=np.arange(n) < n - 1,
        tau_m_ms=np.full(n, 10.0),
        ref_ms=2.0,
        pre=np.array([0, n - 1]),
        post=np.array([1, 0]),
        weight_mv=np.zeros(2),
        delay_ms=1.0,
        constants=constants,
        **kwargs,
    )


def test_membrane_noise_has_the_diffusion_variance_and_is_gaussian():
    """4000 unconnected cells, threshold out of reach, 2 mV kicks at 200 Hz of each sign, tau_m 10 ms, 100 ms
    (10 tau_m). Diffusion approximation: var(v) = J^2 rate tau_m = 8 mV^2 (8.04 with Euler steps); measured
    across cells at the end. The uniform per-step draws sum to a Gaussian voltage (expected excess kurtosis -0.01).
    Measured (seed 5): variance 7.74 mV^2, excess kurtosis 0.001, skewness -0.001."""
    n, tau_m_ms, j_mv, rate_hz = 4000, 10.0, 2.0, 200.0  # tau_m as in _unconnected
    brian_seed(5)
    circuit = _unconnected(n, CellConstants(V_th_mv=0.0, J_noise_mv=j_mv), noise=True, name="noise_test")
    circuit.cells.rate_noise = rate_hz * Hz
    circuit.network.run(100 * ms, namespace={})
    v = np.asarray(circuit.cells.v[:] / mV) - CellConstants().E_L_mv
    assert circuit.spikes.num_spikes == 0
    assert abs(v.mean()) < 0.15  # zero-mean noise; standard error 0.045 mV
    np.testing.assert_allclose(v.var(), j_mv**2 * rate_hz * tau_m_ms / 1000.0, rtol=0.08)  # SE 2.2 %
    assert abs(stats.kurtosis(v)) < 0.3  # SE 0.08
    assert abs(stats.skew(v)) < 0.2  # SE 0.04


def test_drive_on_driven_blocks_reaches_exactly_those_cells():
    """Two blocks of driven cells (0-9, 50-59) at 3000 Hz of 1 mV kicks into I_e (tau_e 5 ms), 50 ms: their mean
    I_e is J_ext rate tau_e = 15 mV (per-cell sd 2.7 mV, standard error of the mean 0.6 mV); every other cell,
    though given the same rate_ext, gets nothing (measured, seed 3: 14.2 mV and 0). A mask of the wrong shape is
    refused naming ``driven``."""
    n = 100
    driven = np.zeros(n, dtype=bool)
    driven[:10] = driven[50:60] = True
    brian_seed(3)
    circuit = _unconnected(n, CellConstants(V_th_mv=100.0), driven=driven, name="drive_test")
    circuit.cells.rate_ext = 3000 * Hz
    circuit.network.run(50 * ms, namespace={})
    current = np.asarray(circuit.cells.I_e[:] / mV)
    np.testing.assert_allclose(current[driven].mean(), 15.0, rtol=0.15)
    assert np.all(current[~driven] == 0.0)
    with pytest.raises(ConfigError, match="driven"):
        _unconnected(n, CellConstants(), driven=driven[:-1], name="drive_bad")
