"""Run denoisers over scenario scenes, score them, time them, and print markdown tables.

A *method* is any ``f(x) -> y`` with ``x`` mono float32 at 48 kHz and ``y`` float32 of the same
length, aligned with ``x``: a hushboard plugin (``plugin_method``), a peer adapter
(``models.peers``), or a training script's model. Every scene is run through a method two or
three times: the noisy mixture (scored against the clean target, and timed: the real-time
factor is processing seconds per audio second, single thread when ``OMP_NUM_THREADS=1``), the
noise alone (noise attenuation), and, for ``atten_scene_db``, the target minus the noise (the
phase-inversion method of Hagerman & Olofsson 2004: the noise the method lets through while the
target plays, which the noise-alone run cannot show for a method that follows its input, e.g. a
music detector that lowers the attenuation limit where music plays). Hushboard plugins are reset
between calls, so every run starts from the same state.

Metrics (``METRICS``; ``models.metrics`` has one function per metric):

| key | what | scenarios |
|---|---|---|
| ``pesq_wb`` | PESQ wide band at 16 kHz | speech targets |
| ``stoi`` | STOI at 16 kHz | speech targets |
| ``dnsmos_ovrl`` | DNSMOS P.835 overall (non-intrusive) | speech targets |
| ``si_sdr``, ``si_sdr_i`` | SI-SDR of the output, and its improvement over the noisy input (dB) | all |
| ``music_si_sdr`` | SI-SDR in the music band (50 Hz-16 kHz, zero-phase band-pass on both signals; dB) | ``music-scene`` |
| ``atten_db``, ``atten_hf_db`` | noise attenuation, full band and above 8 kHz (dB): the noise alone through the method | all |
| ``atten_scene_db`` | noise attenuation in the scene (dB): the noise part of the output while the target plays (phase inversion) | all |
| ``lsd_db`` | music-band (50 Hz-16 kHz) log-spectral distance to the target (dB, lower is better) | all |
| ``visqol`` | ViSQOL v3 audio mode at 48 kHz (music fidelity) | ``music-scene`` |

Speech metrics are not computed on ``music-scene``: PESQ/STOI/DNSMOS treat the music, which is
part of that target, as a defect.

For a training script (validation split, numpy metrics only unless asked)::

    from hushboard.models.evaluate import score_method
    scores = score_method(my_model_fn, split="validation", count=8, seconds=4.0)
    scores["low-snr"]["si_sdr_i"]
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from . import metrics as M
from .mixing import SR, Scene

Method = Callable[[np.ndarray], np.ndarray]
SPEECH_SCENARIOS = ("stationary", "non-stationary", "transient", "low-snr")
NOISY = "noisy (no processing)"


@dataclass(frozen=True)
class SceneOutputs:
    """What a method made of one scene: ``mixture`` (of ``target + noise``), ``noise`` (of the
    noise alone) and ``inverted`` (of ``target - noise``; ``None`` unless a metric needs it)."""

    mixture: np.ndarray
    noise: np.ndarray
    inverted: np.ndarray | None = None


@dataclass(frozen=True)
class Metric:
    key: str
    header: str
    compute: Callable[[SceneOutputs, Scene], float]
    scenarios: tuple[str, ...] | None  # None: every scenario
    module: str | None = None  # third-party import it needs
    digits: int = 2
    signed: bool = False
    inverted: bool = False  # needs the method's output for target - noise

    def applies(self, scenario: str) -> bool:
        return self.scenarios is None or scenario in self.scenarios


def _dnsmos_ovrl(out: SceneOutputs, scene: Scene) -> float:
    return M.dnsmos(out.mixture, SR)["ovrl"]


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("pesq_wb", "PESQ-WB", lambda o, s: M.pesq_wb(o.mixture, s.target, SR), SPEECH_SCENARIOS, "pesq"),
    Metric("stoi", "STOI", lambda o, s: M.stoi(o.mixture, s.target, SR), SPEECH_SCENARIOS, "pystoi", 3),
    Metric("dnsmos_ovrl", "DNSMOS OVRL", _dnsmos_ovrl, SPEECH_SCENARIOS, "speechmos"),
    Metric("visqol", "ViSQOL (music)", lambda o, s: M.visqol_audio(o.mixture, s.target, SR), ("music-scene",),
           "visqol"),
    Metric("si_sdr", "SI-SDR (dB)", lambda o, s: M.si_sdr(o.mixture, s.target), None, digits=1),
    Metric("music_si_sdr", "music-band SI-SDR (dB)", lambda o, s: M.band_si_sdr(o.mixture, s.target, SR),
           ("music-scene",), digits=1),
    Metric("si_sdr_i", "SI-SDRi (dB)", lambda o, s: M.si_sdr(o.mixture, s.target) - M.si_sdr(s.noisy, s.target),
           None, digits=1, signed=True),
    Metric("atten_db", "noise atten. (dB)", lambda o, s: M.noise_attenuation_db(s.noise, o.noise, SR), None,
           digits=1),
    Metric("atten_hf_db", "atten. >8 kHz (dB)",
           lambda o, s: M.noise_attenuation_db(s.noise, o.noise, SR, low_hz=8000.0), None, digits=1),
    Metric("atten_scene_db", "noise atten. in scene (dB)",
           lambda o, s: M.in_scene_attenuation_db(s.noise, o.mixture, o.inverted, SR), None, digits=1,
           inverted=True),
    Metric("lsd_db", "music-band LSD (dB)", lambda o, s: M.music_band_distortion_db(o.mixture, s.target, SR),
           None, digits=1),
)}
#: numpy-only metrics: what ``score_method`` uses unless told otherwise (fast, no extra packages).
FAST_METRICS = ("si_sdr", "si_sdr_i", "music_si_sdr", "atten_db", "atten_hf_db", "lsd_db")
ALL_METRICS = tuple(METRICS)


def metric_available(key: str) -> tuple[bool, str]:
    import importlib

    module = METRICS[key].module
    if module is None:
        return True, ""
    try:
        importlib.import_module(module)
    except ImportError:
        return False, f"{key}: `{module}` is not installed (pip install -e '.[bench]')"
    return True, ""


# -- methods ----------------------------------------------------------------------------------
def plugin_method(plugin) -> Method:
    """A hushboard plugin (class or instance) as a method: one instance, reset on every call."""
    instance = plugin() if isinstance(plugin, type) else plugin

    def run(x: np.ndarray) -> np.ndarray:
        return np.asarray(instance.process(np.asarray(x, np.float32), SR, reset=True), np.float32)

    run.plugin = instance  # type: ignore[attr-defined]
    return run


PRESET_PREFIX = "preset:"


def preset_method(path_or_name: str) -> Method:
    """A preset (factory name or ``.json`` file) as a method: what it describes, settings and
    all, reset on every call. Errors are the preset loader's (``FileNotFoundError``,
    ``PresetError`` naming the file and key)."""
    from ..plugin.presets import load_preset

    return plugin_method(load_preset(path_or_name))


def changes_audio(plugin_class: type) -> tuple[bool, str]:
    """Whether a plugin is an audio effect (its output differs from its input), with a reason if not.

    Probed on 0.25 s of white noise at -20 dBFS: analysers such as ``MusicDetector`` pass audio
    through unchanged and are not denoisers to score.
    """
    if not getattr(plugin_class, "is_effect", True):
        return False, f"{plugin_class.__name__}: not an effect"
    try:
        probe = np.random.default_rng(0).normal(0, 0.1, SR // 4).astype(np.float32)
        out = plugin_class()(probe, SR)
    except Exception as error:
        return False, f"{plugin_class.__name__}: could not run ({type(error).__name__}: {error})"
    if np.array_equal(np.asarray(out, np.float32), probe):
        return False, f"{plugin_class.__name__}: passes audio through unchanged (an analyser)"
    return True, ""


def hushboard_methods(names: Iterable[str] | None = None) -> tuple[dict[str, Method], dict[str, str]]:
    """Every registered hushboard plugin that changes audio (or those ``names``), and the skipped."""
    import hushboard

    registered = hushboard.available_plugins()
    chosen, skipped = {}, {}
    for name in names or registered:
        if name not in registered:
            raise KeyError(f"unknown plugin {name!r}; plugins are {sorted(registered)}")
        ok, reason = changes_audio(registered[name])
        if ok:
            chosen[name] = plugin_method(registered[name])
        else:
            skipped[name] = reason
    return chosen, skipped


def resolve_methods(names: Sequence[str] | None = None) -> tuple[dict[str, Method], dict[str, str]]:
    """``names`` may mix plugin names, peer names, ``hushboard``/``peers`` (all of either),
    ``noisy`` and ``preset:NAME`` (a factory preset name or a preset file: the plugin or chain it
    describes, with its settings); default: the noisy input, every plugin that changes audio,
    every installed peer. Order: the noisy input, plugins, presets, then peers."""
    import hushboard

    from .peers import PEERS, available_peers

    names = list(names) if names else ["noisy", "hushboard", "peers"]
    plugins, peers, presets = [], [], []
    for name in names:
        if name.startswith(PRESET_PREFIX):
            presets.append(name)
        elif name == "hushboard":
            plugins.extend(hushboard.available_plugins())
        elif name == "peers":
            peers.extend(PEERS)
        elif name == "noisy":
            continue
        elif name in PEERS:
            peers.append(name)
        elif name in hushboard.available_plugins():
            plugins.append(name)
        else:
            raise KeyError(f"unknown method {name!r}; use plugin names {sorted(hushboard.available_plugins())}, "
                           f"peer names {list(PEERS)}, 'hushboard', 'peers' or 'noisy'")
    methods: dict[str, Method] = {}
    if "noisy" in names:
        methods[NOISY] = lambda x: np.asarray(x, np.float32)
    chosen, skipped = hushboard_methods(dict.fromkeys(plugins)) if plugins else ({}, {})
    methods.update(chosen)
    for name in dict.fromkeys(presets):
        methods[name] = preset_method(name[len(PRESET_PREFIX):])
    if peers:
        usable, skipped_peers = available_peers(list(dict.fromkeys(peers)))
        methods.update(usable)
        skipped.update(skipped_peers)
    return methods, skipped


# -- running ----------------------------------------------------------------------------------
@dataclass
class Results:
    """Per (scenario, method): mean of each metric over the scenes, and the real-time factor."""

    scores: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    rtf: dict[tuple[str, str], float] = field(default_factory=dict)
    per_scene: dict[tuple[str, str], list[dict[str, float]]] = field(default_factory=dict)
    outputs: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # scene 0 of each
    methods: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"methods": self.methods, "scenarios": self.scenarios, "metrics": self.metrics,
                "skipped": self.skipped,
                "scores": {f"{s}|{m}": v for (s, m), v in self.scores.items()},
                "rtf": {f"{s}|{m}": v for (s, m), v in self.rtf.items()},
                "per_scene": {f"{s}|{m}": v for (s, m), v in self.per_scene.items()}}


def needs_inverted(scenario: str, metric_keys: Sequence[str]) -> bool:
    """Whether a metric of ``metric_keys`` that applies to ``scenario`` needs the output for
    ``target - noise`` (a third run of the method per scene)."""
    return any(METRICS[k].inverted and METRICS[k].applies(scenario) for k in metric_keys)


def score_output(outputs: SceneOutputs, scene: Scene, metric_keys: Sequence[str]) -> dict[str, float]:
    """Every metric of ``metric_keys`` that applies to ``scene``'s scenario."""
    return {key: float(METRICS[key].compute(outputs, scene))
            for key in metric_keys if METRICS[key].applies(scene.scenario)}


