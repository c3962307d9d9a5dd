"""Baseline sequence classifiers (GRU, LSTM, Elman RNN) sized to a parameter budget, for fair comparisons."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

Kind = Literal["gru", "lstm", "rnn"]
_LAYERS: dict[str, type[nn.RNNBase]] = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}


class RecurrentClassifier(nn.Module):
    """One recurrent layer (``kind``) and a linear read-out of its last hidden state: ``(B, T, D) -> (B, C)``."""

    def __init__(self, kind: Kind, n_inputs: int, hidden: int, n_outputs: int) -> None:
        super().__init__()
        self.recurrent = _LAYERS[kind](n_inputs, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _ = self.recurrent(x)
        return self.head(output[:, -1])


def parameter_count(model: nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def matched_classifier(kind: Kind, n_inputs: int, n_outputs: int, budget: int) -> RecurrentClassifier:
    """The ``kind`` classifier whose trainable parameter count is closest to ``budget``."""
    best: RecurrentClassifier | None = None
    for hidden in range(1, 4096):
        model = RecurrentClassifier(kind, n_inputs, hidden, n_outputs)
        if best is not None and parameter_count(model) - budget > budget - parameter_count(best):
            break
        best = model
    assert best is not None
    return best
