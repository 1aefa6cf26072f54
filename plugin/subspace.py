"""``SubspaceDenoiser``: KLT signal-subspace enhancement as a plugin (see ``hushboard.dsp.subspace``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..dsp import dry_wet, subspace
from .base import Plugin
from .common import LINK, MIX, OUTPUT, REDUCTION_DB
from .parameter import Value
from .spectral import MODE, SENSITIVITY_DB, NoiseLearning


@dataclass
class SubspaceStreamState:
    """One stream: the geometry at its rate, the filter state, the learned noise band levels in
    this geometry (``None`` until the stream runs in ``mode="learned"``) and the dry/wet mixer."""

    geometry: subspace.Geometry
    sample_rate: float
    denoiser: subspace.SubspaceState
    learned: np.ndarray | None
    mixer: dry_wet.DryWetState


class SubspaceDenoiser(NoiseLearning, Plugin):
    """Time-domain-constrained subspace estimator for coloured noise (Hu & Loizou 2003).

    Each 16 ms group of 1.3 ms sample vectors is filtered by ``L U diag(g) U^T L^-1``: ``L`` is
    the Cholesky factor of the noise covariance (from a noise spectrum tracked by minimum
    statistics, or learned with ``learn()``), ``U`` the eigenvectors of the prewhitened 32 ms
    covariance estimate; eigen-components at or below the noise level get the ``reduction_db``
    floor, so noise of any colour alone comes out attenuated by about ``reduction_db``. Latency
    ``1.5 hop - 1`` samples (1151 at 48 kHz, 1043 at 44.1 kHz); any channel count.

    The controls the spectral denoisers share, where a subspace filter has them:
    ``reduction_db``, ``sensitivity_db`` (scales the noise covariance), ``mode`` (``adaptive``,
    ``learned`` from ``learn(noise_clip, sr)``, ``frozen``), ``mix``, ``output`` and ``link``:
    ``mean``/``min`` give linked channels ONE filter (one eigendecomposition for all of them, the
    channels' TDC gains combined by their mean or minimum), ``off`` one per channel. It has no
    ``attack_ms``/``release_ms``/``smoothing_hz``: it has no frequency bins to smooth, and its
    filter changes once per 16 ms group from a 32 ms covariance window, which is its time
    smoothing (a subspace filter leaves little of the one-bin "musical noise" those controls
    fight).

    Example:
        >>> import numpy as np
        >>> from hushboard.plugin.subspace import SubspaceDenoiser
        >>> noise = np.random.default_rng(0).normal(0, 0.05, 96000).astype(np.float32)
        >>> out = SubspaceDenoiser(reduction_db=12)(noise, 48000)
        >>> level_db = 10 * np.log10(np.mean(out[48000:] ** 2) / np.mean(noise[48000:] ** 2))
        >>> bool(-15 < level_db < -9)
        True
    """

    PARAMETERS = (REDUCTION_DB, SENSITIVITY_DB, MODE, MIX, OUTPUT, LINK)

    def _latency_for(self, sample_rate: float) -> int:
        return subspace.Geometry.at(sample_rate).latency

    def _create_state(self, sample_rate: float, num_channels: int,
                      values: Mapping[str, Value]) -> SubspaceStreamState:
        geometry = subspace.Geometry.at(sample_rate)
        denoiser = subspace.init_state(geometry, num_channels)
        return SubspaceStreamState(geometry, sample_rate, denoiser,
                                   self._learned_levels(values, sample_rate, geometry, denoiser,
                                                        num_channels),
                                   dry_wet.init_state(num_channels, geometry.latency,
                                                      float(values["mix"]), sample_rate))

    def _learned_levels(self, values: Mapping[str, Value], sample_rate: float, geometry: subspace.Geometry,
                        denoiser: subspace.SubspaceState, num_channels: int) -> np.ndarray | None:
        """The learned profile as this geometry's noise band levels (``None`` unless
        ``mode="learned"``; ``ValueError`` if nothing was learned)."""
        power = self._learned_power(values, sample_rate, geometry.fft_size, num_channels)
        return None if power is None else subspace.profile_levels(power, geometry, denoiser.tables)

    def _process_block(self, state: SubspaceStreamState, block: np.ndarray,
                       values: Mapping[str, Value]) -> np.ndarray:
        mode = values["mode"]
        if mode == "learned" and state.learned is None:  # switched to mid-stream
            state.learned = self._learned_levels(values, state.sample_rate, state.geometry, state.denoiser,
                                                 block.shape[0])
        controls = subspace.Controls(
            floor=10.0 ** (-float(values["reduction_db"]) / 20.0),
            noise_gain=10.0 ** (float(values["sensitivity_db"]) / 10.0),
            learned=state.learned if mode == "learned" else None,
            update=mode != "frozen",
            link=str(values["link"]))
        wet = subspace.process_block(state.denoiser, block, state.geometry, state.sample_rate,
                                     controls)
        return dry_wet.combine(state.mixer, block, wet, values["mix"], str(values["output"]))
