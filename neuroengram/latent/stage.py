"""Stage ``latent``: intrinsic dimension of the mirror's latent codes and/or of the recorded activity.

``sources`` lists the arrays analysed in one stage run: ``"mirror"`` reads ``mirror/latent.npz`` (``codes``,
n_samples x width), ``"spiking"`` / ``"connectome"`` read ``<stage>/activity.npz`` (``rates``, n_bins x n_neurons,
Hz), ``"auto"`` the mirror's codes if that stage ran, else the spiking activity. Activity rows are time bins of
one trajectory, so temporal neighbours (``exclude_window`` bins) are excluded and, with ``smooth_bins > 0``, the ID
is also estimated on Gaussian-smoothed rates to show the effect of count noise. Codes of windows cut from a
recording (``start_bin`` in ``latent.npz``) get the same window on their start bins (overlapping windows are
neighbours in time, not on the manifold). Labels (``labels`` in either file)
give the per-class breakdown.

Per source ``s`` it writes ``latent/id_<s>.npz`` (local ID, scale and sample-size curves, spectrum, estimator
table, per-class table) and the figure ``latent/figures/id_<s>``, and returns the recommended ID with its interval,
every estimator and the warning flags, each metric prefixed ``<s>_`` (``mirror_id``, ``spiking_id_low``, ...).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator
from scipy.ndimage import gaussian_filter1d

from neuroengram.errors import ConfigError, StageError
from neuroengram.latent.figures import plot_report
from neuroengram.latent.report import IntrinsicDimension
from neuroengram.stages import Metric, StageContext, StageParams

REQUIRES: tuple[str, ...] = ()
"""Empty because the upstream is optional: ``"auto"`` reads ``mirror`` or else ``spiking``; a named source whose
stage did not run fails at run time with a :class:`StageError` naming the fix."""

SOURCES = {"mirror": ("latent", "codes"), "spiking": ("activity", "rates"), "connectome": ("activity", "rates")}

Source = Literal["auto", "mirror", "spiking", "connectome"]


class Params(StageParams):
    """Parameters of the latent stage (the ``[stages.latent]`` table)."""

    sources: tuple[Source, ...] = Field(
        ("auto",),
        min_length=1,
        max_length=3,
        description="arrays to analyse, e.g. ['mirror', 'spiking']: 'mirror' = the autoencoder's codes, "
        "'spiking'/'connectome' = binned activity, 'auto' = mirror codes if present, else spiking activity",
    )
    max_points: int = Field(3000, ge=100, le=100_000, description="random subsample of rows above this size")
    n_bootstrap: int = Field(50, ge=0, le=1000, description="resamples for the per-estimator 95 % intervals")
    exclude_window: int = Field(
        5,
        ge=0,
        le=1000,
        description="activity only: exclude neighbours within this many time bins (Theiler window)",
    )
    smooth_bins: float = Field(
        2.0,
        ge=0.0,
        le=100.0,
        description="activity only: also estimate on rates smoothed by a Gaussian of this "
        "width in bins (0 = off), to show the effect of count noise",
    )
    heavy: bool = Field(True, description="also run ESS and local PCA (per-neighbourhood work; slowest part)")

    @model_validator(mode="before")
    @classmethod
    def _renamed_source(cls, data: Any) -> Any:
        if isinstance(data, dict) and "source" in data:
            raise ConfigError(
                "'source' was replaced by 'sources' (a list; metrics are now prefixed per source, e.g. mirror_id)",
                key="stages.latent.source",
                fix=f"write sources = [{data['source']!r}] (or e.g. sources = ['mirror', 'spiking'])",
            )
        return data

    @field_validator("sources")
    @classmethod
    def _distinct(cls, sources: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(sources)) != len(sources):
            raise ValueError(f"sources must be distinct, got {list(sources)}")
        return sources


def _resolve_sources(params: Params, ctx: StageContext) -> list[str]:
    resolved = []
    for source in params.sources:
        if source == "auto":
            found = [n for n in SOURCES if (ctx.point_dir / n / f"{SOURCES[n][0]}.npz").is_file()]
            if not found:
                raise StageError(
                    "found neither mirror/latent.npz nor spiking/activity.npz at this point",
                    key="stages.latent.sources",
                    fix="add a [stages.mirror] or [stages.spiking] table to the study",
                )
            source = found[0]
        if source in resolved:
            raise StageError(
                f"'auto' resolved to {source!r}, which is also listed",
                key="stages.latent.sources",
                fix="name the sources explicitly",
            )
        resolved.append(source)
    return resolved


def _analyse(source: str, params: Params, ctx: StageContext) -> dict[str, Metric]:
    """ID report of one source; metrics without the source prefix."""
    file, key = SOURCES[source]
    arrays = ctx.load_arrays(source, file)
    if key not in arrays:
        raise StageError(
            f"{source}/{file}.npz has no array {key!r}",
            key="stages.latent.sources",
            fix=f"re-run the {source} stage with this version of neuroengram",
        )
    X = np.asarray(arrays[key], dtype=float)
    labels = arrays.get("labels")
    if labels is not None and len(labels) != len(X):
        labels = None
    is_activity = source != "mirror"
    rows = np.arange(len(X))
    if len(X) > params.max_points:
        rows = np.sort(ctx.rng.choice(len(X), params.max_points, replace=False))
    window = params.exclude_window if is_activity else 0
    ctx.log.info("latent: ID of %s %s %s (%d of %d rows)", source, file, X.shape, len(rows), len(X))
    model = IntrinsicDimension(
        n_bootstrap=params.n_bootstrap,
        exclude_window=window,
        heavy=params.heavy,
        activity=is_activity,
        random_state=ctx.seed,
    ).fit(X[rows], y=None if labels is None else labels[rows], times=rows)
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
    names = np.array(model.reported_)
    classes = {} if model.classes_ is None else {f"class_{k}": v for k, v in model.classes_.items()}
    ctx.save_arrays(
        f"id_{source}",
        estimator=names,
        raw=np.array([model.estimates_[n] for n in names]),
        calibrated=np.array([model.calibrated_.get(n, np.nan) for n in names]),
        local_id=model.local_id_,
        spectrum=model.spectrum_,
        scale_n1=model.scales_["n1"],
        scale_id=model.scales_["id"],
        scale_se=model.scales_["se"],
        scale_radius=model.scales_["radius"],
        **{f"decimation_{k}": v for k, v in model.decimation_.items()},
        **classes,
        recommended=np.array([model.dimension_, *model.interval_]),
    )
    title = f"{source}: ID {model.dimension_:.2f} [{model.interval_[0]:.2f}, {model.interval_[1]:.2f}]"
    ctx.save_figure(f"id_{source}", plot_report(model, title))
    for code, message in model.warnings_:
        ctx.log.warning("latent: %s: %s: %s", source, code, message)
    return metrics


def run(params: Params, ctx: StageContext) -> dict[str, Metric]:
    metrics: dict[str, Metric] = {}
    for source in ctx.progress(_resolve_sources(params, ctx), "sources"):
        metrics.update({f"{source}_{name}": value for name, value in _analyse(source, params, ctx).items()})
    return metrics
