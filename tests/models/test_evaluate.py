"""The harness: method discovery, known-answer scores, tables, the training API and the CLI."""
from __future__ import annotations

import numpy as np
import pytest

import hushboard
from hushboard.models import corpus, evaluate, metrics, scenarios
from hushboard.plugin.cli import main as cli_main


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    cache = tmp_path_factory.mktemp("corpus")
    corpus.build_synthetic(cache, files_per_kind=10, seconds=1.0)
    return cache


@pytest.fixture(scope="module")
def scene_sets(tiny):
    source = corpus.CorpusSource("test", tiny)
    return {name: scenarios.scenes(name, source, 2, seconds=1.0) for name in ("stationary", "music-scene")}


def test_analysers_are_skipped_and_denoisers_kept():
    methods, skipped = evaluate.hushboard_methods()
    assert "MusicDetector" in skipped and "passes audio through" in skipped["MusicDetector"]
    assert {"NoiseSuppressor", "SpectralSubtraction", "HumRemover"} <= set(methods)
    assert set(methods) | set(skipped) == set(hushboard.available_plugins())


def test_identity_and_half_gain_have_known_scores(scene_sets):
    methods = {"identity": lambda x: x, "half": lambda x: 0.5 * x}
    results = evaluate.evaluate(methods, scene_sets, evaluate.FAST_METRICS + ("atten_scene_db",))
    for scenario in scene_sets:
        same, half = results.scores[(scenario, "identity")], results.scores[(scenario, "half")]
        assert same["si_sdr_i"] == pytest.approx(0.0, abs=1e-6)
        assert same["atten_db"] == pytest.approx(0.0, abs=1e-6) and same["lsd_db"] > 0
        assert same["atten_scene_db"] == pytest.approx(0.0, abs=1e-4)
        assert half["atten_db"] == pytest.approx(20 * np.log10(2), abs=1e-4)  # 6.02 dB
        assert half["atten_scene_db"] == pytest.approx(20 * np.log10(2), abs=1e-4)
        assert half["si_sdr_i"] == pytest.approx(0.0, abs=1e-4)  # SI-SDR ignores the scale
        assert results.rtf[(scenario, "half")] >= 0
    assert results.outputs[("stationary", "half")].shape == scene_sets["stationary"][0].noisy.shape
    music_same, music_half = results.scores[("music-scene", "identity")], results.scores[("music-scene", "half")]
    music_scene = scene_sets["music-scene"]
    expected = np.mean([metrics.band_si_sdr(sc.noisy, sc.target, 48000) for sc in music_scene])
    assert music_same["music_si_sdr"] == pytest.approx(expected, abs=1e-6)
    assert music_half["music_si_sdr"] == pytest.approx(expected, abs=1e-4)  # scale-invariant too
    assert "music_si_sdr" not in results.scores[("stationary", "identity")]


def test_in_scene_attenuation_runs_the_inverted_mixture_only_when_asked(scene_sets):
    calls = []

    def counting(x):
        calls.append(x)
        return 0.5 * x

    evaluate.evaluate({"half": counting}, {"stationary": scene_sets["stationary"]}, ["si_sdr", "atten_db"])
    assert len(calls) == 2 * len(scene_sets["stationary"])  # the mixture and the noise alone
    calls.clear()
    evaluate.evaluate({"half": counting}, {"stationary": scene_sets["stationary"]}, ["atten_scene_db"])
    scene = scene_sets["stationary"][0]
    assert len(calls) == 3 * len(scene_sets["stationary"])
    np.testing.assert_array_equal(calls[2], scene.target - scene.noise)