def evaluate(methods: Mapping[str, Method], scene_sets: Mapping[str, list[Scene]],
             metric_keys: Sequence[str] = ALL_METRICS, log=None) -> Results:
    """Run every method on every scene of every scenario; see the module docstring."""
    results = Results(methods=list(methods), scenarios=list(scene_sets))
    for key in [k for k in METRICS if k in metric_keys]:  # table order, whatever the caller's order
        ok, reason = metric_available(key)
        if ok:
            results.metrics.append(key)
        else:
            results.skipped[key] = reason
    for name, method in methods.items():
        started_method = time.perf_counter()
        for scenario, scenes in scene_sets.items():
            rows, busy, audio = [], 0.0, 0.0
            for i, scene in enumerate(scenes):
                noisy = scene.noisy
                started = time.perf_counter()
                out = np.asarray(method(noisy), np.float32)
                busy += time.perf_counter() - started
                audio += scene.seconds
                if out.shape != noisy.shape:
                    raise ValueError(f"{name} returned {out.shape} for input {noisy.shape}")
                noise_out = np.asarray(method(scene.noise), np.float32)
                inverted = (np.asarray(method(scene.target - scene.noise), np.float32)
                            if needs_inverted(scenario, results.metrics) else None)
                rows.append(score_output(SceneOutputs(out, noise_out, inverted), scene, results.metrics))
                if i == 0:
                    results.outputs[(scenario, name)] = out
            results.per_scene[(scenario, name)] = rows
            results.scores[(scenario, name)] = {k: float(np.nanmean([r[k] for r in rows]))
                                                for k in rows[0]} if rows else {}
            results.rtf[(scenario, name)] = busy / audio if audio else float("nan")
        if log:
            log(f"{name}: {time.perf_counter() - started_method:.0f} s")
    return results


