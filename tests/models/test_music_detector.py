"""Music detector network: size, training smoke run, ONNX export with explicit state, parity."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hushboard.dsp import music_features  # noqa: E402
from hushboard.models import train_music_detector as recipe  # noqa: E402
from hushboard.models.inference import RecurrentSession, make_session  # noqa: E402
from hushboard.models.music_detector import MusicDetectorNet, export_onnx  # noqa: E402
from tests.conftest import speech_like  # noqa: E402


def synthetic_take(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """Tiny generated stems: harmonic speech, sustained chords, coloured noise."""
    t = np.arange(n) / recipe.SR
    if kind == "speech":
        return speech_like(n, recipe.SR, int(rng.integers(1000)))
    if kind == "music":
        root = rng.uniform(110, 220)
        return sum(0.1 * np.sin(2 * np.pi * root * r * t) for r in (1, 1.25, 1.5, 2))
    return np.cumsum(rng.standard_normal(n)) * 1e-3 + 0.01 * rng.standard_normal(n)


def test_network_is_small():
    assert MusicDetectorNet().count_weights() < 50_000


def test_training_smoke_run_gives_finite_decreasing_loss():
    data = recipe.build_examples(synthetic_take, 8, seed=0)
    assert data.features.shape[1:] == (375, music_features.FEATURE_SIZE)
    assert data.labels.shape == data.features.shape[:2] + (2,)
    losses = []
    net = recipe.train(data, epochs=3, seed=0, log=lambda line: losses.append(float(line.split()[-1])))
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert net.count_weights() < 50_000


def exported_random_net(path: Path, seed: int, scenes: int, frames: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Export an untrained detector (random normalisation) to ``path``; return random features
    ``(scenes, frames, FEATURE_SIZE)`` and torch's probabilities on them from a zero state."""
    torch.manual_seed(seed)
    net = MusicDetectorNet()
    net.feature_std.uniform_(0.5, 2.0)
    export_onnx(net, path)
    features = np.random.default_rng(seed).standard_normal((scenes, frames, net.num_features)).astype(np.float32)
    with torch.no_grad():
        expected, _ = net(torch.from_numpy(features), net.initial_state(scenes))
    return features, expected.numpy()


def test_onnx_streamed_frame_by_frame_equals_torch(tmp_path: Path):
    features, expected = exported_random_net(tmp_path / "md.onnx", 0, 1, 60)
    session = RecurrentSession(make_session(tmp_path / "md.onnx"))
    frame_by_frame = np.concatenate([session.run(features[:, i:i + 1]) for i in range(60)], axis=1)
    assert np.abs(frame_by_frame - expected).max() <= 1e-4


def test_an_ensemble_streams_in_onnx_like_torch_and_averages_its_members(tmp_path: Path):
    from hushboard.models.music_detector import DetectorEnsemble

    torch.manual_seed(3)
    members = [MusicDetectorNet(hidden=16), MusicDetectorNet(hidden=8)]
    ensemble = DetectorEnsemble(members)
    export_onnx(ensemble, tmp_path / "ensemble.onnx")
    features = np.random.default_rng(3).standard_normal((1, 50, ensemble.num_features)).astype(np.float32)
    with torch.no_grad():
        expected, _ = ensemble(torch.from_numpy(features), ensemble.initial_state())
        alone = [m(torch.from_numpy(features), m.initial_state())[0] for m in members]
    assert torch.allclose(expected, (alone[0] + alone[1]) / 2)
    session = RecurrentSession(make_session(tmp_path / "ensemble.onnx"))
    assert session.state_shape == (1, 1, 24)
    frame_by_frame = np.concatenate([session.run(features[:, i:i + 1]) for i in range(50)], axis=1)
    assert np.abs(frame_by_frame - expected.numpy()).max() <= 1e-4


