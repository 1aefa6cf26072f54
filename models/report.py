"""Spectrogram figures and a markdown report for an evaluation run (matplotlib, bench extra).

``spectrogram_figure`` draws one scene like the article's figures: a grid of spectrograms
(noisy, clean target, then each method's output) on one colour scale, 0-24 kHz linear, 80 dB
of range under the noisy input's loudest bin, so a method's residual noise and the parts of the
target it removed are visible side by side. ``write_report`` writes ``report.md`` with the
tables and links to the figures. PNGs are saved with a 64-colour palette (``shrink_png``): a
15-panel figure stays under ~150 KB.
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
        written[scenario] = shrink_png(spectrogram_figure(
            folder / f"{scenario}{suffix}.png", scene_panels(scene, outputs),
            f"{scenario}, scene 0: {scene.description}", dpi=dpi))
    return written


def best_methods(results, scenario: str, per_group: int = 2) -> list[str]:
    """The ``per_group`` best hushboard methods and best peers of a scenario by mean SI-SDRi."""
    from .peers import PEERS

    def ranked(names):
        scored = [(results.scores[(scenario, m)].get("si_sdr_i", float("-inf")), m) for m in names
                  if (scenario, m) in results.scores]
        return [m for _, m in sorted(scored, reverse=True)[:per_group]]

    candidates = [m for m in results.methods if not m.startswith("noisy")]
    return ranked([m for m in candidates if m not in PEERS]) + ranked([m for m in candidates if m in PEERS])


def shrink_png(path: Path, colours: int = 64) -> Path:
    """Re-save a PNG with an adaptive ``colours``-entry palette (3-5x smaller; the colour map has
    few distinct hues anyway). Needs Pillow, which matplotlib depends on."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path


def compact_figures(results, scene_sets: Mapping[str, list[Scene]], folder: Path) -> dict[str, Path]:
    """Small per-scenario PNGs (noisy, clean, the 2 best hushboard methods, the 2 best peers)."""
    written = {}
    for scenario in results.scenarios:
        chosen = best_methods(results, scenario)
        scene = scene_sets[scenario][0]
        outputs = {m: results.outputs[(scenario, m)] for m in chosen if (scenario, m) in results.outputs}
        path = spectrogram_figure(folder / f"{scenario}-compact.png", scene_panels(scene, outputs),
                                  f"{scenario}, scene 0: {scene.description}", dpi=55)
        written[scenario] = shrink_png(path)
    return written


def write_report(out_dir: Path, results, scene_sets: Mapping[str, list[Scene]], tables: str,
                 command: str, corpus_version: str, figure_paths: Mapping[str, Path],
                 compact_paths: Mapping[str, Path] | None = None) -> Path:
    """``report.md`` (tables + figure links), ``tables.md`` and ``results.json`` in ``out_dir``.

    ``compact_paths`` (the 2 best hushboard methods and 2 best peers per scenario) are linked
    under each full figure."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# hushboard evaluation report", "",
             f"Command: `{command}`  ", f"Corpus version: {corpus_version}", "", tables, "## Spectrograms",
             "", "Scene 0 of each scenario: noisy input, clean target, then every method "
             "(same colour scale, 80 dB range).", ""]
    def link(path) -> str:
        path = Path(path).resolve()
        return (path.relative_to(out_dir.resolve()) if path.is_relative_to(out_dir.resolve()) else path).as_posix()

    for scenario, path in figure_paths.items():
        lines += [f"### {scenario}", "", f"![{scenario}]({link(path)})", ""]
        if compact_paths and scenario in compact_paths:
            lines += [f"Best two of each group: [{Path(compact_paths[scenario]).name}]({link(compact_paths[scenario])})", ""]
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