def overall_rtf(results: Results, method: str) -> float:
    values = [results.rtf[(s, method)] for s in results.scenarios if (s, method) in results.rtf]
    return float(np.mean(values)) if values else float("nan")


def markdown_table(results: Results, scenario: str) -> str:
    """One scenario's table: a row per method, a column per metric that applies, then the RTF."""
    keys = [k for k in results.metrics if METRICS[k].applies(scenario)]
    lines = ["| method | " + " | ".join(METRICS[k].header for k in keys) + " | RTF |",
             "|---" * (len(keys) + 2) + "|"]
    for method in results.methods:
        row = results.scores.get((scenario, method))
        if row is None:
            continue
        cells = []
        for key in keys:
            value, metric = row.get(key, float("nan")), METRICS[key]
            cells.append("-" if not np.isfinite(value) else
                         f"{value:+.{metric.digits}f}" if metric.signed else f"{value:.{metric.digits}f}")
        rtf = results.rtf[(scenario, method)]
        cells.append("-" if method == NOISY else f"{rtf:.3f}")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_tables(results: Results, scene_sets: Mapping[str, list[Scene]] | None = None) -> str:
    from .scenarios import SCENARIOS

    parts = []
    for scenario in results.scenarios:
        recipe = SCENARIOS.get(scenario)
        heading = f"### {scenario}" + (f": {recipe.description}" if recipe else "")
        count = ""
        if scene_sets and scene_sets.get(scenario):
            scenes = scene_sets[scenario]
            count = (f"\n\n{len(scenes)} scenes of {scenes[0].seconds:g} s, SNR "
                     f"{min(s.snr_db for s in scenes):.1f} to {max(s.snr_db for s in scenes):.1f} dB")
        parts.append(f"{heading}{count}\n\n{markdown_table(results, scenario)}")
    if results.skipped:
        parts.append("Skipped: " + "; ".join(results.skipped.values()))
    return "\n\n".join(parts) + "\n"


