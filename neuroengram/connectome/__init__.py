"""C. elegans connectomes as signed directed graphs, network motifs and their significance against null models.

Public API::

    from neuroengram.connectome import load_connectome, triad_census, motif_significance
    G = load_connectome("varshney2011")                       # 279 neurons, 2194 chemical edges
    triad_census(G)["030T"]                                    # 1453 feed-forward loops
    motif_significance(G, ["ffl", "bifan"], null="mutual", n_samples=100, seed=0)   # N_real, mean, SD, Z, fold, p
"""

from neuroengram.connectome.loader import DATASETS, data_dir, graph_from_weights, load_connectome
from neuroengram.connectome.motifs import (
    CONNECTED_TRIADS,
    MOTIFS,
    NULL_MODELS,
    count_motifs,
    motif_significance,
    null_counts,
    random_reference,
    significance_profile,
    significance_table,
    triad_census,
)

__all__ = [
    "CONNECTED_TRIADS",
    "DATASETS",
    "MOTIFS",
    "NULL_MODELS",
    "count_motifs",
    "data_dir",
    "graph_from_weights",
    "load_connectome",
    "motif_significance",
    "null_counts",
    "random_reference",
    "significance_profile",
    "significance_table",
    "triad_census",
]