def test_baseline_scoring_runs_each_scene_from_a_zero_state_like_torch(tmp_path: Path):
    features, expected = exported_random_net(tmp_path / "md.onnx", 1, 3, 40)
    got = recipe.onnx_probabilities(tmp_path / "md.onnx", features)
    assert got.shape == (3, 40, 2) and np.abs(got - expected).max() <= 1e-4
    # scene 2 alone gives the same as in the batch: no state carried over from scene 1
    assert np.abs(recipe.onnx_probabilities(tmp_path / "md.onnx", features[2:]) - got[2:]).max() == 0


def test_scores_count_precision_recall_f1():
    predicted = np.array([True, True, False, False])
    truth = np.array([True, False, True, False])
    assert recipe.frame_scores(predicted, truth) == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "frames": 4}


def test_recipe_options_synthetic_noise_width_and_music_weight():
    recorded = recipe.build_examples(synthetic_take, 4, seed=3, synthetic_noise=0.0)
    synthetic = recipe.build_examples(synthetic_take, 4, seed=3, synthetic_noise=1.0)
    assert not np.allclose(recorded.features, synthetic.features)
    net = recipe.train(recorded, epochs=1, seed=0, log=lambda line: None, hidden=16, music_weight=3.0)
    assert net.hidden == 16 and net.count_weights() < MusicDetectorNet().count_weights()


def test_cosine_decay_runs_from_the_peak_to_the_final_step_size():
    rates = [recipe.learning_rate(step, 100, 3e-3, 3e-5) for step in range(101)]
    assert rates[0] == pytest.approx(3e-3) and rates[-1] == pytest.approx(3e-5)
    assert rates[50] == pytest.approx(0.5 * (3e-3 + 3e-5)) and np.all(np.diff(rates) < 0)
    assert {recipe.learning_rate(step, 100, 3e-3, None) for step in (0, 50, 99)} == {3e-3}
    data = recipe.build_examples(synthetic_take, 4, seed=3)
    constant = recipe.train(data, epochs=3, seed=0, log=lambda line: None)  # one step an epoch
    decayed = recipe.train(data, epochs=3, seed=0, log=lambda line: None, final_lr=1e-5)
    assert not torch.allclose(constant.dense_out.weight, decayed.dense_out.weight)


def test_tilt_augmentation_is_a_tilt_about_the_pivot_and_keeps_the_labels():
    freqs = np.fft.rfftfreq(recipe.FRAME, 1.0 / recipe.SR)
    gains_db = 10 * np.log10(recipe.tilt_gains(4.0))
    octave_up = np.argmin(np.abs(freqs - 2 * recipe.TILT_PIVOT_HZ))
    octave_down = np.argmin(np.abs(freqs - recipe.TILT_PIVOT_HZ / 2))
    assert gains_db[octave_up] == pytest.approx(4.0, abs=0.2)
    assert gains_db[octave_down] == pytest.approx(-4.0, abs=0.5)
    assert gains_db[0] == gains_db[1]  # held below TILT_LOW_HZ: no infrasound boost
    plain = recipe.build_examples(synthetic_take, 3, seed=5)
    tilted = recipe.build_examples(synthetic_take, 3, seed=5, tilt_db_per_octave=6.0)
    np.testing.assert_array_equal(plain.labels, tilted.labels)  # same scenes, same labels
    np.testing.assert_array_equal(plain.snr_db, tilted.snr_db)
    bands = slice(0, 24)  # mean-removed band energies: a tilt changes their slope
    assert not np.allclose(plain.features[..., bands], tilted.features[..., bands])


def test_examples_do_not_depend_on_the_worker_count_and_lowpass_band_limits(monkeypatch):
    monkeypatch.setattr(recipe, "CHUNK", 2)  # three chunks: the workers share them out
    one = recipe.build_examples(synthetic_take, 5, seed=6, lowpass_share=1.0)
    two = recipe.build_examples(synthetic_take, 5, seed=6, lowpass_share=1.0, workers=2)
    np.testing.assert_array_equal(one.features, two.features)
    np.testing.assert_array_equal(one.scenes, two.scenes)
    assert set(one.scenes) <= set(recipe.SCENES)
    gains = recipe.lowpass_gains(4000.0)
    freqs = np.fft.rfftfreq(recipe.FRAME, 1.0 / recipe.SR)
    assert gains[np.argmin(np.abs(freqs - 4000.0))] == pytest.approx(0.5, abs=0.05)  # -3 dB
    assert gains[freqs > 8000.0].max() < 1e-4 and gains[freqs < 2000.0].min() > 0.99