# -- the training scripts' entry point -------------------------------------------------------
def score_method(method, split: str = "validation", scenario_names: Sequence[str] | None = None,
                 count: int = 8, seconds: float = 4.0, metric_keys: Sequence[str] = FAST_METRICS,
                 cache=None, source=None) -> dict[str, dict[str, float]]:
    """Mean score per scenario of one method on a split: ``{scenario: {metric: value, "rtf": x}}``.

    ``method``: a callable (mono float32 48 kHz -> same length), or a hushboard plugin class,
    plugin instance or ``Chain``. Scenes are the scenarios' seeded recipes over ``split`` of the corpus at ``cache``
    (or over ``source``, e.g. a ``CorpusSource`` of a generated corpus); the same arguments
    always give the same scenes. Unavailable metrics are left out.
    """
    from .corpus import CorpusSource
    from .scenarios import SCENARIOS, scenes

    from ..plugin import Chain, Plugin

    if isinstance(method, (type, Plugin, Chain)):  # these take (audio, sample_rate)
        method = plugin_method(method)
    source = source or CorpusSource(split, cache)
    names = list(scenario_names or SCENARIOS)
    sets = {name: scenes(name, source, count, seconds) for name in names}
    results = evaluate({"method": method}, sets, metric_keys)
    return {name: {**results.scores[(name, "method")], "rtf": results.rtf[(name, "method")]}
            for name in names}


def stderr_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
