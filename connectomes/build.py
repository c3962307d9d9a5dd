"""Build the compact connectome CSVs in this folder from the original supplementary files.

The originals ship inside two PyPI packages, used here at build time only (never at run time)::

    pip install --no-deps cect wormneuroatlas   # the data files, not their dependency trees
    pip install xlrd openpyxl                   # to read .xls / .xlsx
    python connectomes/build.py                 # rewrites the CSVs and the table in README.md

What each output holds (one row per connection; names normalised to WormAtlas/cect style, ``VA01 -> VA1``):

``varshney2011.csv``
    ``NeuronConnect.xls`` (Varshney et al. 2011). Chemical: the sender-side rows ``S`` + ``Sp`` summed per ordered
    pair (the ``R``/``Rp`` rows list the same synapses from the receiver side). Gap junctions: ``EJ`` rows, listed in
    both directions in the original, kept once per unordered pair (``pre <= post``). ``NMJ`` rows are not kept.
``cook2019_herm.csv``
    Cook et al. 2019 SI 5 "corrected July 2020" (WormWiring), hermaphrodite sheets ``hermaphrodite chemical``
    (rows = presynaptic) and ``hermaphrodite gap jn symmetric`` (once per unordered pair). All cells (neurons,
    muscles, other cells); weights are the published EM-section counts.
``witvliet2021_8.csv``
    Witvliet et al. 2021 dataset 8 (adult, nerve ring only); electrical rows once per unordered pair.
``fenyves2020_signs.csv``
    Fenyves et al. 2020 S1 Data, sheet ``5. Sign prediction``: every chemical connection of the WormWiring
    hermaphrodite with its predicted polarity (``+``, ``-``, ``complex``, ``no pred``).
``cells.csv``
    One row per cell named in any of the above: ``cell_class`` (sensory / interneuron / motor / other for neurons,
    from cect's Cook 2019 classification; muscle / other for the rest), ``pharyngeal``, and the neurotransmitter
    identity of neurons from Fenyves S1 Data sheet ``1. NT expr`` (``transmitter`` = dominant, ``transmitter_alt``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
EDGE_COLUMNS = ["pre", "post", "kind", "synapses"]


def package_data(package: str) -> Path:
    """The ``data`` folder of an installed package, found without importing it (wormneuroatlas needs h5py)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{package} is not installed: pip install --no-deps {package}")
    return Path(spec.submodule_search_locations[0]) / "data"


def canonical(name: str) -> str:
    """WormAtlas/cect spelling: strip padding, upper-case neurons (``avfl``), drop index zeros (``VA01 -> VA1``)."""
    from cect.Cells import is_any_neuron, remove_leading_index_zero

    name = str(name).strip()
    if is_any_neuron(name.upper()) or is_any_neuron(remove_leading_index_zero(name.upper())):
        name = name.upper()
    return remove_leading_index_zero(name)