def test_music_lowpass_band_limits_the_music_stem_alone_before_labelling():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(48000)
    limited = recipe.lowpass_clip(noise, 500.0)
    power = np.abs(np.fft.rfft(limited)) ** 2
    freqs = np.fft.rfftfreq(48000, 1.0 / recipe.SR)
    assert 10 * np.log10(power[freqs < 300].mean() / power[freqs > 2000].mean()) > 80
    assert limited.std() == pytest.approx(noise.std() * np.sqrt(500 / 24000), rel=0.2)

    music_kinds = {"music", "speech+music"}
    plain = recipe.build_examples(synthetic_take, 12, seed=9)
    dark = recipe.build_examples(synthetic_take, 12, seed=9, music_lowpass_share=1.0)
    np.testing.assert_array_equal(plain.scenes, dark.scenes)  # the scenes' draws do not change
    np.testing.assert_array_equal(plain.snr_db, dark.snr_db)
    without_music = ~np.isin(plain.scenes, list(music_kinds))
    assert without_music.any() and (~without_music).any()
    np.testing.assert_array_equal(plain.features[without_music], dark.features[without_music])
    assert not np.allclose(plain.features[~without_music], dark.features[~without_music])
    band_limit = recipe.Augmentation(music_lowpass_share=1.0).music_filter(np.random.default_rng(1))
    power = np.abs(np.fft.rfft(band_limit(noise))) ** 2  # cutoff within MUSIC_LOWPASS_HZ
    low, high = recipe.MUSIC_LOWPASS_HZ
    assert 10 * np.log10(power[freqs < 0.5 * low].mean() / power[freqs > 2 * high].mean()) > 40
    assert recipe.Augmentation().music_filter(rng) is None


def test_drone_replaces_that_share_of_the_music_stems_and_stays_labelled_music():
    from hushboard.models.synthetic_data import drone_like

    drone = drone_like(np.random.default_rng(3), recipe.SR * 2)
    np.testing.assert_array_equal(drone, drone_like(np.random.default_rng(3), recipe.SR * 2))
    assert np.sqrt(np.mean(drone ** 2)) == pytest.approx(1.0, rel=1e-6)
    power = np.abs(np.fft.rfft(drone)) ** 2
    freqs = np.fft.rfftfreq(drone.size, 1.0 / recipe.SR)
    assert power[freqs < 3000].sum() > 0.99 * power.sum()  # dark: partials up to 4 kHz, low-passed

    plain = recipe.build_examples(synthetic_take, 12, seed=9)
    droned = recipe.build_examples(synthetic_take, 12, seed=9, drone_share=1.0)
    np.testing.assert_array_equal(plain.scenes, droned.scenes)
    np.testing.assert_array_equal(plain.snr_db, droned.snr_db)
    music = np.isin(plain.scenes, ["music", "speech+music"])
    assert music.any() and (~music).any()
    np.testing.assert_array_equal(plain.features[~music], droned.features[~music])
    assert not np.allclose(plain.features[music], droned.features[music])
    only_music = plain.scenes == "music"
    assert droned.labels[only_music, :, 0].mean() > 0.9  # a sustained drone is music in every frame
    keep = recipe.Augmentation(drone_share=1.0).music_filter(np.random.default_rng(1))
    stem = np.full(recipe.SR, 0.2)
    assert np.sqrt(np.mean(keep(stem) ** 2)) == pytest.approx(0.2, rel=1e-6)  # the stem's level