def test_a_denoiser_beats_the_noisy_input_on_stationary_noise(scene_sets):
    methods, _ = evaluate.resolve_methods(["noisy", "NoiseSuppressor"])
    results = evaluate.evaluate(methods, {"stationary": scene_sets["stationary"]}, evaluate.FAST_METRICS)
    assert results.scores[("stationary", "NoiseSuppressor")]["atten_db"] > 6.0
    table = evaluate.markdown_table(results, "stationary")
    lines = table.splitlines()
    assert lines[0].startswith("| method | SI-SDR (dB) |") and lines[0].endswith("| RTF |")
    assert lines[2].startswith(f"| {evaluate.NOISY} |") and lines[3].startswith("| NoiseSuppressor |")


def test_a_preset_is_scored_at_its_own_settings(scene_sets, tmp_path):
    """``preset:FILE`` runs the preset's plugin with the preset's values: at 30 dB it removes
    more than the same plugin at its 12 dB default, and exactly what a plugin set by hand does."""
    strong = hushboard.SpectralSubtraction(reduction_db=30.0)
    path = tmp_path / "strong.json"
    hushboard.save_preset(strong, path)
    named = f"{evaluate.PRESET_PREFIX}{path}"
    methods, _ = evaluate.resolve_methods(["SpectralSubtraction", named])
    assert list(methods) == ["SpectralSubtraction", named]
    methods["by hand"] = evaluate.plugin_method(strong)
    results = evaluate.evaluate(methods, {"stationary": scene_sets["stationary"]}, ["atten_db"])
    scores = {name: results.scores[("stationary", name)]["atten_db"] for name in methods}
    assert scores[named] > scores["SpectralSubtraction"] + 1.5  # 10.6 vs 8.1 dB on these 1-s scenes
    assert scores[named] == scores["by hand"]


def test_an_unknown_preset_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="no-such-preset"):
        evaluate.resolve_methods(["preset:no-such-preset"])


def test_speech_metrics_stay_off_the_music_scene(scene_sets):
    results = evaluate.evaluate({"identity": lambda x: x}, scene_sets, ["pesq_wb", "si_sdr"])
    assert "pesq_wb" not in results.scores[("music-scene", "identity")]
    table = evaluate.markdown_table(results, "music-scene")
    assert "PESQ" not in table and "SI-SDR" in table


def test_wrong_length_output_is_an_error(scene_sets):
    with pytest.raises(ValueError, match="returned"):
        evaluate.evaluate({"short": lambda x: x[:-1]}, scene_sets, ["si_sdr"])


def test_score_method_for_training_scripts(tiny):
    source = corpus.CorpusSource("validation", tiny)
    scores = evaluate.score_method(hushboard.SpectralSubtraction, source=source, count=1, seconds=1.0)
    assert set(scores) == set(scenarios.SCENARIOS)
    for name, row in scores.items():
        applies = {k for k in evaluate.FAST_METRICS
                   if evaluate.METRICS[k].applies(name)}
        assert set(row) == applies | {"rtf"}
        assert all(np.isfinite(v) for v in row.values())
    again = evaluate.score_method(lambda x: x, source=source, scenario_names=["low-snr"], count=1, seconds=1.0)
    assert again["low-snr"]["si_sdr_i"] == pytest.approx(0.0, abs=1e-6)


def test_eval_command_writes_tables_and_report(tiny, tmp_path, capsys):
    out = tmp_path / "eval"
    code = cli_main(["eval", "--corpus", str(tiny), "--scenarios", "stationary", "transient", "--scenes", "1",
                     "--seconds", "1", "--methods", "noisy", "WienerDenoiser", "--metrics", "si_sdr", "atten_db",
                     "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "### stationary" in printed and "### transient" in printed and "| WienerDenoiser |" in printed
    report = (out / "report.md").read_text()
    assert "| WienerDenoiser |" in report and (out / "results.json").exists()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    png = out / "figures" / "stationary.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "figures/stationary.png" in report
    from PIL import Image

    with Image.open(png) as full, Image.open(out / "figures" / "stationary-compact.png") as compact:
        assert compact.mode == "P" and full.size[0] > 400  # palette PNG; a readable width
        # the panels are drawn: the image is far from one flat colour
        assert len(np.unique(np.asarray(compact))) > 16
