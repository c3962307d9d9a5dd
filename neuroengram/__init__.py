"""neuroengram: an autoencoder-based neuromimetic engram simulator.

Stages (one sub-package each, data flows one way):
``spiking`` -> ``connectome`` -> ``mirror`` -> ``latent`` -> ``engram``.
"""

from neuroengram.errors import ConfigError, DataError, NeuroEngramError, StageError

__version__ = "0.1.0"

__all__ = ["ConfigError", "DataError", "NeuroEngramError", "StageError", "__version__"]
