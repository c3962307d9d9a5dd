"""Stage ``latent``: intrinsic dimension of the mirror's latent codes or of the spiking activity.

Reads ``mirror/latent.npz`` (``codes``, n_samples x width) when the study ran the mirror stage, else
``spiking/activity.npz`` (``rates``, n_bins x n_neurons, Hz); ``source`` chooses explicitly. Activity rows are time
bins of one trajectory, so temporal neighbours (``exclude_window`` bins) are excluded and, with ``smooth_bins > 0``,
the ID is also estimated on Gaussian-smoothed rates to show the effect of count noise.

Writes ``latent/id.npz`` (local ID, scale curve, spectrum, estimator table) and the figure ``latent/figures/id``;
returns the recommended ID with its interval, every estimator, and the warning flags.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field
from scipy.ndimage import gaussian_filter1d

from neuroengram.errors import StageError
from neuroengram.latent.figures import plot_report
from neuroengram.latent.report import IntrinsicDimension
from neuroengram.stages import Metric, StageContext, StageParams

REQUIRES: tuple[str, ...] = ()
"""Empty because the upstream is optional: ``source="auto"`` reads ``mirror`` or else ``spiking``;
an explicit source whose stage did not run fails at run time with a :class:`StageError` naming the fix."""

SOURCES = {"mirror": ("latent", "codes"), "spiking": ("activity", "rates"), "connectome": ("activity", "rates")}


class Params(StageParams):
    """Parameters of the latent stage (the ``[stages.latent]`` table)."""

    source: Literal["auto", "mirror", "spiking", "connectome"] = Field(
        "auto", description="array to analyse: 'auto' = mirror/latent.npz codes if present, else spiking activity"
    )
    max_points: int = Field(3000, ge=100, le=100_000, description="random subsample of rows above this size")
    n_bootstrap: int = Field(50, ge=0, le=1000, description="resamples for the per-estimator 95 % intervals")
    exclude_window: int = Field(
        5, ge=0, le=1000, description="activity only: exclude neighbours within this many time bins (Theiler window)"
    )
    smooth_bins: float = Field(
        2.0,
        ge=0.0,
        le=100.0,
        description="activity only: also estimate on rates smoothed by a Gaussian of this "
        "width in bins (0 = off), to show the effect of count noise",
    )
    heavy: bool = Field(True, description="also run ESS and local PCA (per-neighbourhood work; slowest part)")


def _resolve_source(params: Params, ctx: StageContext) -> str:
    if params.source != "auto":
        return params.source
    for name in ("mirror", "spiking", "connectome"):
        if (ctx.point_dir / name / f"{SOURCES[name][0]}.npz").is_file():
            return name
    raise StageError(
        "found neither mirror/latent.npz nor spiking/activity.npz at this point",
        key="stages.latent.source",
        fix="add a [stages.mirror] or [stages.spiking] table to the study",
    )


def run(params: Params, ctx: StageContext) -> dict[str, Metric]:
    source = _resolve_source(params, ctx)
    file, key = SOURCES[source]
    arrays = ctx.load_arrays(source, file)
    if key not in arrays:
        raise StageError(
            f"{source}/{file}.npz has no array {key!r}",
            key="stages.latent.source",
            fix=f"re-run the {source} stage with this version of neuroengram",
        )
    X = np.asarray(arrays[key], dtype=float)
    is_activity = source != "mirror"
    rng = ctx.rng
    rows = np.arange(len(X))
    if len(X) > params.max_points:
        rows = np.sort(rng.choice(len(X), params.max_points, replace=False))
    window = params.exclude_window if is_activity else 0
    ctx.log.info("latent: ID of %s %s %s (%d of %d rows)", source, file, X.shape, len(rows), len(X))
    model = IntrinsicDimension(
        n_bootstrap=params.n_bootstrap, exclude_window=window, heavy=params.heavy, random_state=ctx.seed
    ).fit(X[rows], times=rows)
    metrics: dict[str, Metric] = {"source": f"{source}/{file}.npz:{key}", **model.summary()}
    if is_activity and params.smooth_bins > 0:
        smooth = gaussian_filter1d(X, params.smooth_bins, axis=0)[rows]
        smoothed = IntrinsicDimension(n_bootstrap=0, exclude_window=window, heavy=False, random_state=ctx.seed).fit(
            smooth, times=rows
        )
        metrics.update(
            {
                "id_smoothed": smoothed.dimension_,
                "id_smoothed_low": smoothed.interval_[0],
                "id_smoothed_high": smoothed.interval_[1],
            }
        )
    names = np.array(list(model.estimates_))
    ctx.save_arrays(
        "id",
        estimator=names,
        raw=np.array([model.estimates_[n] for n in names]),
        calibrated=np.array([model.calibrated_.get(n, np.nan) for n in names]),
        local_id=model.local_id_,
        spectrum=model.spectrum_,
        scale_n1=model.scales_["n1"],
        scale_id=model.scales_["id"],
        scale_se=model.scales_["se"],
        scale_radius=model.scales_["radius"],
        recommended=np.array([model.dimension_, *model.interval_]),
    )
    ctx.save_figure(
        "id",
        plot_report(model, f"{source}: ID {model.dimension_:.2f} [{model.interval_[0]:.2f}, {model.interval_[1]:.2f}]"),
    )
    for code, message in model.warnings_:
        ctx.log.warning("latent: %s: %s", code, message)
    return metrics
