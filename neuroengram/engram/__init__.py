"""The engram stage: closed-form isolation, erasure and composition of memories in a trained network's weights.

Public API:

- :class:`EngramEstimator` (scikit-learn style): ``fit(model, target_batches, reference_batches)`` learns the
  statistics and the engram of every linear map (or of the maps named in ``maps``, e.g. ``("to_latent",)``, the
  map that writes the mirror's latent code); ``erase`` / ``isolate`` return edited copies, ``compose`` adds
  engrams of disjoint subsets, ``engram_parameters`` gives them as a weight dict, ``layer_criteria`` the per-map
  specificity and reactivation.
- :func:`collect_moments`, :func:`linear_maps`, :func:`relative_pinv`: the functional core.
- :func:`composition_error`, :func:`partition_error`: the algebraic identities, measured.
- :func:`classification_criteria`: the four criteria of a class engram in a classifier;
  :func:`erase_sequence_class`: erasure of one sequence class from a (recurrent) autoencoder.
- :func:`guarded_erase`, :func:`guard_alphas`: the stability guard for recurrent maps (caps their edit so the edited
  dynamics keep the original's spectral radius, of ``W`` or of the Jacobian on the data; reports its action);
  :func:`spectral_radius`, :func:`trajectory_radius`: the measured radii.
- :func:`melody_engram`, :func:`erase_melody`: one melody's engram in the rate mirror of the spiking melody circuit,
  erased and carried back to Brian2 (:mod:`neuroengram.engram.spiking_erase`).
- :func:`kfac_factors`, :func:`keep_curvature_mass`: the curvature spectrum (keep the top-ρ K-FAC curvature mass).
"""

from neuroengram.engram.criteria import classification_criteria
from neuroengram.engram.curvature import keep_curvature_mass, kfac_factors
from neuroengram.engram.estimator import EngramEstimator, composition_error, partition_error, relative_pinv
from neuroengram.engram.sequences import erase_sequence_class
from neuroengram.engram.spiking_erase import erase_melody, melody_engram
from neuroengram.engram.stability import guard_alphas, guarded_erase, spectral_radius, trajectory_radius
from neuroengram.engram.statistics import LinearMap, Moments, collect_moments, linear_maps

__all__ = [
    "EngramEstimator",
    "LinearMap",
    "Moments",
    "classification_criteria",
    "collect_moments",
    "composition_error",
    "erase_melody",
    "erase_sequence_class",
    "guard_alphas",
    "guarded_erase",
    "keep_curvature_mass",
    "kfac_factors",
    "linear_maps",
    "melody_engram",
    "partition_error",
    "relative_pinv",
    "spectral_radius",
    "trajectory_radius",
]
