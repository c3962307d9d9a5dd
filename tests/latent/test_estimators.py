"""The vectorised estimators against scikit-dimension 0.5.0 on the same data (same conventions, same numbers)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import skdim

from neuroengram.latent import estimators as est
from neuroengram.latent.graph import build_graph


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, object]:
    bm = skdim.datasets.BenchmarkManifolds(random_state=0)
    X = bm.generate("M4_Nonlinear", n=600, dim=8, d=4)
    return X, build_graph(X, 100)


def test_knn_estimators_match_skdim(data: tuple) -> None:
    X, graph = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = {
            "TwoNN": (est.twonn(graph), skdim.id.TwoNN().fit(X).dimension_),
            "GRIDE": (est.gride(graph.distances, 1, 2)[0], skdim.id.GRIDE().fit(X).dimension_),
            "GRIDE_4": (est.gride(graph.distances, 4, 8)[0], skdim.id.GRIDE(n1=4).fit(X).dimension_),
            "MLE": (est.mle(graph, 20), skdim.id.MLE().fit(X).dimension_),
            "MiND_ML": (est.mind_ml(graph, 20, 8), skdim.id.MiND_ML(D=8).fit(X).dimension_),
            "CorrInt": (est.corrint(graph), skdim.id.CorrInt().fit(X).dimension_),
            "DANCo": (est.danco(graph), skdim.id.DANCo(ver="DANCoFit").fit(X).dimension_),
        }
    for name, (ours, ref) in pairs.items():
        assert ours == pytest.approx(ref, rel=1e-6), name


def test_gride_scales_match_skdim(data: tuple) -> None:
    X, graph = data
    ref = skdim.id.GRIDE(multiscale=True, range_max=64).fit(X)
    ours = est.gride_scales(graph, 64)
    np.testing.assert_allclose(ours["id"], ref.dimension_scales_, rtol=1e-6)
    np.testing.assert_allclose(ours["se"], ref.error_scales_, rtol=1e-6)


def test_pca_rules_match_skdim(data: tuple) -> None:
    X, _ = data
    ev = est.pca_spectrum(X)
    assert est.pca_fo(ev) == skdim.id.lPCA().fit(X).dimension_
    assert est.participation_ratio(ev) == pytest.approx(
        skdim.id.lPCA(ver="participation_ratio").fit(X).dimension_, rel=1e-9
    )


def test_ess_matches_skdim_on_neighbourhoods(data: tuple) -> None:
    """skdim's ESS loops over points; compare a few neighbourhoods (all 4950 pairs used by both)."""
    X, graph = data
    ours = est.ess_pointwise(graph, 100)
    for i in (0, 17, 301):
        ref = skdim.id.ESS(random_state=0).fit_once(X[graph.indices[i]]).dimension_
        assert ours[i] == pytest.approx(ref, rel=1e-9)


def test_theiler_window_excludes_temporal_neighbours() -> None:
    X = np.random.default_rng(0).random((300, 3))
    graph = build_graph(X, 10, exclude_window=4)
    assert np.all(np.abs(graph.indices - np.arange(300)[:, None]) > 4)
    assert np.all(np.diff(graph.distances, axis=1) >= 0)


def test_bias_corrected_participation_ratio_on_known_spectrum() -> None:
    """Gaussian rows with covariance spectrum 50 x 1.0 + 150 x 0.1 (PR = (sum l)^2 / sum l^2 = 82.04), non-zero
    mean: with P = 40 / 100 / 400 rows the naive PR reads about 26 / 45 / 68; the corrected one stays at 82."""
    rng = np.random.default_rng(0)
    lam = np.r_[np.ones(50), np.full(150, 0.1)]
    truth = lam.sum() ** 2 / np.sum(lam**2)
    for P in (40, 100, 400):
        samples = [rng.standard_normal((P, 200)) * np.sqrt(lam) + 3.0 for _ in range(30)]
        corrected = np.mean([est.participation_ratio_corrected(X) for X in samples])
        naive = np.mean([est.participation_ratio(est.pca_spectrum(X)) for X in samples])
        assert corrected == pytest.approx(truth, rel=0.03), P
        assert naive < 0.85 * truth, P
    X = rng.standard_normal((5000, 200)) * np.sqrt(lam)  # large P: both agree
    assert est.participation_ratio_corrected(X) == pytest.approx(est.participation_ratio(est.pca_spectrum(X)), rel=0.02)
