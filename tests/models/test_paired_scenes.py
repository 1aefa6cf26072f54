"""benchmarks/paired_scenes.py: paired per-scene differences from a harness results.json."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "paired_scenes.py"


@pytest.fixture(scope="module")
def paired():
    spec = importlib.util.spec_from_file_location("paired_scenes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_difference_interval_and_wins(paired):
    ours = [{"si_sdr": v} for v in (10.0, 12.0, 11.0, 9.0)]
    theirs = [{"si_sdr": v} for v in (9.0, 12.5, 10.0, 8.0)]
    mine, other, diff, spread, ahead, n = paired.paired_difference(ours, theirs, "si_sdr")
    d = np.array([1.0, -0.5, 1.0, 1.0])
    assert (mine, other, n, ahead) == (10.5, 9.875, 4, 3)
    assert diff == pytest.approx(d.mean())
    assert spread == pytest.approx(1.96 * d.std(ddof=1) / 2.0)


def test_scenes_missing_a_metric_are_left_out_and_counts_must_match(paired):
    ours = [{"visqol": 4.0}, {"pesq_wb": 2.0}, {"visqol": float("nan")}]
    theirs = [{"visqol": 3.5}, {"pesq_wb": 1.0}, {"visqol": 3.0}]
    _, _, diff, spread, ahead, n = paired.paired_difference(ours, theirs, "visqol")
    assert (diff, ahead, n) == (0.5, 1, 1) and np.isnan(spread)  # one scene: no interval
    assert paired.paired_difference(ours, theirs, "lsd_db") is None
    with pytest.raises(ValueError, match="scene counts differ"):
        paired.paired_difference(ours[:2], theirs, "visqol")


def test_merged_files_make_one_table(paired, tmp_path):
    first = {"per_scene": {"stationary|noisy": [{"si_sdr": 0.0}] * 2,
                           "stationary|logmmse": [{"si_sdr": 3.0}, {"si_sdr": 5.0}]}}
    later = {"per_scene": {"stationary|NeuralDenoiser": [{"si_sdr": 4.0}, {"si_sdr": 7.0}]}}
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path, data in zip(paths, (first, later)):
        path.write_text(json.dumps(data))
    per_scene = paired.load_per_scene(paths)
    text = paired.table(per_scene, "NeuralDenoiser", ["logmmse"], ["si_sdr"])
    assert "| si_sdr | logmmse | 5.50 | 4.00 | +1.50 +- 0.98 | 2/2 |" in text
