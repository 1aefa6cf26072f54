"""NoiseSuppressor: noise goes down by reduction_db over the full band, tones stay, the
noise-update hook decides whether a sustained tone is learned as noise, learn() works."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.plugin.noise_suppressor import NoiseSuppressor
from tests.plugin.test_classic_denoisers import level_db, pink, tone_level_db, white

SR = 48000


def band_change_db(y: np.ndarray, x: np.ndarray, low_hz: float, high_hz: float) -> float:
    """Output over input power in ``[low_hz, high_hz)``, in dB."""
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    band = (freqs >= low_hz) & (freqs < high_hz)
    return float(10 * np.log10(np.sum(np.abs(np.fft.rfft(y))[band] ** 2)
                               / np.sum(np.abs(np.fft.rfft(x))[band] ** 2)))


@pytest.mark.parametrize("reduction_db", [12.0, 20.0])
@pytest.mark.parametrize("make_noise", [white, pink], ids=["white", "pink"])
def test_noise_alone_is_attenuated_by_reduction_db(make_noise, reduction_db):
    noise = make_noise(4 * SR, 0.05, 4)
    y = NoiseSuppressor(reduction_db=reduction_db)(noise.astype(np.float32), SR)
    settled = slice(2 * SR, None)
    change = level_db(y[settled]) - level_db(noise[settled])
    assert abs(change + reduction_db) < 3.0  # measured: -12.0/-20.0 (white and pink)


def test_white_noise_above_8_khz_is_reduced_per_bin_not_by_one_scalar():
    noise = white(4 * SR, 0.05, 5)
    y = NoiseSuppressor(reduction_db=20.0)(noise.astype(np.float32), SR)
    settled = slice(2 * SR, None)
    for low, high in [(8000, 12000), (12000, 16000), (16000, 24000)]:
        assert abs(band_change_db(y[settled], noise[settled], low, high) + 20.0) < 3.0


def tone_after_noise(seconds: float, onset_s: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """White noise throughout, a 1 kHz tone 10 dB above it from ``onset_s`` on."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    tone = np.sin(2 * np.pi * 1000 * t) * (t >= onset_s)
    noise = white(n, np.sqrt(0.5 / 10.0), seed)  # tone power 0.5, noise 0.05
    return tone, tone + noise


def test_tone_in_noise_is_kept_and_the_noise_reduced():
    tone, noisy = tone_after_noise(3.0, onset_s=2.0, seed=6)
    y = NoiseSuppressor(reduction_db=12.0)(noisy.astype(np.float32), SR).astype(np.float64)
    # adaptive mode: the tone is kept until the quantile window learns it (see the next test)
    window = slice(int(2.1 * SR), int(2.6 * SR))
    assert abs(tone_level_db(y[window], 1000.0, 0)) < 1.0  # measured: -0.2 dB
    assert level_db(y[SR:2 * SR]) - level_db(noisy[SR:2 * SR]) < -11.0


class FreezeAfter(NoiseSuppressor, register=False):
    """Stands in for Solution 1's music detector: noise-update factor 0 after ``frames`` frames."""

    frames = 190  # 2 s at a 512-sample hop: past the quantile start-up, before the tone

    def _noise_update_factors(self, state, power, values):
        index = state.frames_done + np.arange(power.shape[1])
        return (index < self.frames).astype(float)


@pytest.mark.parametrize("plugin", [NoiseSuppressor(), FreezeAfter(), NoiseSuppressor(mode="frozen")],
                         ids=["update-1", "update-0-after-2s", "frozen"])
def test_update_factor_decides_whether_a_sustained_tone_is_learned_as_noise(plugin):
    tone, noisy = tone_after_noise(6.0, onset_s=2.5, seed=7)
    y = plugin(noisy.astype(np.float32), SR).astype(np.float64)
    late = tone_level_db(y[int(4.5 * SR):], 1000.0, 0)
    if isinstance(plugin, FreezeAfter) or plugin.mode == "frozen":
        assert late > -1.0  # measured: -0.2 dB both: the tone was never taken for noise
    else:
        assert late < -9.0  # measured: -12 dB: the quantile estimator learned the tone


