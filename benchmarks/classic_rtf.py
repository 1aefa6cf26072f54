"""Real-time factor of the classic spectral denoisers (a number to read; not a test).

48 kHz stereo white noise streamed with reset=False in 512-sample blocks, one thread; best of
``--repeats`` runs. Also times a null estimator (gain 1) to show the framework's own share.

    OMP_NUM_THREADS=1 python benchmarks/classic_rtf.py [--seconds 10] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from hushboard.plugin.spectral import SpectralDenoiser  # noqa: E402
from hushboard.plugin.spectral_subtraction import SpectralSubtraction  # noqa: E402
from hushboard.plugin.wiener import WienerDenoiser  # noqa: E402

SR = 48000


class _UnityEstimator:
    """Gain 1 everywhere: the framework's per-frame cost alone."""

    @staticmethod
    def init_state(num_channels, num_bins, sample_rate, hop_size, values):
        return None

    @staticmethod
    def process_frame(state, power, noise_override, update, noise_gain, values):
        return np.ones_like(power)


class _Framework(SpectralDenoiser, register=False):
    ESTIMATOR = _UnityEstimator


def rtf(plugin, audio: np.ndarray, block: int, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        plugin.reset()
        start = time.perf_counter()
        for i in range(0, audio.shape[1], block):
            plugin.process(audio[:, i:i + block], SR, buffer_size=block, reset=False)
        best = min(best, time.perf_counter() - start)
    return best / (audio.shape[1] / SR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    audio = np.random.default_rng(0).normal(0, 0.1, (2, int(args.seconds * SR))).astype(np.float32)
    plugins = {"framework only (unity gain)": _Framework(),
               "SpectralSubtraction": SpectralSubtraction(),
               "WienerDenoiser wiener": WienerDenoiser(method="wiener"),
               "WienerDenoiser mmse-stsa": WienerDenoiser(method="mmse-stsa"),
               "WienerDenoiser log-mmse": WienerDenoiser(method="log-mmse")}
    for block in (512, 8192):
        for name, plugin in plugins.items():
            print(f"block {block:5d}  {name:28s} RTF {rtf(plugin, audio, block, args.repeats):.4f}")


if __name__ == "__main__":
    main()
