"""One exception family for neuroengram.

Every error a user can cause carries the offending key (a dotted config path or a parameter name),
what was expected, and how to fix it. The CLI prints ``str(err)`` on one line and exits with status 2.
"""

from __future__ import annotations


class NeuroEngramError(Exception):
    """Base class of all errors neuroengram raises on purpose.

    Parameters
    ----------
    message:
        What went wrong, in one sentence.
    key:
        The offending config path (``"stages.spiking.n_exc"``) or parameter name, if any.
    fix:
        What the user should do instead, if it can be said.
    """

    def __init__(self, message: str, *, key: str | None = None, fix: str | None = None) -> None:
        self.message = message
        self.key = key
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.key}: {self.message}" if self.key else self.message
        return f"{text} (fix: {self.fix})" if self.fix else text


class ConfigError(NeuroEngramError):
    """A study file or a parameter value is invalid."""


class DataError(NeuroEngramError):
    """Input data has the wrong shape, type, or content (NaN, non-binary where binary is required, ...)."""


class StageError(NeuroEngramError):
    """A stage could not run (missing upstream output, diverging training, ...)."""