def test_learned_profile_removes_the_noise_and_keeps_a_tone():
    tone, noisy = tone_after_noise(3.0, onset_s=0.0, seed=8)
    plugin = NoiseSuppressor(reduction_db=15.0)
    plugin.learn(white(SR, np.sqrt(0.05), 9).astype(np.float32), SR)
    assert plugin.mode == "learned"
    y = plugin(noisy.astype(np.float32), SR).astype(np.float64)
    assert abs(tone_level_db(y[SR:], 1000.0, 0)) < 1.0  # measured: -0.2 dB
    residual = y[SR:] - tone[SR:]
    assert level_db(residual) - level_db(noisy[SR:] - tone[SR:]) < -10.0  # measured: -13.6 dB


def test_quantile_bound_sits_at_the_mean_noise_magnitude_and_lowers_a_leaked_estimate():
    """Step 6b: QUANTILE_TO_MEAN x the 25 % quantile estimates the mean noise magnitude (so the
    bound leaves a right estimate alone), and where a source on 2/3 of the time has leaked into
    the recursive estimate, the noise the gain sees is lower with the bound than without it."""
    from hushboard.dsp import noise_suppressor as dsp

    def run(bound: float) -> tuple[float, float]:
        rng = np.random.default_rng(0)
        state = dsp.init_state(1, 513, SR, 512, {})
        values = {"reduction_db": 12.0, "aggressiveness": 0.0}
        source = np.arange(20, 400, 20)
        quiet, loud = [], []
        for frame in range(600):
            power = rng.exponential(1.0, (1, 513))  # E|Y|^2 = 1: mean magnitude sqrt(pi) / 2
            if (frame // 20) % 3 != 2:
                power[0, source] += 10.0
            dsp.process_frame(state, power, None, 1.0, 1.0, values)
            if frame > 200:
                seen = np.minimum(state.noise, bound * state.quantile.noise)[0] / (np.sqrt(np.pi) / 2)
                quiet.append(20 * np.log10(dsp.QUANTILE_TO_MEAN * state.quantile.noise[0, 450:500]).mean()
                             - 20 * np.log10(np.sqrt(np.pi) / 2))
                loud.append(20 * np.log10(seen[source]).mean())
        return float(np.mean(quiet)), float(np.mean(loud))

    quiet_db, bounded_db = run(dsp.QUANTILE_TO_MEAN)
    assert abs(quiet_db) < 1.0  # noise-only bins: the bound is the mean magnitude
    assert bounded_db < run(np.inf)[1] - 1.5  # 6.2 dB over the noise instead of 8.4 dB


def test_fall_update_lets_the_noise_estimate_fall_while_rises_stay_frozen():
    """``fall_update`` (the MusicAwareDenoiser's rule): with update 0 the estimate learned on loud
    noise still falls to quieter noise, but does not climb when the level comes back up."""
    from hushboard.dsp import noise_suppressor as dsp

    values = {"reduction_db": 12.0, "aggressiveness": 0.0}
    rng = np.random.default_rng(1)

    def level(state) -> float:
        return float(20 * np.log10(state.noise[0, 20:500]).mean())

    states = {"fall": dsp.init_state(1, 513, SR, 512, values), "frozen": dsp.init_state(1, 513, SR, 512, values)}
    states["fall"].fall_update = 1.0
    for state in states.values():
        for _ in range(300):  # learn noise 20 dB above what follows
            dsp.process_frame(state, 100.0 * rng.exponential(1.0, (1, 513)), None, 1.0, 1.0, values)
    learned = level(states["fall"])
    for _ in range(400):
        power = rng.exponential(1.0, (1, 513))
        for state in states.values():
            dsp.process_frame(state, power, None, 0.0, 1.0, values)
    assert level(states["fall"]) < learned - 12.0  # it followed the quieter noise down
    assert level(states["frozen"]) == pytest.approx(learned, abs=0.1)  # update 0 alone: frozen
    fallen = level(states["fall"])
    for _ in range(200):
        dsp.process_frame(states["fall"], 100.0 * rng.exponential(1.0, (1, 513)), None, 0.0, 1.0, values)
    assert level(states["fall"]) < fallen + 1.0  # no rise while update is 0
