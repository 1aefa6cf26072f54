"""GAN: a discriminator on magnitude spectrograms and least-squares adversarial losses.

Usable with any generator (any network in ``NETWORKS`` + any target): the trainer feeds the
discriminator the log magnitudes of clean and enhanced spectra. Least-squares GAN losses (Mao et
al., ICCV 2017), as SEGAN (Pascual et al., Interspeech 2017, arXiv:1703.09452) and MetricGAN use
for speech enhancement. The discriminator sees whole training excerpts and is not part of the
exported (inference) graph, so it need not be causal.
"""
from __future__ import annotations

import torch
from torch import nn

from ..losses import LOG_EPS


class SpectrogramDiscriminator(nn.Module):
    """Conv2d stack over ``log |X|`` ``(batch, frames, bins)`` -> one score per patch.

    Args:
        channels: width of each of the 3 conv layers (stride 2 along frequency, then time).
    """

    def __init__(self, channels: int = 16) -> None:
        super().__init__()
        self.channels = channels
        self.layers = nn.Sequential(
            nn.Conv2d(1, channels, (3, 5), stride=(1, 2), padding=(1, 2)), nn.LeakyReLU(0.2),
            nn.Conv2d(channels, channels, (3, 5), stride=(2, 2), padding=(1, 2)), nn.LeakyReLU(0.2),
            nn.Conv2d(channels, channels, (3, 5), stride=(2, 2), padding=(1, 2)), nn.LeakyReLU(0.2),
            nn.Conv2d(channels, 1, (1, 1)))

    def get_config(self) -> dict:
        return {"channels": self.channels}

    def forward(self, magnitude: torch.Tensor) -> torch.Tensor:
        """``(batch, frames, bins)`` magnitudes -> ``(batch, patches)`` real-valued scores."""
        log_mag = torch.log(magnitude ** 2 + LOG_EPS).unsqueeze(1) / 4.0  # [B, 1, T, F]
        return self.layers(log_mag).flatten(1)


def discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """LSGAN: ``mean((D(real) - 1)^2) + mean(D(fake)^2)``."""
    return ((real_scores - 1.0) ** 2).mean() + (fake_scores ** 2).mean()


def generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """LSGAN: ``mean((D(fake) - 1)^2)``: the generator wants its output scored as real."""
    return ((fake_scores - 1.0) ** 2).mean()


class AdversarialTraining(nn.Module):
    """A discriminator plus its loss weight: wraps the training of ANY generator.

    ``generator_term(fake)`` is added to the generator's loss (times ``weight``);
    ``discriminator_term(real, fake)`` is minimised by the discriminator's own optimiser (the
    fake magnitudes are detached there).
    """

    def __init__(self, weight: float = 0.05, channels: int = 16) -> None:
        super().__init__()
        self.weight = weight
        self.discriminator = SpectrogramDiscriminator(channels)

    def get_config(self) -> dict:
        return {"weight": self.weight, **self.discriminator.get_config()}

    def generator_term(self, fake_magnitude: torch.Tensor) -> torch.Tensor:
        return self.weight * generator_loss(self.discriminator(fake_magnitude))

    def discriminator_term(self, real_magnitude: torch.Tensor, fake_magnitude: torch.Tensor) -> torch.Tensor:
        return discriminator_loss(self.discriminator(real_magnitude),
                                  self.discriminator(fake_magnitude.detach()))
