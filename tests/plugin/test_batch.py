"""``hushboard batch``: bad files reported without stopping the batch, resume after kill -9,
``--overwrite``, manifest and report, and the Ray engine giving the same outputs."""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from pedalboard.io import AudioFile

import hushboard
from hushboard.plugin.batch import MANIFEST_NAME, BatchConfig, run_batch
from hushboard.plugin.cli import main
from hushboard.plugin.cli_process import TEMP_MARKER, ProcessorSpec

REPO_PARENT = Path(hushboard.__file__).resolve().parent.parent


def write_noise(path: Path, seconds: float, sr: int = 48000, channels: int = 2, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    with AudioFile(str(path), "w", sr, channels, bit_depth=16) as f:
        for start in range(0, n, 10 * sr):  # written in chunks: long files never sit in memory
            stop = min(start + 10 * sr, n)
            hum = 0.05 * np.sin(2 * np.pi * 50 * t[start:stop])
            f.write((rng.normal(0, 0.02, (channels, stop - start)) + hum).astype(np.float32))
    return path


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if TEMP_MARKER in p.name]


def manifest(outdir: Path) -> dict:
    return json.loads((outdir / MANIFEST_NAME).read_text())["entries"]


def test_bad_files_reported_and_batch_continues(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    indir, outdir = tmp_path / "in", tmp_path / "out"
    indir.mkdir()
    write_noise(indir / "stereo48.wav", 1.0)
    write_noise(indir / "mono48.wav", 1.0, channels=1)
    write_noise(indir / "stereo44.wav", 1.0, sr=44100)
    (indir / "empty.wav").write_bytes(b"")
    (indir / "corrupt.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 50)
    (indir / "text.wav").write_text("this is not audio\n" * 30)
    code = main(["batch", str(indir), str(outdir), "--plugin", "HumRemover", "--set", "mains_hz=50",
                 "--jobs", "2", "--no-progress"])
    assert code == 1
    table = capsys.readouterr().out
    report = json.loads((outdir / "hushboard-report.json").read_text())
    status = {row["file"]: row for row in report["files"]}
    assert {k for k, v in status.items() if v["status"] == "done"} == {"stereo48.wav", "mono48.wav", "stereo44.wav"}
    assert "empty file" in status["empty.wav"]["reason"]
    for bad in ("corrupt.wav", "text.wav"):
        assert status[bad]["status"] == "failed" and "cannot read as audio" in status[bad]["reason"]
    assert "1 ch (most files 2)" in status["mono48.wav"]["note"]
    assert "44100 Hz" in status["stereo44.wav"]["note"]
    assert status["stereo48.wav"]["noise_removed_db"] is not None
    assert "empty file" in table and "3 done, 0 skipped" in table
    assert (outdir / "hushboard-report.csv").read_text().startswith("file,status,duration_s")
    with AudioFile(str(outdir / "mono48.wav")) as f:
        assert f.num_channels == 1 and f.frames == 48000
    with AudioFile(str(outdir / "stereo44.wav")) as f:
        assert f.samplerate == 44100 and f.frames == 44100
    assert not temp_files(tmp_path)


def test_rerun_skips_and_overwrite_is_needed_for_a_new_preset(tmp_path: Path) -> None:
    indir, outdir = tmp_path / "in", tmp_path / "out"
    indir.mkdir()
    for i in range(2):
        write_noise(indir / f"f{i}.wav", 0.5, seed=i)
    config = BatchConfig(indir, outdir, ProcessorSpec(plugin="HumRemover"), jobs=1)
    assert run_batch(config).ok
    mtimes = {p.name: p.stat().st_mtime_ns for p in outdir.glob("f*.wav")}
    again = run_batch(config)
    assert again.ok and [r.status for r in again.results] == ["skipped", "skipped"]
    assert {p.name: p.stat().st_mtime_ns for p in outdir.glob("f*.wav")} == mtimes
    other = BatchConfig(indir, outdir, ProcessorSpec(plugin="HumRemover", settings=(("reduction_db", "10"),)), jobs=1)
    refused = run_batch(other)
    assert not refused.ok and all("--overwrite" in r.reason for r in refused.results)
    assert {p.name: p.stat().st_mtime_ns for p in outdir.glob("f*.wav")} == mtimes
    replaced = run_batch(dataclasses.replace(other, overwrite=True))
    assert replaced.ok and [r.status for r in replaced.results] == ["done", "done"]
    with pytest.raises(ValueError, match="must differ from the input folder"):
        run_batch(BatchConfig(indir, indir, ProcessorSpec(plugin="HumRemover")))


def test_kill_9_mid_file_then_rerun_resumes(tmp_path: Path) -> None:
    indir, outdir = tmp_path / "in", tmp_path / "out"
    indir.mkdir()
    write_noise(indir / "a.wav", 10)
    write_noise(indir / "b.wav", 240, seed=1)  # long enough to be caught mid-file
    write_noise(indir / "c.wav", 10, seed=2)
    command = [sys.executable, "-m", "hushboard.plugin.cli", "batch", str(indir), str(outdir),
               "--plugin", "HumRemover", "--jobs", "1", "--no-progress"]
    batch = subprocess.Popen(command, cwd=REPO_PARENT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 40
    try:
        while time.monotonic() < deadline:  # wait until a.wav is recorded and b.wav is half written
            partial = [p for p in temp_files(outdir) if p.name.startswith(".b.")]
            if (outdir / "a.wav").exists() and partial and partial[0].stat().st_size > 1_000_000:
                break
            assert batch.poll() is None, "the batch finished before it could be killed"
            time.sleep(0.005)
        else:
            pytest.fail("never saw b.wav being written")
        os.kill(batch.pid, signal.SIGKILL)
        batch.wait()
    finally:
        if batch.poll() is None:
            batch.kill()
    assert not (outdir / "b.wav").exists() and not (outdir / "c.wav").exists()
    a_mtime = (outdir / "a.wav").stat().st_mtime_ns
    assert manifest(outdir)["a.wav"]["status"] == "done" and "b.wav" not in manifest(outdir)
    time.sleep(0.3)  # the orphaned worker notices its parent is gone within a block
    rerun = subprocess.run(command, cwd=REPO_PARENT, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "1 skipped" in rerun.stdout and "2 done" in rerun.stdout
    assert (outdir / "a.wav").stat().st_mtime_ns == a_mtime
    entries = manifest(outdir)
    assert all(entries[name]["status"] == "done" for name in ("a.wav", "b.wav", "c.wav"))
    with AudioFile(str(outdir / "b.wav")) as f:
        assert f.frames == 240 * 48000
    assert entries["b.wav"]["output_size"] == (outdir / "b.wav").stat().st_size
    assert not temp_files(tmp_path)


def test_ray_engine_gives_the_same_outputs(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    indir = tmp_path / "in"
    indir.mkdir()
    write_noise(indir / "x.wav", 0.5)
    write_noise(indir / "y.wav", 0.5, channels=1, seed=3)
    spec = ProcessorSpec(plugin="HumRemover")
    local = run_batch(BatchConfig(indir, tmp_path / "local", spec, jobs=1))
    try:
        remote = run_batch(BatchConfig(indir, tmp_path / "ray", spec, jobs=2, engine="ray"))
    finally:
        ray.shutdown()
    assert local.ok and remote.ok
    for name in ("x.wav", "y.wav"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "ray" / name).read_bytes()
    strip = lambda e: {k: v for k, v in e.items() if k not in ("output", "finished_at", "stats")}  # noqa: E731
    assert {k: strip(v) for k, v in manifest(tmp_path / "local").items()} == \
        {k: strip(v) for k, v in manifest(tmp_path / "ray").items()}
