"""MusicDetector and MusicAwareDenoiser (Solution 1) with the shipped detector weights."""
from __future__ import annotations

import numpy as np
import pytest

import hushboard
from hushboard.plugin import demo

SR = 48000


@pytest.fixture(scope="module")
def clips():
    return demo.load_clip("target"), demo.load_clip("noise")  # speech + music; fan + hum


def test_detector_passes_audio_through_and_reports_frames(clips):
    target, _ = clips
    detector = hushboard.MusicDetector()
    out = detector(target, SR)
    np.testing.assert_array_equal(out, target)
    assert detector.latency_samples == 0
    p = detector.last_probabilities
    assert p.times_s.shape == p.music.shape == p.speech.shape and p.times_s.size > 500
    np.testing.assert_allclose(np.diff(p.times_s), 512 / SR)
    assert ((0 <= p.music) & (p.music <= 1)).all()


def test_detector_streams_like_the_whole_call(clips):
    target, _ = clips
    detector = hushboard.MusicDetector()
    detector(target, SR)
    whole = detector.last_probabilities
    detector.reset()
    music = []
    for i in range(0, target.shape[1], 1000):
        detector.process(target[:, i:i + 1000], SR, reset=False)
        music.append(detector.last_probabilities.music)
    np.testing.assert_allclose(np.concatenate(music), whole.music, atol=1e-5)


def test_probabilities_of_a_detector_inside_a_chain_cover_the_whole_call(clips):
    target, _ = clips
    detector = hushboard.MusicDetector()
    hushboard.Chain([detector])(target, SR)  # the chain hands audio over without process()
    alone = hushboard.MusicDetector()
    alone(target, SR)
    assert detector.last_probabilities.music.size >= target.shape[1] // 512
    np.testing.assert_allclose(detector.last_probabilities.music, alone.last_probabilities.music, atol=1e-5)


def test_music_is_detected_in_music_and_not_in_fan_noise(clips):
    target, noise = clips
    detector = hushboard.MusicDetector()
    detector(target, SR)
    in_music = detector.last_probabilities.music[100:].mean()
    detector(noise, SR)
    in_noise = detector.last_probabilities.music[100:].mean()
    assert in_music > 0.3 and in_noise < 0.1  # the clip's music sits 14 dB under the voice


def test_zero_protection_is_exactly_noise_suppressor(clips):
    target, noise = clips
    x = (target + 0.5 * noise).astype(np.float32)
    a = hushboard.MusicAwareDenoiser(music_protection=0.0)(x, SR)
    b = hushboard.NoiseSuppressor()(x, SR)
    np.testing.assert_array_equal(a, b)


def test_protection_keeps_more_of_the_music(clips):
    target, noise = clips
    x = (target + 0.5 * noise).astype(np.float32)
    plugin = hushboard.MusicAwareDenoiser()
    protected = plugin(x, SR)
    assert plugin.last_music_probability.size >= x.shape[1] // 512  # every frame of the call
    plain = hushboard.NoiseSuppressor()(x, SR)
    kept = lambda y: float(np.sum(y * target) / np.sum(target * target))  # noqa: E731
    assert kept(protected) > kept(plain)
