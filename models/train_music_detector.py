"""Training recipe of the speech/music detector (Solution 1), from labelled mixtures to ONNX.

Data: stems of the corpus recipe (speech, music, noise; 48 kHz; split by source file). Each
example is a few seconds of one of four scenes (speech, music, speech + music, noise only)
with recorded or synthetic noise (``synthetic_noise_clip``) at an SNR drawn from
``SNR_RANGE_DB`` and a random gain, seeded per chunk of ``CHUNK`` examples. Frame labels come
from the stems, not the mixture: a frame is "music" when the music stem's power in that frame is
within ``ACTIVE_RANGE_DB`` of its loudest frame (so fades and rests count as absent) and not more
than ``MASKED_DB`` under everything else (``audible_frames``), and likewise for speech. Training
scenes get a random spectral tilt and, some of them, a band limit (``Augmentation``). Features
are computed by ``hushboard.dsp.music_features`` on the same STFT frames the plugins use, so
training and inference see identical numbers.

    python -m hushboard.models.train_music_detector --out models/ [--workers 2] [--cache DIR]

writes ``music_detector.onnx`` and ``music_detector.metrics.json`` (frame-level
precision/recall/F1 per SNR and per scene kind on the validation, test and synthetic-noise test
scenes), which the model card records.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..dsp import music_features
from ..dsp.stft import StreamingStft
from .stems import StemSource, with_extra

SR = 48000
FRAME = 1024
HOP = 512
SNR_RANGE_DB = (-5.0, 20.0)
ACTIVE_RANGE_DB = 30.0
MASKED_DB = 10.0
SCENES = ("speech", "music", "speech+music", "noise")
EXAMPLE_SECONDS = 4.0
TILT_PIVOT_HZ, TILT_LOW_HZ = 1000.0, 50.0
LOWPASS_HZ = (3000.0, 12000.0)  # band-limit augmentation: cutoff range, log-uniform
MUSIC_LOWPASS_HZ = (300.0, 4000.0)  # band limit of the music stem alone: cutoff range
AUGMENT_STREAM = 7  # the augmentation's own generator: np.random.default_rng([seed, chunk, 7])
CHUNK = 50  # examples per generator (and per worker job)



@dataclass
class Examples:
    """Features ``(n, frames, FEATURE_SIZE)``, labels ``(n, frames, 2)`` [music, speech], SNRs
    ``(n,)`` and scene kinds ``(n,)`` (one of ``SCENES``)."""

    features: np.ndarray
    labels: np.ndarray
    snr_db: np.ndarray
    scenes: np.ndarray


def frame_power(audio: np.ndarray) -> np.ndarray:
    """Power spectra ``(1, frames, bins)`` of mono ``audio`` on the plugins' STFT grid."""
    stft = StreamingStft(FRAME, HOP)
    state = stft.init_state(1)
    spectra = stft.frames(state, audio[None, :].astype(np.float64))
    return spectra.real ** 2 + spectra.imag ** 2


def frame_energy(audio: np.ndarray) -> np.ndarray:
    """Energy per STFT frame, ``(frames,)``."""
    return frame_power(audio)[0].sum(axis=-1)


