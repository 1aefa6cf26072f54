"""HumRemover (linear filtering): hum out, music in, auto mains detection, no clicks."""
from __future__ import annotations

import numpy as np
import pytest

import hushboard

SR = 48000


def tone(freq, n, amp=1.0, sr=SR):
    return amp * np.sin(2 * np.pi * freq * np.arange(n) / sr)


def hum(mains, n, sr=SR):
    return sum(tone(k * mains, n, 0.1 / k, sr) for k in range(1, 6))


def db(x):
    return 10 * np.log10(np.mean(np.square(x)) + 1e-20)


@pytest.mark.parametrize("mains", [50, 60])
def test_hum_is_removed_and_a_tone_between_harmonics_is_kept(mains):
    n = 3 * SR
    music = tone(440.0 + mains / 2, n, 0.2)  # halfway between two harmonics
    x = (music + hum(mains, n)).astype(np.float32)
    y = hushboard.HumRemover(mains_hz="auto")(x, SR)
    settled = slice(SR, n)  # auto-detection decides within the first second
    before, after = line_levels_db(x[settled]), line_levels_db(y[settled])
    for k in range(1, 6):
        assert after[k * mains] < before[k * mains] - 25  # every harmonic >= 25 dB down
    assert abs(after[440.0 + mains / 2] - before[440.0 + mains / 2]) < 0.5  # the tone stays


def line_levels_db(x):
    """Level in dB of each spectral line (0.5 Hz resolution over 2 s), by frequency in Hz."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    return {float(f): 20 * np.log10(a + 1e-20) for f, a in zip(freqs, spectrum)}


def test_auto_detection_switches_to_the_series_present():
    plugin = hushboard.HumRemover(mains_hz="auto")
    plugin.process(hum(60, 2 * SR).astype(np.float32), SR, reset=False)
    assert plugin._stream.dsp[0].target == 1.0
    plugin.reset()
    plugin.process(hum(50, 2 * SR).astype(np.float32), SR, reset=False)
    assert plugin._stream.dsp[0].target == 0.0


def test_highpass_removes_rumble():
    n = 2 * SR
    y = hushboard.HumRemover(highpass_hz=80, reduction_db=0)(tone(15, n, 0.5).astype(np.float32), SR)
    assert db(y[SR:]) < db(tone(15, n, 0.5)) - 30


def test_removed_output_is_what_denoised_takes_out():
    x = (tone(1000, SR, 0.2) + hum(50, SR)).astype(np.float32)
    denoised = hushboard.HumRemover(mains_hz="50")(x, SR)
    removed = hushboard.HumRemover(mains_hz="50", output="removed")(x, SR)
    np.testing.assert_allclose(denoised + removed, x, atol=1e-6)
    half = hushboard.HumRemover(mains_hz="50", mix=0.5)(x, SR)
    np.testing.assert_allclose(half, 0.5 * (x + denoised), atol=1e-6)


def test_parameter_changes_mid_stream_do_not_click():
    x = (tone(300, 2 * SR, 0.3) + hum(50, 2 * SR)).astype(np.float32)
    plugin = hushboard.HumRemover(mains_hz="50", reduction_db=0)
    outs = []
    for i, start in enumerate(range(0, 2 * SR, 4800)):
        if i == 10:
            plugin.reduction_db, plugin.harmonics, plugin.mix = 60.0, 12, 0.3
        outs.append(plugin.process(x[start:start + 4800], SR, reset=False))
    y = np.concatenate(outs)
    steps = np.abs(np.diff(y))
    # a 300 Hz tone of 0.3 moves at most 2*pi*300/48000*0.3 = 0.012 per sample (+hum); a click
    # would be a jump far above that
    assert steps[44000:52000].max() < 0.03
