"""``report.html``: one self-contained page per run, rebuilt from the run folder alone.

The page holds the study and its provenance, a metrics table per stage (one row per sweep point), sweep
summaries (a metric against a 1-D sweep as a line, against a 2-D sweep as a heatmap; also written to
``RUN_DIR/figures`` as PNG and SVG), every figure the stages wrote (embedded as base64 PNG, so the page opens
offline), and the traceback of every failed point.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any

import numpy as np

from neuroengram.results import load_run, point_dir

MAX_POINTS_WITH_FIGURES = 16
MAX_SWEEP_PLOTS_PER_STAGE = 12

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.4}
h1{margin-bottom:0}table{border-collapse:collapse;margin:1em 0;font-size:.9em}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}th{background:#f3f3f3}
td.l,th.l{text-align:left}.failed{color:#b00}.figs{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0;max-width:520px}figure img{max-width:100%}figcaption{font-size:.85em;color:#555}
pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.8em}.muted{color:#666}
"""


def write_report(run_dir: str | Path) -> Path:
    """Build ``RUN_DIR/report.html`` from the files in ``RUN_DIR``; return its path."""
    run_dir = Path(run_dir)
    config, records, prov = load_run(run_dir)
    study = config["study"]
    swept = list(config.get("sweep", {}))
    n_failed = sum(r["status"] == "failed" for r in records)
    parts = [
        f"<h1>{_e(study['name'])}</h1>",
        f"<p class='muted'>{_e(study.get('description', ''))}</p>",
        "<p>",
        f"{len(records)} point(s), {n_failed} failed; {prov.get('points_cached', 0)} reused from cache. ",
        f"Root seed {study['seed']} (every stage at every point derives its seed from it: the same study file and "
        f"versions give the same metrics). Wall time {prov.get('wall_time_s', float('nan')):.1f} s on "
        f"{_e(prov.get('scheduler', '?'))}.</p>",
    ]
    parts += _sweep_section(run_dir, records, swept)
    for stage in config["stages"]:
        parts += _metrics_table(stage, records, swept)
    parts += _figures_section(run_dir, records, swept)
    parts += _failures_section(records)
    parts += _provenance_section(config, prov)
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>neuroengram: {_e(study['name'])}</title><style>{_STYLE}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>\n"
    )
    path = run_dir / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _sweep_section(run_dir: Path, records: list[dict[str, Any]], swept: list[str]) -> list[str]:
    if not swept or len(swept) > 2:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig_dir = run_dir / "figures"
    fig_dir.mkdir(exist_ok=True)
    done = [r for r in records if r["status"] == "done"]
    parts = ["<h2>Sweep</h2><div class='figs'>"]
    stages = sorted({s for r in done for s in r["metrics"]})
    for stage in stages:
        names = sorted({m for r in done for m, v in r["metrics"].get(stage, {}).items() if _is_number(v)})
        for metric in names[:MAX_SWEEP_PLOTS_PER_STAGE]:
            fig = _sweep_figure(plt, done, swept, stage, metric)
            if fig is None:
                continue
            base = fig_dir / f"sweep_{stage}_{metric}"
            fig.savefig(base.with_suffix(".png"), dpi=100, bbox_inches="tight")
            fig.savefig(base.with_suffix(".svg"), bbox_inches="tight")
            plt.close(fig)
            parts.append(_figure_html(base.with_suffix(".png"), f"{stage}: {metric}"))
    parts.append("</div>")
    return parts if len(parts) > 2 else []


def _sweep_figure(plt: Any, records: list[dict[str, Any]], swept: list[str], stage: str, metric: str) -> Any:
    rows = [(r["overrides"], r["metrics"].get(stage, {}).get(metric)) for r in records]
    rows = [(o, v) for o, v in rows if _is_number(v)]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    if len(swept) == 1:
        xs = [o[swept[0]] for o, _ in rows]
        order = np.argsort(np.asarray(xs, dtype=float)) if all(_is_number(x) for x in xs) else range(len(xs))
        ax.plot([str(xs[i]) if not _is_number(xs[i]) else xs[i] for i in order], [rows[i][1] for i in order], "o-")
        ax.set_xlabel(swept[0])
        ax.set_ylabel(metric)
    else:
        xs = sorted({o[swept[0]] for o, _ in rows}, key=str)
        ys = sorted({o[swept[1]] for o, _ in rows}, key=str)
        grid = np.full((len(ys), len(xs)), np.nan)
        for o, v in rows:
            grid[ys.index(o[swept[1]]), xs.index(o[swept[0]])] = v
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(xs)), [str(x) for x in xs])
        ax.set_yticks(range(len(ys)), [str(y) for y in ys])
        ax.set_xlabel(swept[0])
        ax.set_ylabel(swept[1])
        fig.colorbar(image, ax=ax, label=metric)
    ax.set_title(f"{stage}: {metric}", fontsize=9)
    return fig


