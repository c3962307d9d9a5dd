"""The training loop's learning-rate schedules, measured from the weight updates they produce."""

from __future__ import annotations

import math

import pytest
import torch

from neuroengram.errors import ConfigError
from neuroengram.mirror.train import train


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_learning_rate_schedule_follows_its_equation(schedule: str) -> None:
    # A loss with a constant gradient: Adam's step is then exactly the learning rate (m / sqrt(v) = 1), so the
    # weight after every mini-batch step traces the schedule lr_s = lr (1 + cos(pi s / S)) / 2 (cosine).
    weight = torch.nn.Linear(1, 1, bias=False)
    weight.weight.data.zero_()
    seen: list[float] = []

    def loss(model: torch.nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        seen.append(model.weight.detach().item())
        return model.weight.sum()

    data = (torch.zeros(40, 1),)
    train(
        weight,
        data,
        loss,
        epochs=5,
        lr=0.01,
        batch_size=10,
        generator=torch.Generator().manual_seed(0),
        schedule=schedule,
    )
    seen.append(weight.weight.detach().item())
    steps = torch.tensor(seen).diff().neg()
    total = len(steps)
    expected = [0.01 * ((1 + math.cos(math.pi * s / total)) / 2 if schedule == "cosine" else 1.0) for s in range(total)]
    torch.testing.assert_close(steps, torch.tensor(expected), rtol=1e-4, atol=1e-7)


def test_unknown_schedule_names_the_field() -> None:
    with pytest.raises(ConfigError, match="unknown schedule 'step'") as err:
        train(
            torch.nn.Linear(1, 1),
            (torch.zeros(4, 1),),
            lambda m, b: m.weight.sum(),
            epochs=1,
            lr=0.1,
            batch_size=2,
            generator=torch.Generator(),
            schedule="step",
        )  # type: ignore[arg-type]
    assert err.value.key == "schedule"
