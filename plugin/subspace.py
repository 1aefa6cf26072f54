"""``SubspaceDenoiser``: KLT signal-subspace enhancement as a plugin (see ``hushboard.dsp.subspace``)."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..dsp import dry_wet, subspace
from .base import Plugin
from .common import MIX, OUTPUT, REDUCTION_DB
from .parameter import Value


class SubspaceDenoiser(Plugin):
    """Time-domain-constrained subspace estimator for coloured noise (Hu & Loizou 2003).

    Each 16 ms group of 1.3 ms sample vectors is filtered by ``L U diag(g) U^T L^-1``: ``L`` is
    the Cholesky factor of the noise covariance (from a noise spectrum tracked by minimum
    statistics), ``U`` the eigenvectors of the prewhitened 32 ms covariance estimate;
    eigen-components at or below the noise level get the ``reduction_db`` floor, so noise of any
    colour alone comes out attenuated by about ``reduction_db``. Not STFT-based: there is no
    stereo link (each channel has its own eigenvectors). Latency ``1.5 hop - 1`` samples (1151
    at 48 kHz, 1043 at 44.1 kHz); any channel count.

    Example:
        >>> import numpy as np
        >>> from hushboard.plugin.subspace import SubspaceDenoiser
        >>> noise = np.random.default_rng(0).normal(0, 0.05, 96000).astype(np.float32)
        >>> out = SubspaceDenoiser(reduction_db=12)(noise, 48000)
        >>> level_db = 10 * np.log10(np.mean(out[48000:] ** 2) / np.mean(noise[48000:] ** 2))
        >>> bool(-15 < level_db < -9)
        True
    """

    PARAMETERS = (REDUCTION_DB, MIX, OUTPUT)

    def _latency_for(self, sample_rate: float) -> int:
        return subspace.Geometry.at(sample_rate).latency

    def _create_state(self, sample_rate: float, num_channels: int,
                      values: Mapping[str, Value]) -> Any:
        geometry = subspace.Geometry.at(sample_rate)
        return (geometry, sample_rate, subspace.init_state(geometry, num_channels),
                dry_wet.init_state(num_channels, geometry.latency, float(values["mix"]), sample_rate))

    def _process_block(self, state: Any, block: np.ndarray, values: Mapping[str, Value]) -> np.ndarray:
        geometry, sample_rate, denoiser, mixer = state
        floor = 10.0 ** (-float(values["reduction_db"]) / 20.0)
        wet = subspace.process_block(denoiser, block, geometry, sample_rate, floor)
        return dry_wet.combine(mixer, block, wet, values["mix"], str(values["output"]))
