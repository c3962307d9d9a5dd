"""The membrane noise of :func:`~neuroengram.spiking.model.build_circuit` (uniform steps of the diffusion variance)
gives the voltage the variance and the Gaussian shape of the diffusion approximation of the two kick trains."""

from __future__ import annotations

import numpy as np
from brian2 import Hz, ms, mV
from brian2 import seed as brian_seed
from scipy import stats

from neuroengram.spiking.model import CellConstants, build_circuit


def test_membrane_noise_has_the_diffusion_variance_and_is_gaussian():
    """4000 cells without effective synapses (two of weight 0: Brian2 needs both synapse objects connected),
    threshold out of reach, 2 mV kicks at 200 Hz of each sign, tau_m 10 ms, 100 ms
    (10 tau_m). Diffusion approximation: var(v) = J^2 rate tau_m = 8 mV^2 (8.04 with Euler steps); measured
    across cells at the end. The uniform per-step draws sum to a Gaussian voltage (expected excess kurtosis -0.01).
    Measured (seed 5): variance 7.74 mV^2, excess kurtosis 0.001, skewness -0.001."""
    n, tau_m_ms, j_mv, rate_hz = 4000, 10.0, 2.0, 200.0
    brian_seed(5)
    circuit = build_circuit(
        is_excitatory=np.arange(n) < n - 1,
        tau_m_ms=np.full(n, tau_m_ms),
        ref_ms=2.0,
        pre=np.array([0, n - 1]),
        post=np.array([1, 0]),
        weight_mv=np.zeros(2),
        delay_ms=1.0,
        constants=CellConstants(V_th_mv=0.0, J_noise_mv=j_mv),
        noise=True,
        name="noise_test",
    )
    circuit.cells.rate_noise = rate_hz * Hz
    circuit.network.run(100 * ms, namespace={})
    v = np.asarray(circuit.cells.v[:] / mV) - CellConstants().E_L_mv
    assert circuit.spikes.num_spikes == 0
    assert abs(v.mean()) < 0.15  # zero-mean noise; standard error 0.045 mV
    np.testing.assert_allclose(v.var(), j_mv**2 * rate_hz * tau_m_ms / 1000.0, rtol=0.08)  # SE 2.2 %
    assert abs(stats.kurtosis(v)) < 0.3  # SE 0.08
    assert abs(stats.skew(v)) < 0.2  # SE 0.04