def _metrics_table(stage: str, records: list[dict[str, Any]], swept: list[str]) -> list[str]:
    names = sorted({m for r in records for m in r["metrics"].get(stage, {})})
    head = "".join(f"<th>{_e(c)}</th>" for c in ["point", *swept, "status", *names])
    rows = []
    for r in records:
        cells = [str(r["index"]), *(_fmt(r["overrides"].get(s)) for s in swept)]
        status = f"<td class='l {'failed' if r['status'] == 'failed' else ''}'>{_e(r['status'])}</td>"
        values = r["metrics"].get(stage, {})
        rows.append(
            "<tr>"
            + "".join(f"<td>{_e(c)}</td>" for c in cells)
            + status
            + "".join(f"<td>{_e(_fmt(values.get(m)))}</td>" for m in names)
            + "</tr>"
        )
    return [f"<h2>Stage {_e(stage)}</h2><table><tr>{head}</tr>{''.join(rows)}</table>"]


def _figures_section(run_dir: Path, records: list[dict[str, Any]], swept: list[str]) -> list[str]:
    parts = ["<h2>Figures</h2>"]
    shown = [r for r in records if r["status"] == "done"][:MAX_POINTS_WITH_FIGURES]
    for r in shown:
        pngs = sorted(point_dir(run_dir, r["key"]).glob("*/figures/*.png"))
        if not pngs:
            continue
        label = ", ".join(f"{k} = {_fmt(r['overrides'][k])}" for k in swept) or "the study"
        parts.append(f"<h3>Point {r['index']} ({_e(label)})</h3><div class='figs'>")
        parts += [_figure_html(p, f"{p.parent.parent.name}: {p.stem}") for p in pngs]
        parts.append("</div>")
    hidden = len(records) - len(shown)
    if hidden > 0:
        parts.append(f"<p class='muted'>Figures of {hidden} more point(s) are in points/*/*/figures/.</p>")
    return parts if len(parts) > 1 else []


def _failures_section(records: list[dict[str, Any]]) -> list[str]:
    failed = [r for r in records if r["status"] == "failed"]
    if not failed:
        return []
    parts = ["<h2 class='failed'>Failed points</h2>"]
    for r in failed:
        err = r["error"] or {}
        parts.append(
            f"<details><summary>Point {r['index']} ({_e(r['key'])}), stage {_e(err.get('stage'))}: "
            f"{_e(err.get('message'))}</summary><pre>{_e(err.get('traceback'))}</pre></details>"
        )
    return parts


def _provenance_section(config: dict[str, Any], prov: dict[str, Any]) -> list[str]:
    versions = "".join(
        f"<tr><td class='l'>{_e(k)}</td><td class='l'>{_e(v)}</td></tr>" for k, v in prov.get("versions", {}).items()
    )
    facts = {k: prov.get(k) for k in ("python", "platform", "git_commit", "command", "finished_at")}
    rows = "".join(f"<tr><td class='l'>{_e(k)}</td><td class='l'>{_e(v)}</td></tr>" for k, v in facts.items())
    stages = "".join(
        f"<tr><td class='l'>{_e(name)}</td><td class='l'><code>{_e(params)}</code></td></tr>"
        for name, params in config["stages"].items()
    )
    return [
        "<h2>Configuration and provenance</h2>",
        f"<table><tr><th class='l'>stage</th><th class='l'>parameters</th></tr>{stages}</table>",
        f"<table>{rows}</table><table><tr><th class='l'>package</th><th class='l'>version</th></tr>{versions}</table>",
    ]


def _figure_html(png: Path, caption: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (
        f"<figure><img alt='{_e(caption)}' src='data:image/png;base64,{data}'>"
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)