def audible_frames(stem: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Boolean ``(frames,)``: ``stem`` is active and audible in the mix.

    Active: within ``ACTIVE_RANGE_DB`` of the stem's loudest frame (rests and fades are absent).
    Audible: not more than ``MASKED_DB`` below everything else in that frame (a violin 25 dB
    under a jackhammer is not "music present" for any listener or any denoiser).
    """
    energy, rest = frame_energy(stem), frame_energy(others)
    if energy.max() <= 0:
        return np.zeros(energy.shape, bool)
    active = 10 * np.log10(energy / energy.max() + 1e-20) > -ACTIVE_RANGE_DB
    return active & (10 * np.log10((energy + 1e-20) / (rest + 1e-20)) > -MASKED_DB)


def make_example(take: StemSource, rng: np.random.Generator, synthetic_noise: float = 0.0,
                 music_filter: Callable[[np.ndarray], np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, float, str]:
    """One scene: (mixture ``(n,)``, labels ``(frames, 2)``, SNR in dB, scene kind).

    ``synthetic_noise``: probability that the noise is synthetic (``synthetic_noise_clip``) instead
    of a recorded ambience: steady tonal hum is what a detector trained on ambiences alone takes
    for music. ``music_filter``: applied to the music stem before it is mixed and labelled (it
    draws from a generator of its own, so ``rng``'s draws and the other stems do not change).
    """
    n = int(EXAMPLE_SECONDS * SR)
    scene = SCENES[rng.integers(len(SCENES))]
    speech = take("speech", rng, n) if "speech" in scene else np.zeros(n)
    music = take("music", rng, n) if "music" in scene else np.zeros(n)
    if music_filter is not None and "music" in scene:
        music = music_filter(music)
    if scene == "speech+music":  # background music 0-15 dB under the voice
        music *= 10 ** (-rng.uniform(0, 15) / 20) * rms(speech) / max(rms(music), 1e-9)
    target = speech + music
    if rng.uniform() < synthetic_noise:
        noise = synthetic_noise_clip(rng, n)
    else:
        noise = take("noise", rng, n)
    snr = float(rng.uniform(*SNR_RANGE_DB))
    if scene == "noise":
        target_level = 0.05
    else:
        target_level = rms(target)
    noise *= target_level * 10 ** (-snr / 20) / max(rms(noise), 1e-9)
    mixture = target + noise
    mixture *= 10 ** (rng.uniform(-25, -5) / 20) / max(rms(mixture), 1e-9)  # level augmentation
    labels = np.stack([audible_frames(music, speech + noise), audible_frames(speech, music + noise)], axis=-1)
    return mixture.astype(np.float32), labels.astype(np.float32), snr, scene


def synthetic_noise_clip(rng: np.random.Generator, n: int) -> np.ndarray:
    """Steady or modulated synthetic noise, ``(n,)``: half ``synthetic_data.noise_like`` (hum with
    harmonics, coloured noise, clicks, modulated noise), half one of ``noises.STATIONARY`` (white,
    pink, brown, 50/60 Hz hum, fan/HVAC with a blade-pass tone), whose steady low tones are what
    a detector that never heard them takes for a sustained bass note.
    """
    if rng.uniform() < 0.5:
        from .synthetic_data import noise_like

        return noise_like(rng, n)
    from .noises import STATIONARY

    names = sorted(STATIONARY)
    return STATIONARY[names[int(rng.integers(len(names)))]](n, SR, rng)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def tilt_gains(slope_db_per_octave: float) -> np.ndarray:
    """Power gains ``(bins,)`` of a spectral tilt of ``slope`` dB per octave, 0 dB at ``TILT_PIVOT_HZ``.

    Below ``TILT_LOW_HZ`` the gain stays at its ``TILT_LOW_HZ`` value (no infrasound boost).
    """
    freqs = np.maximum(np.fft.rfftfreq(FRAME, 1.0 / SR), TILT_LOW_HZ)
    return 10.0 ** (slope_db_per_octave * np.log2(freqs / TILT_PIVOT_HZ) / 10.0)


def lowpass_gains(cutoff_hz: float, size: int = FRAME) -> np.ndarray:
    """Power gains ``(size // 2 + 1,)`` of an 8th-order Butterworth low-pass at ``cutoff_hz`` on
    the bins of a ``size``-point real FFT."""
    freqs = np.fft.rfftfreq(size, 1.0 / SR)
    return 1.0 / (1.0 + (freqs / cutoff_hz) ** 16)


def lowpass_clip(audio: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """``audio`` ``(n,)`` through ``lowpass_gains(cutoff_hz)`` as one zero-phase FFT filter."""
    gains = np.sqrt(lowpass_gains(cutoff_hz, audio.shape[-1]))
    return np.fft.irfft(np.fft.rfft(audio) * gains, audio.shape[-1])


@dataclass(frozen=True)
class Augmentation:
    """Feature-side augmentation of training scenes, applied to their power spectra.

    ``tilt_db_per_octave``: a random spectral tilt uniform in +- this (``tilt_gains``), so dark
    (bass-heavy) or bright music is not mistaken for noise. ``lowpass_share``: the share of
    scenes band-limited by ``lowpass_gains`` at a cutoff log-uniform in ``LOWPASS_HZ`` (old or
    low-rate recordings, telephone-band speech, low-bit-rate files: the test split holds a music
    track with nothing above 4 kHz that a full-band-trained detector missed entirely).
    ``music_lowpass_share``: the share of scenes with music whose music stem ALONE is
    band-limited (``lowpass_clip``, cutoff log-uniform in ``MUSIC_LOWPASS_HZ``) before mixing,
    while voice and noise keep their full band: music through a wall or from a small speaker,
    dark ambient pads and bass lines under broadband noise. It changes those scenes' mixtures
    and labels (the other augmentations change features only). Tried against a test track with
    almost nothing above 1 kHz that the detector misses in six of its eight scenes; it did not
    help there (``models/music_detector.md``), so it is off by default.
    ``drone_share``: the share of music excerpts replaced by a synthetic ambient drone
    (``synthetic_data.drone_like``) at the excerpt's level, labelled music like any music stem:
    the recorded training music holds little drone music, while hum, fans and machine drones
    are all labelled noise, so the detector learned "sustained low tones = noise".
    """

    tilt_db_per_octave: float = 0.0
    lowpass_share: float = 0.0
    music_lowpass_share: float = 0.0
    drone_share: float = 0.0

    def gains(self, rng: np.random.Generator) -> np.ndarray | None:
        """Power gains ``(bins,)`` for one scene, or ``None`` for no change."""
        gains = None
        if self.tilt_db_per_octave > 0:
            gains = tilt_gains(float(rng.uniform(-self.tilt_db_per_octave, self.tilt_db_per_octave)))
        if self.lowpass_share > 0 and rng.uniform() < self.lowpass_share:
            cutoff = float(np.exp(rng.uniform(*np.log(LOWPASS_HZ))))
            gains = lowpass_gains(cutoff) if gains is None else gains * lowpass_gains(cutoff)
        return gains

    def music_filter(self, rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray] | None:
        """The music-stem change (drone replacement, then band limit) for scenes of this recipe
        (``None`` when both are off)."""
        if self.music_lowpass_share <= 0 and self.drone_share <= 0:
            return None

        def change(music: np.ndarray) -> np.ndarray:
            if self.drone_share > 0 and rng.uniform() < self.drone_share:
                from .synthetic_data import drone_like

                music = drone_like(rng, music.shape[-1]) * rms(music)
            if self.music_lowpass_share <= 0 or rng.uniform() >= self.music_lowpass_share:
                return music
            return lowpass_clip(music, float(np.exp(rng.uniform(*np.log(MUSIC_LOWPASS_HZ)))))

        return change


_worker_take: list[StemSource] = []  # a forked worker's stem source (closures do not pickle)


def _set_worker_take(take: StemSource) -> None:
    _worker_take[:] = [take]


def _build_chunk(job: tuple[StemSource | None, int, int, int, float, Augmentation]
                 ) -> tuple[list[np.ndarray], list[np.ndarray], list[float], list[str]]:
    """``count`` examples of chunk ``c`` of a recipe, from ``rng([seed, c])``."""
    take, seed, chunk, count, synthetic_noise, augmentation = job
    take = take or _worker_take[0]
    rng = np.random.default_rng([seed, chunk])
    augment_rng = np.random.default_rng([seed, chunk, AUGMENT_STREAM])  # mixtures stay the same
    music_filter = augmentation.music_filter(augment_rng)
    feats, labels, snrs, scenes = [], [], [], []
    for _ in range(count):
        mixture, label, snr, scene = make_example(take, rng, synthetic_noise, music_filter)
        power = frame_power(mixture)
        gains = augmentation.gains(augment_rng)
        if gains is not None:
            power *= gains
        feats.append(music_features.sequence_features(power, SR, FRAME, HOP).astype(np.float32))
        labels.append(label[: feats[-1].shape[0]])
        snrs.append(snr)
        scenes.append(scene)
    return feats, labels, snrs, scenes


def build_examples(take: StemSource, count: int, seed: int, synthetic_noise: float = 0.0,
                   tilt_db_per_octave: float = 0.0, lowpass_share: float = 0.0,
                   workers: int = 1, music_lowpass_share: float = 0.0, drone_share: float = 0.0) -> Examples:
    """``count`` seeded examples with features, labels, SNRs and kinds (see ``make_example``).

    Examples come in chunks of ``CHUNK`` from their own generators, so ``workers`` processes
    (forked; 1 builds in this process) give the same examples as one. The augmentation
    (``Augmentation``; for training sets) draws from a generator of its own, so the scenes drawn
    are those of the unaugmented recipe; only ``music_lowpass_share`` changes their mixtures and
    labels (the music stem is filtered before mixing).
    """
    augmentation = Augmentation(tilt_db_per_octave, lowpass_share, music_lowpass_share, drone_share)
    jobs = [(take, seed, c, min(CHUNK, count - c * CHUNK), synthetic_noise, augmentation)
            for c in range((count + CHUNK - 1) // CHUNK)]
    if workers > 1 and len(jobs) > 1:
        import multiprocessing

        context = multiprocessing.get_context("fork")  # workers inherit take, unpickled
        with context.Pool(min(workers, len(jobs)), _set_worker_take, (take,)) as pool:
            parts = pool.map(_build_chunk, [(None,) + job[1:] for job in jobs])
    else:
        parts = [_build_chunk(job) for job in jobs]
    feats = [f for part in parts for f in part[0]]
    return Examples(np.stack(feats), np.stack([x for part in parts for x in part[1]]),
                    np.array([x for part in parts for x in part[2]]),
                    np.array([x for part in parts for x in part[3]]))


def learning_rate(step: int, total_steps: int, peak: float, final: float | None) -> float:
    """Learning rate of optimiser step ``step`` (0-based) of ``total_steps``.

    ``final=None``: constant ``peak``. Otherwise a half-cosine from ``peak`` down to ``final`` over
    the whole run (Loshchilov & Hutter, "SGDR", ICLR 2017, eq. 5 without restarts), so the last
    epochs average out the mini-batch noise instead of ending on one noisy step.
    """
    if final is None:
        return peak
    return final + 0.5 * (peak - final) * (1.0 + math.cos(math.pi * step / max(total_steps, 1)))


def train(train_set: Examples, epochs: int, seed: int, log: Callable[[str], None] = print,
          hidden: int = 32, music_weight: float = 1.0, lr: float = 3e-3,
          final_lr: float | None = None):
    """Fit ``MusicDetectorNet`` with binary cross-entropy; returns the trained network.

    ``hidden``: GRU width; ``music_weight``: weight of music-present frames in the music loss
    (above 1 trades precision for recall); ``lr``, ``final_lr``: the AdamW step size and where
    its cosine decay ends (``None``: constant), see ``learning_rate``.
    """
    import torch

    from .music_detector import MusicDetectorNet

    torch.manual_seed(seed)
    net = MusicDetectorNet(hidden=hidden)
    flat = train_set.features.reshape(-1, train_set.features.shape[-1])
    net.feature_mean.copy_(torch.from_numpy(flat.mean(axis=0)))
    net.feature_std.copy_(torch.from_numpy(flat.std(axis=0) + 1e-3))
    optimiser = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-2)
    features = torch.from_numpy(train_set.features)
    labels = torch.from_numpy(train_set.labels)

    def loss_fn(probs: "torch.Tensor", target: "torch.Tensor") -> "torch.Tensor":
        weight = torch.ones_like(target)
        weight[..., 0] = 1.0 + (music_weight - 1.0) * target[..., 0]
        return torch.nn.functional.binary_cross_entropy(probs, target, weight=weight)

    batch = 32
    steps_per_epoch = -(-features.shape[0] // batch)
    step = 0
    for epoch in range(epochs):
        order = torch.randperm(features.shape[0])
        total = 0.0
        for start in range(0, len(order), batch):
            for group in optimiser.param_groups:
                group["lr"] = learning_rate(step, epochs * steps_per_epoch, lr, final_lr)
            step += 1
            idx = order[start:start + batch]
            noisy = features[idx] + 0.05 * torch.randn_like(features[idx]) * net.feature_std
            probs, _ = net(noisy, net.initial_state(len(idx)))
            loss = loss_fn(probs, labels[idx])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            total += float(loss.detach()) * len(idx)
        log(f"epoch {epoch + 1}/{epochs} loss {total / len(order):.4f}")
    return net


def frame_scores(predicted: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of boolean frame decisions."""
    tp = float(np.sum(predicted & truth))
    precision = tp / max(float(np.sum(predicted)), 1.0)
    recall = tp / max(float(np.sum(truth)), 1.0)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"precision": precision, "recall": recall, "f1": f1, "frames": int(truth.size)}


def evaluate(probabilities: np.ndarray, test_set: Examples,
             bins: Sequence[tuple[float, float]] = ((-5, 0), (0, 5), (5, 10), (10, 20))) -> dict:
    """Music-vs-non-music frame scores per SNR range, at 5 dB and above, overall and per scene
    kind (threshold 0.5)."""
    decided = probabilities[..., 0] > 0.5
    truth = test_set.labels[..., 0] > 0.5
    report = {}
    for lo, hi in bins:
        rows = (test_set.snr_db >= lo) & (test_set.snr_db < hi)
        report[f"{lo:g}..{hi:g} dB"] = frame_scores(decided[rows], truth[rows])
    rows = test_set.snr_db >= 5
    report[">= 5 dB"] = frame_scores(decided[rows], truth[rows])
    report["all"] = frame_scores(decided, truth)
    for scene in SCENES:  # scenes without music: the share of their frames taken for music
        rows = test_set.scenes == scene
        if rows.any() and truth[rows].any():
            report[f"scene {scene}"] = frame_scores(decided[rows], truth[rows])
        elif rows.any():
            report[f"scene {scene}"] = {"false_positive_share": float(decided[rows].mean()),
                                        "frames": int(decided[rows].size)}
    return report


def onnx_probabilities(model: Path, features: np.ndarray) -> np.ndarray:
    """P(music) and P(speech) ``(scenes, frames, 2)`` of an exported detector (onnxruntime; no
    torch) on ``features`` ``(scenes, frames, FEATURE_SIZE)``, each scene from a zero GRU state."""
    from .inference import make_session

    session = make_session(model)
    state = [i for i in session.get_inputs() if i.name == "state_in"][0]
    zero = np.zeros([1] + [int(d) for d in state.shape[1:]], np.float32)
    return np.concatenate([session.run(None, {"features": f[None], "state_in": zero})[0] for f in features])


def torch_threads(count: int) -> None:
    """One thread: the recipe's timing and bits do not depend on the machine's core count."""
    import torch

    torch.set_num_threads(count)


def cached_examples(cache: Path | None, name: str, build: Callable[[], Examples]) -> Examples:
    """``build()``, or its copy saved as ``cache / name.npz`` by an earlier run with the same name."""
    path = None if cache is None else cache / f"{name}.npz"
    if path is not None and path.is_file():
        with np.load(path) as saved:
            return Examples(saved["features"], saved["labels"], saved["snr_db"], saved["scenes"])
    examples = build()
    if path is not None:
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, features=examples.features, labels=examples.labels, snr_db=examples.snr_db,
                 scenes=examples.scenes)
    return examples


def main(argv: Sequence[str] | None = None) -> int:
    from .stems import stem_source  # real speech, music and noise by kind and split

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--train-examples", type=int, default=3200)
    parser.add_argument("--test-examples", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--synthetic-noise", type=float, default=0.25,
                        help="share of training scenes whose noise is synthetic (hum, fan, coloured noise)")
    parser.add_argument("--hidden", type=int, default=32, help="GRU width")
    parser.add_argument("--members", type=int, default=1,
                        help="networks trained from seeds seed, seed+1, ... on the same examples; "
                             "more than one ships their mean probability (DetectorEnsemble)")
    parser.add_argument("--lr", type=float, default=3e-3, help="AdamW step size (the peak)")
    parser.add_argument("--final-lr", type=float, default=None,
                        help="end of a cosine decay of the step size over the run (default: none, "
                             "constant --lr)")
    parser.add_argument("--music-weight", type=float, default=1.0,
                        help="loss weight of music-present frames")
    parser.add_argument("--tilt", type=float, default=4.0,
                        help="spectral-tilt augmentation of the training scenes, +- dB per octave")
    parser.add_argument("--lowpass", type=float, default=0.25,
                        help="share of training scenes band-limited at 3-12 kHz")
    parser.add_argument("--music-lowpass", type=float, default=0.0,
                        help="share of training scenes with music whose music alone is band-limited "
                             "at 300 Hz-4 kHz")
    parser.add_argument("--drone", type=float, default=0.0,
                        help="share of training music excerpts replaced by a synthetic ambient drone")
    parser.add_argument("--workers", type=int, default=1, help="processes building the examples")
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder keeping the built example sets for later runs")
    parser.add_argument("--extra-music", type=float, default=0.0,
                        help="share of music excerpts drawn from the extra_music stems (UFO:AI "
                             "soundtrack) in every split; > 0 also scores the scenes of the "
                             "recipe without extra stems (test_original)")
    parser.add_argument("--extra-noise", type=float, default=0.0,
                        help="share of recorded-noise excerpts drawn from the extra_noise stems "
                             "(megaglest and 0ad outdoor ambiences) in every split; > 0 also "
                             "scores the scenes of the recipe without extra stems (test_original)")
    parser.add_argument("--more-music", type=float, default=0.0,
                        help="share of music excerpts drawn from the more_music stems (other "
                             "genres: electronic, metal, chiptune, rock) in every split; > 0 also "
                             "scores the scenes of the recipe without extra stems (test_original)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="an ONNX detector (e.g. the shipped models/music_detector.onnx) scored "
                             "on the same evaluation scenes, as 'baseline' in the metrics")
    args = parser.parse_args(argv)
    torch_threads(1)
    started = time.time()

    def source(split: str) -> StemSource:
        take = with_extra(stem_source(split), "music", args.more_music, "more_music")
        return with_extra(with_extra(take, "music", args.extra_music), "noise", args.extra_noise)

    extra = (f"-xm{args.extra_music:g}" if args.extra_music > 0 else "") + \
        (f"-xn{args.extra_noise:g}" if args.extra_noise > 0 else "") + \
        (f"-mm{args.more_music:g}" if args.more_music > 0 else "")
    drone = f"-drone{args.drone:g}" if args.drone > 0 else ""
    key = f"s{args.seed}-syn{args.synthetic_noise:g}"
    sets = {
        "train": lambda: build_examples(source("train"), args.train_examples, args.seed,
                                        args.synthetic_noise, args.tilt, args.lowpass, args.workers,
                                        args.music_lowpass, args.drone),
        "validation": lambda: build_examples(source("validation"), args.test_examples,
                                             args.seed + 2000, args.synthetic_noise, workers=args.workers),
        "test": lambda: build_examples(source("test"), args.test_examples, args.seed + 1000,
                                       workers=args.workers),
        "test_synthetic_noise": lambda: build_examples(source("test"), args.test_examples // 2,
                                                       args.seed + 3000, 1.0, workers=args.workers)}
    names = {"train": f"train-{key}-n{args.train_examples}-tilt{args.tilt:g}-lp{args.lowpass:g}"
                      f"-mlp{args.music_lowpass:g}{drone}{extra}",
             "validation": f"validation-{key}-n{args.test_examples}{extra}",
             "test": f"test-s{args.seed}-n{args.test_examples}{extra}",
             "test_synthetic_noise": f"test-synthetic-s{args.seed}-n{args.test_examples // 2}{extra}"}
    if extra:  # the same scenes as a recipe without extra stems, for comparison
        sets["test_original"] = lambda: build_examples(stem_source("test"), args.test_examples,
                                                       args.seed + 1000, workers=args.workers)
        names["test_original"] = f"test-s{args.seed}-n{args.test_examples}"
    data = {split: cached_examples(args.cache, names[split], make) for split, make in sets.items()}
    print(f"features built in {time.time() - started:.0f} s")
    trained = time.time()
    import torch

    from .music_detector import DetectorEnsemble, export_onnx

    members = [train(data["train"], args.epochs, args.seed + k, hidden=args.hidden,
                     music_weight=args.music_weight, lr=args.lr, final_lr=args.final_lr)
               for k in range(args.members)]
    net = members[0] if args.members == 1 else DetectorEnsemble(members)

    reports = {}
    for split in [name for name in sets if name != "train"]:
        with torch.no_grad():
            probs, _ = net(torch.from_numpy(data[split].features), net.initial_state(data[split].features.shape[0]))
        reports[split] = evaluate(probs.numpy(), data[split])
    if args.baseline is not None:
        reports["baseline"] = {"model": str(args.baseline), **{
            split: evaluate(onnx_probabilities(args.baseline, data[split].features), data[split])
            for split in sets if split != "train"}}
    args.out.mkdir(parents=True, exist_ok=True)
    export_onnx(net, args.out / "music_detector.onnx")
    summary = {"weights": net.count_weights(), "train_examples": args.train_examples,
               "test_examples": args.test_examples, "epochs": args.epochs, "seed": args.seed,
               "synthetic_noise": args.synthetic_noise, "hidden": args.hidden,
               "music_weight": args.music_weight, "lr": args.lr, "final_lr": args.final_lr,
               "members": args.members,
               "tilt_db_per_octave": args.tilt,
               "lowpass_share": args.lowpass,
               "music_lowpass_share": args.music_lowpass, "extra_music_share": args.extra_music,
               "extra_noise_share": args.extra_noise, "more_music_share": args.more_music,
               "drone_share": args.drone,
               "minutes": round((time.time() - started) / 60, 1),
               "training_minutes": round((time.time() - trained) / 60, 1), **reports}
    (args.out / "music_detector.metrics.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