def undirected_once(edges: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per unordered pair of a symmetric edge list (``pre <= post``), checking symmetry."""
    key = edges.set_index(["pre", "post"])["synapses"]
    flipped = key.copy()
    flipped.index = flipped.index.swaplevel()
    both = pd.concat([key, flipped], axis=1, keys=["fwd", "rev"]).fillna(0)
    asym = both[both.fwd != both.rev]
    if len(asym):
        raise SystemExit(f"gap junctions not symmetric for {len(asym)} entries, e.g. {asym.head(3).to_dict()}")
    return edges[edges.pre <= edges.post]


def varshney() -> pd.DataFrame:
    with warnings.catch_warnings():  # pandas deprecates xlrd; the original is an .xls file
        warnings.simplefilter("ignore")
        raw = pd.read_excel(package_data("cect") / "NeuronConnect.xls", engine="xlrd")
    raw = raw.rename(columns={"Neuron 1": "pre", "Neuron 2": "post", "Nbr": "synapses"})
    raw["pre"] = raw.pre.map(canonical)
    raw["post"] = raw.post.map(canonical)
    chem = raw[raw.Type.isin(["S", "Sp"])].groupby(["pre", "post"], as_index=False).synapses.sum()
    chem["kind"] = "chemical"
    gap = raw[raw.Type == "EJ"].groupby(["pre", "post"], as_index=False).synapses.sum()
    gap = undirected_once(gap)
    gap["kind"] = "gap"
    return pd.concat([chem, gap])[EDGE_COLUMNS]


def matrix_edges(sheet: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Edges of a Cook 2019 SI 5 sheet: labels in row 2 (post) and column 2 (pre), from row/column 3 on."""
    rows = [i for i in range(3, sheet.shape[0]) if pd.notna(sheet.iat[i, 2])]
    cols = [j for j in range(3, sheet.shape[1]) if pd.notna(sheet.iat[2, j])]
    pre = [canonical(sheet.iat[i, 2]) for i in rows]
    post = [canonical(sheet.iat[2, j]) for j in cols]
    values = sheet.iloc[rows, cols].apply(pd.to_numeric, errors="raise").fillna(0).to_numpy()
    i, j = np.nonzero(values)
    return pd.DataFrame(
        {"pre": np.array(pre)[i], "post": np.array(post)[j], "kind": kind, "synapses": values[i, j].astype(int)}
    )


def cook2019_herm() -> pd.DataFrame:
    path = package_data("cect") / "SI 5 Connectome adjacency matrices, corrected July 2020.xlsx"
    sheets = pd.read_excel(path, sheet_name=["hermaphrodite chemical", "hermaphrodite gap jn symmetric"], header=None)
    chem = matrix_edges(sheets["hermaphrodite chemical"], "chemical")
    gap = undirected_once(matrix_edges(sheets["hermaphrodite gap jn symmetric"], "gap"))
    return pd.concat([chem, gap])[EDGE_COLUMNS]


def witvliet2021_8() -> pd.DataFrame:
    raw = pd.read_excel(package_data("cect") / "witvliet_2020_8 adult.xlsx")
    raw["pre"] = raw.pre.map(canonical)
    raw["post"] = raw.post.map(canonical)
    raw["kind"] = raw.type.map({"chemical": "chemical", "electrical": "gap"})
    chem = raw[raw.kind == "chemical"].groupby(["pre", "post", "kind"], as_index=False).synapses.sum()
    gap = raw[raw.kind == "gap"].copy()
    # electrical synapses are listed once, in either orientation: put the smaller name first and add up
    swap = gap.pre > gap.post
    gap.loc[swap, ["pre", "post"]] = gap.loc[swap, ["post", "pre"]].to_numpy()
    gap = gap.groupby(["pre", "post", "kind"], as_index=False).synapses.sum()
    return pd.concat([chem, gap])[EDGE_COLUMNS]


FENYVES = "journal.pcbi.1007974.s003.xlsx"


def fenyves2020_signs() -> pd.DataFrame:
    raw = pd.read_excel(
        package_data("wormneuroatlas") / FENYVES,
        sheet_name="5. Sign prediction",
        header=None,
        skiprows=2,
        usecols=[0, 3, 4, 16],
    )
    raw.columns = ["pre", "post", "synapses", "polarity"]
    raw["pre"] = raw.pre.map(canonical)
    raw["post"] = raw.post.map(canonical)
    return raw


def cells(names: set[str]) -> pd.DataFrame:
    from cect.Cells import PHARYNGEAL_NEURONS, get_SIM_class, is_any_neuron, is_potential_muscle

    nt = pd.read_excel(package_data("wormneuroatlas") / FENYVES, sheet_name="1. NT expr")
    nt["cell"] = nt["Class member"].map(canonical)
    nt = nt.set_index("cell")
    sim = {"Sensory": "sensory", "Interneuron": "interneuron", "Motorneuron": "motor", "Other": "other"}
    rows = []
    for name in sorted(names):
        neuron = is_any_neuron(name)
        cell_class = sim[get_SIM_class(name)] if neuron else ("muscle" if is_potential_muscle(name) else "other")
        rows.append(
            {
                "cell": name,
                "is_neuron": int(neuron),
                "cell_class": cell_class,
                "pharyngeal": int(name in PHARYNGEAL_NEURONS),
                "transmitter": nt["Dominant NT"].get(name, np.nan) if neuron else np.nan,
                "transmitter_alt": nt["Alternative NT"].get(name, np.nan) if neuron else np.nan,
            }
        )
    return pd.DataFrame(rows)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    tables = {
        "varshney2011.csv": varshney(),
        "cook2019_herm.csv": cook2019_herm(),
        "witvliet2021_8.csv": witvliet2021_8(),
        "fenyves2020_signs.csv": fenyves2020_signs(),
    }
    names = set()
    for table in tables.values():
        names |= set(table.pre) | set(table.post)
    tables["cells.csv"] = cells(names)
    lines = ["| file | rows | sha256 |", "|---|---|---|"]
    for filename, table in tables.items():
        table = table.sort_values(list(table.columns[:2])).reset_index(drop=True)
        table.to_csv(HERE / filename, index=False, lineterminator="\n")
        lines.append(f"| `{filename}` | {len(table)} | `{sha256(HERE / filename)}` |")
        print(f"{filename}: {len(table)} rows")
    text = README.read_text()
    table_md = "\n".join(lines)
    text = re.sub(
        r"(<!-- files:start -->\n).*?(<!-- files:end -->)",
        lambda m: m[1] + table_md + "\n" + m[2],
        text,
        flags=re.DOTALL,
    )
    README.write_text(text)


if __name__ == "__main__":
    main()
