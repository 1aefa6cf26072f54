"""The README's Python example runs as written (on a generated voice.wav)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from pedalboard.io import AudioFile

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python example"
    t = np.arange(48000) / 48000
    voice = 0.3 * np.sin(2 * np.pi * 200 * t) + 0.05 * np.sin(2 * np.pi * 50 * t)
    with AudioFile(str(tmp_path / "voice.wav"), "w", 48000, 1) as f:
        f.write(voice.astype(np.float32)[None])
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    assert namespace["cleaned"].shape == (1, 48000)
    assert np.isfinite(namespace["cleaned"]).all()
    with AudioFile(str(tmp_path / "voice-clean.flac")) as f:  # process_file: streamed, 24-bit
        written = f.read(f.frames)
    np.testing.assert_allclose(written, namespace["cleaned"], atol=2e-5)
