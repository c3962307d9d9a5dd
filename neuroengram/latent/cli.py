"""``neuroengram id``: intrinsic-dimension reports of arrays and runs, and validation on known manifolds.

``neuroengram id estimate ARRAY.npy|ARRAY.npz[:key]|ARRAY.csv|RUN_DIR|sklearn:digits [--estimators twonn,mle,...]
[--bootstrap N] [--json] [--out DIR]``. Labels (``labels`` in an npz, the digit classes of ``sklearn:digits``) give
the per-class table; a run folder whose points sweep the mirror's latent width also gets the autoencoder-elbow
panel (held-out loss and code ID against width).
``neuroengram id validate [--seeds 0,1,2] [--n 2500] [--manifolds M1_Sphere,...] [--json]``
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import click
import numpy as np

from neuroengram.errors import ConfigError, DataError
from neuroengram.latent.graph import check_points
from neuroengram.latent.report import ESTIMATORS, INTERVAL_SET, IntrinsicDimension, check_estimators

TABLE_COLUMNS = ("TwoNN", "GRIDE_1", "MLE_20", "MiND_ML", "DANCo", "ESS", "CorrInt", "lPCA_local", "PR", "lPCA_FO")


def _npz_array(path: Path, key: str | None) -> tuple[np.ndarray, str, np.ndarray | None]:
    with np.load(path, allow_pickle=False) as data:
        keys = list(data.files)
        if key is None:
            key = next((k for k in ("codes", "rates") if k in keys), keys[0] if len(keys) == 1 else None)
        if key not in keys:
            raise DataError(f"{path} has arrays {keys}", key="ARRAY", fix=f"name one, e.g. {path}:{keys[0]}")
        labels = data["labels"] if "labels" in keys and key != "labels" else None
        if labels is not None and len(labels) != len(data[key]):
            labels = None
        return data[key], f"{path}:{key}", labels


def load_array(source: str) -> tuple[np.ndarray, str, np.ndarray | None]:
    """Read the array named by ``source``; returns ``(X, description, labels or None)``.

    ``sklearn:digits`` (scikit-learn's 1797 x 64 digits), ``FILE.npy``, ``FILE.npz[:key]`` (default key ``codes``,
    then ``rates``, then the only array), ``FILE.csv`` (comma-separated numbers, one optional header line), or a run
    folder (its first ``mirror/latent.npz``, else its first ``spiking/activity.npz``).
    """
    if source == "sklearn:digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        return digits.data, "sklearn load_digits (1797 x 64)", digits.target
    path, key = Path(source), None
    if not path.exists() and ":" in source:
        head, _, key = source.rpartition(":")
        path = Path(head)
    if path.is_dir():
        for pattern in ("**/mirror/latent.npz", "**/spiking/activity.npz", "**/connectome/activity.npz"):
            found = sorted(path.glob(pattern))
            if found:
                return _npz_array(found[0], key)
        raise DataError(
            f"{path} holds no mirror/latent.npz or spiking/activity.npz",
            key="ARRAY",
            fix="pass a run folder of a study with a mirror or spiking stage, or an array file",
        )
    if not path.is_file():
        raise DataError(f"no such file: {path}", key="ARRAY", fix="check the path")
    if path.stat().st_size == 0:
        raise DataError(f"{path} is empty", key="ARRAY", fix="pass a file with data")
    if path.suffix == ".npz":
        return _npz_array(path, key)
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False), str(path), None
    if path.suffix == ".csv":
        try:
            return np.loadtxt(path, delimiter=",", ndmin=2), str(path), None
        except ValueError:
            return np.loadtxt(path, delimiter=",", ndmin=2, skiprows=1), str(path), None
    raise DataError(f"unknown file type {path.suffix!r}", key="ARRAY", fix="use .npy, .npz, .csv or a run folder")


def reading(model: IntrinsicDimension) -> str:
    """A short plain-language reading of a fitted report."""
    lo, hi = model.interval_
    est = model.estimates_
    text = (
        f"The {model.n_points_} points ({model.n_features_in_} features) lie on a manifold of intrinsic dimension "
        f"about {model.dimension_:.1f} (interval {lo:.1f} to {hi:.1f}, which spans the calibrated estimators, the "
        f"neighbourhood scales from 1 to 20 neighbours and resampling noise). Linear PCA needs "
        f"{est['PCA_90']:.0f} components for 90 % of the variance (participation ratio {est['PR']:.1f}); "
    )
    if est["PCA_90"] > 1.5 * hi:
        text += "the manifold is curved: it fills more linear directions than its intrinsic dimension. "
    else:
        text += "the manifold is close to a linear subspace. "
    curve = model.scales_["id"]
    text += f"GRIDE reads {curve[0]:.1f} at the smallest scale and {curve[-1]:.1f} at the largest (uncalibrated). "
    dec = model.decimation_
    if len(dec["n"]) > 1:
        text += (
            f"TwoNN reads {dec['TwoNN'][0]:.1f} on all {int(dec['n'][0])} points and {dec['TwoNN'][-1]:.1f} "
            f"(s.d. {dec['TwoNN_sd'][-1]:.1f}) on subsamples of {int(dec['n'][-1])}. "
        )
    if model.classes_ is not None and np.isfinite(model.classes_["local_median"]).any():
        cl = model.classes_
        lo_i, hi_i = int(np.nanargmin(cl["local_median"])), int(np.nanargmax(cl["local_median"]))
        text += (
            f"Across the {len(cl['label'])} classes the median local ID ranges from {cl['local_median'][lo_i]:.1f} "
            f"(class {cl['label'][lo_i]}) to {cl['local_median'][hi_i]:.1f} (class {cl['label'][hi_i]}). "
        )
    if model.warnings_:
        text += "Caveats: " + " ".join(f"[{code}] {msg}." for code, msg in model.warnings_)
    return text


def _figure_png(model: IntrinsicDimension, title: str) -> bytes:
    from neuroengram.latent.figures import plot_report

    buf = io.BytesIO()
    plot_report(model, title).savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _html_table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value: object) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{value:.2f}"
    return html.escape(str(value))


def write_report(
    model: IntrinsicDimension, description: str, out: Path, sweep: dict[str, np.ndarray] | None = None
) -> Path:
    """Write ``out/report.html`` (self-contained), ``out/id.json`` and ``out/id.png`` (and ``out/elbow.png`` for a
    latent-width ``sweep``, :func:`width_sweep`); return the HTML path."""
    out.mkdir(parents=True, exist_ok=True)
    png = _figure_png(model, description)
    (out / "id.png").write_bytes(png)
    (out / "id.json").write_text(json.dumps(_json(model, description, sweep), indent=1))
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{model.estimates_[name]:.2f}</td>"
        f"<td>{_cell(model.calibrated_.get(name))}</td><td>{_interval_cell(model, name)}</td></tr>"
        for name in model.reported_
    )
    dec = model.decimation_
    extra = "<h2>ID against sample size (raw, disjoint subsamples)</h2>" + _html_table(
        ["points", "subsamples", "TwoNN", "s.d.", "MLE (k=10)", "s.d."],
        [
            [int(n), int(b), t, ts, m, ms]
            for n, b, t, ts, m, ms in zip(
                dec["n"], dec["blocks"], dec["TwoNN"], dec["TwoNN_sd"], dec["MLE_10"], dec["MLE_10_sd"], strict=True
            )
        ],
    )
    if model.classes_ is not None:
        cl = model.classes_
        extra += "<h2>ID per class</h2>" + _html_table(
            ["class", "points", "local ID median", "25 %", "75 %", "TwoNN (class)", "MLE k=20 (class)"],
            [list(row) for row in zip(*(cl[k] for k in cl), strict=True)],
        )
    if sweep is not None:
        elbow_png = _elbow_png(sweep)
        (out / "elbow.png").write_bytes(elbow_png)
        extra += (
            f"<h2>Autoencoder elbow</h2><p>{html.escape(_elbow_text(sweep))}</p><img alt='elbow' style='max-width:100%'"
            f" src='data:image/png;base64,{base64.b64encode(elbow_png).decode()}'>"
        )
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>intrinsic dimension</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}td,th{padding:2px 8px;text-align:right}"
        "</style></head><body>"
        f"<h1>Intrinsic dimension: {model.dimension_:.2f} [{model.interval_[0]:.2f}, {model.interval_[1]:.2f}]</h1>"
        f"<p>{html.escape(description)}; {model.n_input_} rows, {model.n_duplicates_} duplicates removed, "
        f"{model.n_features_in_} features.</p><p>{html.escape(reading(model))}</p>"
        "<table><tr><th>estimator</th><th>raw</th><th>calibrated</th><th>95 % interval</th></tr>"
        f"{rows}</table><img alt='report figure' style='max-width:100%' "
        f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>{extra}</body></html>\n"
    )
    path = out / "report.html"
    path.write_text(page)
    return path


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _interval_cell(model: IntrinsicDimension, name: str) -> str:
    if name not in INTERVAL_SET:
        return ""
    lo, hi = model.intervals_[name]
    return f"{lo:.2f} - {hi:.2f}"


def _lists(arrays: dict[str, np.ndarray]) -> dict[str, list]:
    return {
        k: [None if isinstance(x, float) and np.isnan(x) else x for x in np.asarray(v).tolist()]
        for k, v in arrays.items()
    }


def _json(model: IntrinsicDimension, description: str, sweep: dict[str, np.ndarray] | None = None) -> dict:
    out = {
        "source": description,
        **model.summary(),
        "intervals": {k: list(v) for k, v in model.intervals_.items()},
        "decimation": _lists(model.decimation_),
        "classes": None if model.classes_ is None else _lists(model.classes_),
        "warning_list": [{"code": c, "message": m} for c, m in model.warnings_],
        "reading": reading(model),
    }
    if sweep is not None:
        out["elbow"] = {**_lists(sweep), "elbow_width": sweep_elbow(sweep)}
    return out


def width_sweep(run_dir: Path) -> dict[str, np.ndarray] | None:
    """The mirror's latent-width sweep of a run folder, or None if it has fewer than 2 distinct widths.

    Per finished point with a mirror stage: ``width`` (``stages.mirror.latent_width`` of ``point.json``),
    ``test_loss`` (the mirror's held-out loss from ``result.json``) and the codes' recommended ID (``id``,
    ``id_low``, ``id_high``) and participation ratio ``pr``: the point's latent-stage metrics (``mirror_id``, ...)
    when it analysed the mirror, else computed here from ``mirror/latent.npz`` (no ESS / local PCA, 20
    resamples). Sorted by width, one point per width (the first).
    """
    rows = {}
    for point in sorted(run_dir.glob("points/*/")):
        files = [point / name for name in ("point.json", "result.json", "mirror/latent.npz")]
        if not all(f.is_file() for f in files):
            continue
        config, result = (json.loads(f.read_text()) for f in files[:2])
        width = config.get("stages", {}).get("mirror", {}).get("latent_width")
        metrics = result.get("metrics", {})
        loss = metrics.get("mirror", {}).get("test_loss")
        if width is None or loss is None or width in rows:
            continue
        latent = metrics.get("latent", {})
        keys = ("mirror_id", "mirror_id_low", "mirror_id_high", "mirror_raw_PR")
        if all(key in latent for key in keys):
            rows[width] = (loss, *(latent[key] for key in keys))
            continue
        codes, _, _ = _npz_array(files[2], "codes")
        model = IntrinsicDimension(n_bootstrap=20, heavy=False, estimators=("pca",)).fit(codes)
        rows[width] = (loss, model.dimension_, *model.interval_, model.estimates_["PR"])
    if len(rows) < 2:
        return None
    names = ("test_loss", "id", "id_low", "id_high", "pr")
    widths = sorted(rows)
    return {"width": np.array(widths), **{k: np.array([rows[w][i] for w in widths]) for i, k in enumerate(names)}}


ELBOW_MIN_DROP = 2.0
"""An elbow is marked only if the held-out loss falls at least this factor over the consecutive widths (a flat,
noisy loss curve has a curvature maximum too, but no elbow)."""


def sweep_elbow(sweep: dict[str, np.ndarray]) -> int | None:
    """The loss elbow (:func:`neuroengram.mirror.sweep.elbow_width`) on the consecutive widths from the smallest
    one (e.g. 1..6 of 1, 2, 3, 4, 5, 6, 8, 12); None if there are fewer than 3 or the loss falls by less than
    :data:`ELBOW_MIN_DROP`."""
    from neuroengram.mirror.sweep import elbow_width

    widths, loss = sweep["width"], sweep["test_loss"]
    run = 1 + int(np.argmax(np.append(np.diff(widths) != 1, True)))
    if run < 3 or np.any(loss[:run] <= 0) or loss[:run].max() < ELBOW_MIN_DROP * loss[:run].min():
        return None
    return elbow_width(widths[:run].tolist(), loss[:run].tolist())


def _elbow_text(sweep: dict[str, np.ndarray]) -> str:
    elbow = sweep_elbow(sweep)
    loss = sweep["test_loss"]
    where = (
        f"The held-out loss has its elbow at width {elbow}"
        if elbow is not None
        else f"No elbow is marked (the held-out loss goes from {loss.max():.3g} to {loss.min():.3g}; an elbow needs "
        f"at least 3 consecutive widths from the smallest and a fall by {ELBOW_MIN_DROP:g}x or more)"
    )
    return (
        f"{where}; the codes' intrinsic dimension goes from {sweep['id'][0]:.1f} at width {sweep['width'][0]} to "
        f"{sweep['id'][-1]:.1f} at width {sweep['width'][-1]}, their participation ratio from {sweep['pr'][0]:.1f} "
        f"to {sweep['pr'][-1]:.1f}. A code ID that stops growing with the width while the PR keeps growing means the "
        "extra latent dimensions spread the same manifold over more linear directions."
    )


def _elbow_png(sweep: dict[str, np.ndarray]) -> bytes:
    from neuroengram.latent.figures import plot_elbow

    buf = io.BytesIO()
    plot_elbow(sweep, sweep_elbow(sweep)).savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def format_table(rows: list[dict], summary: dict) -> str:
    """Per-manifold table (mean over seeds) of the recommended estimate, interval and raw estimators, plus MRE."""
    names = list(dict.fromkeys(r["manifold"] for r in rows))
    cols = [c for c in TABLE_COLUMNS if f"raw_{c}" in rows[0]]
    head = f"{'manifold':<18} {'d':>3} {'D':>3} {'id':>6} {'interval':>15} {'cov':>4} " + " ".join(
        f"{c[:8]:>8}" for c in cols
    )
    lines = [head, "-" * len(head)]
    for name in names:
        sub = [r for r in rows if r["manifold"] == name]
        mean = {k: float(np.mean([r[k] for r in sub])) for k in ("id", "id_low", "id_high")}
        covered = sum(r["covered"] for r in sub)
        lines.append(
            f"{name:<18} {sub[0]['d']:>3} {sub[0]['D']:>3} {mean['id']:>6.2f} "
            f"[{mean['id_low']:>6.2f},{mean['id_high']:>6.2f}] {covered:>2}/{len(sub)} "
            + " ".join(f"{np.mean([r[f'raw_{c}'] for r in sub]):>8.2f}" for c in cols)
        )
    lines.append(
        f"{'MRE %':<18} {'':>3} {'':>3} {summary['mre_id']:>6.2f} {'':>15} {summary['coverage']:>4.1f} "
        + " ".join(f"{summary[f'mre_raw_{c}']:>8.2f}" for c in cols)
    )
    cal = " ".join(f"{c}={summary[f'mre_cal_{c}']:.2f}" for c in INTERVAL_SET)
    lines.append(f"calibrated MRE %: {cal}")
    return "\n".join(lines)


@click.group("id")
def id_group() -> None:
    """Intrinsic dimension of an array or run, with intervals and warnings; validation on known manifolds."""


@id_group.command("estimate")
@click.argument("array")
@click.option("--bootstrap", default=100, show_default=True, help="Resamples for the 95 % intervals.")
@click.option("--exclude-window", default=0, show_default=True, help="Exclude neighbours within this many rows.")
@click.option("--max-points", default=10_000, show_default=True, help="Random subsample of rows above this size.")
@click.option("--fast", is_flag=True, help="Skip ESS and local PCA.")
@click.option(
    "--estimators",
    default=None,
    help=f"Comma-separated estimators to report (default all): {','.join(ESTIMATORS)}. The recommended estimate "
    "always uses its fixed set.",
)
@click.option("--seed", default=0, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write report.html, id.json, id.png.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def estimate(
    array: str,
    bootstrap: int,
    exclude_window: int,
    max_points: int,
    fast: bool,
    estimators: str | None,
    seed: int,
    out: Path | None,
    as_json: bool,
) -> None:
    """Estimate the intrinsic dimension of ARRAY (.npy, .npz[:key], .csv, a run folder, or sklearn:digits)."""
    chosen = None if estimators is None else check_estimators(estimators.split(","))
    if fast and chosen is not None and {"ess", "lpca"} & set(chosen):
        raise ConfigError(
            "--fast skips ess and lpca, which --estimators names", key="--estimators", fix="drop --fast or those names"
        )
    X, description, labels = load_array(array)
    X = check_points(X, name="ARRAY")
    rows = np.arange(len(X))
    if len(X) > max_points:
        rows = np.sort(np.random.default_rng(seed).choice(len(X), max_points, replace=False))
        description += f" (random {max_points} of {len(X)} rows)"
    model = IntrinsicDimension(
        n_bootstrap=bootstrap, exclude_window=exclude_window, heavy=not fast, estimators=chosen, random_state=seed
    ).fit(X[rows], y=None if labels is None else labels[rows], times=rows)
    sweep = width_sweep(Path(array)) if Path(array).is_dir() else None
    if out is not None:
        path = write_report(model, description, out, sweep)
        if not as_json:
            click.echo(f"wrote {path}")
    if as_json:
        click.echo(json.dumps(_json(model, description, sweep), indent=1))
        return
    click.echo(
        f"{description}: intrinsic dimension {model.dimension_:.2f} "
        f"[{model.interval_[0]:.2f}, {model.interval_[1]:.2f}]"
    )
    for name in model.reported_:
        raw = model.estimates_[name]
        click.echo(
            f"  {name:<11} raw {raw:8.2f}  calibrated {_cell(model.calibrated_.get(name)):>6}  "
            f"{_interval_cell(model, name)}"
        )
    click.echo(reading(model))


@id_group.command("validate")
@click.option("--seeds", default="0", show_default=True, help="Comma-separated seeds of BenchmarkManifolds.")
@click.option("--n", "n_points", default=2500, show_default=True, help="Points per manifold.")
@click.option("--manifolds", default="all", show_default=True, help="Comma-separated names, or all 24.")
@click.option("--bootstrap", default=50, show_default=True)
@click.option("--heavy/--fast", default=False, show_default=True, help="Also run ESS and local PCA.")
@click.option("--json", "as_json", is_flag=True)
def validate(seeds: str, n_points: int, manifolds: str, bootstrap: int, heavy: bool, as_json: bool) -> None:
    """Run all estimators on skdim's benchmark manifolds; print estimate vs true ID and the error per estimator."""
    from neuroengram.latent.validation import manifold_names, run_validation, summarize

    names = manifold_names() if manifolds == "all" else manifolds.split(",")
    unknown = sorted(set(names) - set(manifold_names()))
    if unknown:
        raise DataError(
            f"unknown manifolds {unknown}", key="--manifolds", fix="use names from skdim BenchmarkManifolds"
        )
    rows = run_validation([int(s) for s in seeds.split(",")], n_points, names, bootstrap, heavy)
    summary = summarize(rows)
    if as_json:
        click.echo(json.dumps({"rows": rows, "summary": summary}, indent=1))
    else:
        click.echo(format_table(rows, summary))
