"""Spectrogram figures and a markdown report for an evaluation run (matplotlib, bench extra).

``spectrogram_figure`` draws one scene like the article's figures: a grid of spectrograms
(noisy, clean target, then each method's output) on one colour scale, 0-24 kHz linear, 80 dB
of range under the noisy input's loudest bin, so a method's residual noise and the parts of the
target it removed are visible side by side. ``write_report`` writes ``report.md`` with the
tables and links to the figures.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .mixing import SR, Scene

RANGE_DB = 80.0
COLUMNS = 3


def spectrogram_db(x: np.ndarray, sample_rate: float = SR) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(times_s, freqs_hz, power_db)`` of a 1024-point Hann STFT with hop 256."""
    from scipy import signal

    freqs, times, spec = signal.stft(np.asarray(x, np.float64), fs=sample_rate, nperseg=1024, noverlap=768)
    return times, freqs, 10 * np.log10(np.abs(spec) ** 2 + 1e-20)


def spectrogram_figure(path: Path, panels: Sequence[tuple[str, np.ndarray]], title: str,
                       sample_rate: float = SR, dpi: int = 60) -> Path:
    """Write a PNG grid of spectrograms of ``panels`` (``(label, audio)``), the first sets the scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = -(-len(panels) // COLUMNS)
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(4.2 * COLUMNS, 2.3 * rows + 0.5), squeeze=False,
                             sharex=True, sharey=True)
    top = None
    for ax, (label, audio) in zip(axes.flat, panels):
        times, freqs, level = spectrogram_db(audio, sample_rate)
        if top is None:
            top = float(level.max())
        image = ax.imshow(level, origin="lower", aspect="auto", cmap="magma", vmin=top - RANGE_DB, vmax=top,
                          extent=(times[0], times[-1], freqs[0] / 1000, freqs[-1] / 1000),
                          interpolation="nearest")
        ax.set_title(label, fontsize=9)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("kHz")
    for ax in axes[-1]:
        ax.set_xlabel("s")
    fig.suptitle(title, fontsize=10)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6, label="dB")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def scene_panels(scene: Scene, outputs: Mapping[str, np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """Panels for one scene: noisy, clean, then each method with its SI-SDR on this scene."""
    from .metrics import si_sdr

    panels = [(f"noisy ({si_sdr(scene.noisy, scene.target):.1f} dB SI-SDR)", scene.noisy),
              ("clean target", scene.target)]
    for name, out in outputs.items():
        if name.startswith("noisy"):
            continue
        panels.append((f"{name} ({si_sdr(out, scene.target):.1f} dB)", out))
    return panels


def figures(results, scene_sets: Mapping[str, list[Scene]], folder: Path,
            methods: Sequence[str] | None = None, suffix: str = "", dpi: int = 60) -> dict[str, Path]:
    """One PNG per scenario (its scene 0) with ``methods`` (default: all of the run)."""
    written = {}
    for scenario in results.scenarios:
        scene = scene_sets[scenario][0]
        outputs = {m: results.outputs[(scenario, m)] for m in (methods or results.methods)
                   if (scenario, m) in results.outputs}
        written[scenario] = spectrogram_figure(
            folder / f"{scenario}{suffix}.png", scene_panels(scene, outputs),
            f"{scenario}, scene 0: {scene.description}", dpi=dpi)
    return written


def write_report(out_dir: Path, results, scene_sets: Mapping[str, list[Scene]], tables: str,
                 command: str, corpus_version: str, figure_paths: Mapping[str, Path]) -> Path:
    """``report.md`` (tables + figure links), ``tables.md`` and ``results.json`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# hushboard evaluation report", "",
             f"Command: `{command}`  ", f"Corpus version: {corpus_version}", "", tables, "## Spectrograms",
             "", "Scene 0 of each scenario: noisy input, clean target, then every method "
             "(same colour scale, 80 dB range).", ""]
    for scenario, path in figure_paths.items():
        relative = Path(path).resolve().relative_to(out_dir.resolve()) if Path(path).resolve().is_relative_to(
            out_dir.resolve()) else Path(path)
        lines += [f"### {scenario}", "", f"![{scenario}]({relative.as_posix()})", ""]
    report = out_dir / "report.md"
    report.write_text("\n".join(lines))
    (out_dir / "tables.md").write_text(tables)
    (out_dir / "results.json").write_text(json.dumps(results.to_json(), indent=1))
    return report


def matplotlib_available() -> tuple[bool, str]:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False, "figures need matplotlib (pip install -e '.[bench]')"
    return True, ""
