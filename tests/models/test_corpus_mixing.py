"""Seeded mixing and scenario recipes on a tiny generated corpus."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.models import corpus, mixing, scenarios

SR = 48000


@pytest.fixture(scope="module")
def test_split(tmp_path_factory):
    cache = tmp_path_factory.mktemp("corpus")
    corpus.build_synthetic(cache, files_per_kind=10, seconds=1.0)
    return corpus.CorpusSource("test", cache)


@pytest.mark.parametrize("name", list(scenarios.SCENARIOS))
def test_scene_rebuilds_bit_exactly_from_its_seed(test_split, name):
    a = scenarios.scene(name, test_split, 2, seconds=1.0)
    b = scenarios.scene(name, test_split, 2, seconds=1.0)
    assert a.seed == b.seed
    assert np.array_equal(a.target, b.target) and np.array_equal(a.noise, b.noise)
    assert a.target.dtype == np.float32 and a.target.shape == (SR,)
    other = scenarios.scene(name, test_split, 3, seconds=1.0)
    assert not np.array_equal(a.noisy, other.noisy)
    # scene i does not depend on how many scenes are built
    assert np.array_equal(scenarios.scenes(name, test_split, 3, seconds=1.0)[2].noisy, a.noisy)


@pytest.mark.parametrize("name", list(scenarios.SCENARIOS))
def test_scene_snr_level_and_range(test_split, name):
    lo, hi = scenarios.SCENARIOS[name].snr_db
    for scene in scenarios.scenes(name, test_split, 4, seconds=1.0):
        measured = 10 * np.log10(np.mean(scene.target.astype(float) ** 2) / np.mean(scene.noise.astype(float) ** 2))
        assert measured == pytest.approx(scene.snr_db, abs=0.01)
        assert lo <= scene.snr_db <= hi
        assert np.max(np.abs(scene.noisy)) <= mixing.PEAK_LIMIT + 1e-6


def test_music_scene_target_is_speech_plus_music_3_to_10_db_under(test_split):
    for seed in range(4):
        both = scenarios.make_target(test_split, "speech+music", np.random.default_rng(seed), SR)
        speech = scenarios.make_target(test_split, "speech", np.random.default_rng(seed), SR)
        music = both - speech  # the speech excerpt is drawn first, so it is the same one
        ratio_db = 10 * np.log10(np.mean(music ** 2) / np.mean(speech ** 2))
        assert -10.0 - 1e-9 <= ratio_db <= -3.0 + 1e-9


def test_music_target_is_a_music_excerpt(test_split):
    music = scenarios.make_target(test_split, "music", np.random.default_rng(0), SR)
    assert np.sqrt(np.mean(music ** 2)) == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(ValueError, match="unknown target kind"):
        scenarios.make_target(test_split, "noise", np.random.default_rng(0), SR)


def test_mix_without_augmentation_sets_exact_snr_and_level():
    rng = np.random.default_rng(0)
    target, noise = rng.standard_normal(SR), rng.standard_normal(SR) * 5
    t, n, info = mixing.mix(target, noise, 10.0, np.random.default_rng(1), mixing.NO_AUGMENTATION)
    assert 10 * np.log10(np.mean(t.astype(float) ** 2) / np.mean(n.astype(float) ** 2)) == pytest.approx(10.0, abs=1e-3)
    assert 20 * np.log10(np.sqrt(np.mean((t + n).astype(float) ** 2))) == pytest.approx(-25.0, abs=1e-3)
    assert np.allclose(t / np.std(t), target / np.std(target), atol=1e-5)  # no EQ, no reverb


@pytest.mark.parametrize("high", [False, True])
def test_shelf_gain_at_both_ends(high):
    impulse = np.zeros(SR)
    impulse[0] = 1
    response = np.abs(np.fft.rfft(mixing.shelf(impulse, SR, 1000.0, 6.0, high)))
    low_db, high_db = 20 * np.log10(response[50]), 20 * np.log10(response[20000])
    assert (low_db, high_db) == pytest.approx((0.0, 6.0) if high else (6.0, 0.0), abs=0.1)


def test_synthetic_room_decays_60_db_in_rt60():
    ir = mixing.synthetic_room(SR, np.random.default_rng(4), rt60_s=0.5)
    energy = np.cumsum(ir[::-1] ** 2)[::-1]  # Schroeder backward integration of the tail
    tail = 10 * np.log10(energy / energy[int(0.003 * SR)])
    slope = np.polyfit(np.arange(int(0.05 * SR), int(0.3 * SR)) / SR, tail[int(0.05 * SR): int(0.3 * SR)], 1)[0]
    assert -60 / slope == pytest.approx(0.5, rel=0.15)
