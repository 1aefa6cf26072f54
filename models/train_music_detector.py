"""Training recipe of the speech/music detector (Solution 1), from labelled mixtures to ONNX.

Data: stems of the corpus recipe (speech, music, noise; 48 kHz; split by source file). Each
example is a few seconds of one of four scenes — speech, music, speech + music, noise only —
with noise added at an SNR drawn from ``SNR_RANGE_DB`` and a random gain, seeded. Frame labels
come from the stems, not the mixture: a frame is "music" when the music stem's power in that
frame is within ``ACTIVE_RANGE_DB`` of its loudest frame (so fades and rests count as absent), and
likewise for speech. Features are computed by ``hushboard.dsp.music_features`` on the same STFT
frames the plugins use, so training and inference see identical numbers.

    python -m hushboard.models.train_music_detector --out models/ [--minutes 40] [--epochs 30]

writes ``music_detector.onnx`` and prints frame-level precision/recall/F1 on the test split per
SNR, which the model card records.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..dsp import music_features
from ..dsp.stft import StreamingStft

SR = 48000
FRAME = 1024
HOP = 512
SNR_RANGE_DB = (-5.0, 20.0)
ACTIVE_RANGE_DB = 30.0
MASKED_DB = 10.0
SCENES = ("speech", "music", "speech+music", "noise")
EXAMPLE_SECONDS = 4.0

# (stems: dict kind -> list of float32 mono arrays at 48 kHz)
StemSource = Callable[[str, np.random.Generator, int], np.ndarray]


@dataclass
class Examples:
    """Features ``(n, frames, FEATURE_SIZE)``, labels ``(n, frames, 2)`` [music, speech], SNRs ``(n,)``."""

    features: np.ndarray
    labels: np.ndarray
    snr_db: np.ndarray


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


def make_example(take: StemSource, rng: np.random.Generator, synthetic_noise: float = 0.0
                 ) -> tuple[np.ndarray, np.ndarray, float]:
    """One scene: (mixture ``(n,)``, labels ``(frames, 2)``, SNR in dB).

    ``synthetic_noise``: probability that the noise is ``models.synthetic_data.noise_like``
    (mains hum with harmonics, coloured noise, clicks, modulated noise) instead of a recorded
    ambience: steady tonal hum is what a detector trained on ambiences alone takes for music.
    """
    n = int(EXAMPLE_SECONDS * SR)
    scene = SCENES[rng.integers(len(SCENES))]
    speech = take("speech", rng, n) if "speech" in scene else np.zeros(n)
    music = take("music", rng, n) if "music" in scene else np.zeros(n)
    if scene == "speech+music":  # background music 0-15 dB under the voice
        music *= 10 ** (-rng.uniform(0, 15) / 20) * rms(speech) / max(rms(music), 1e-9)
    target = speech + music
    if rng.uniform() < synthetic_noise:
        from .synthetic_data import noise_like

        noise = noise_like(rng, n)
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
    return mixture.astype(np.float32), labels.astype(np.float32), snr


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def build_examples(take: StemSource, count: int, seed: int, synthetic_noise: float = 0.0) -> Examples:
    """``count`` seeded examples with features, labels and SNRs (see ``make_example``)."""
    rng = np.random.default_rng(seed)
    feats, labels, snrs = [], [], []
    for _ in range(count):
        mixture, label, snr = make_example(take, rng, synthetic_noise)
        feats.append(music_features.sequence_features(frame_power(mixture), SR, FRAME, HOP))
        labels.append(label[: feats[-1].shape[0]])
        snrs.append(snr)
    return Examples(np.stack(feats).astype(np.float32), np.stack(labels), np.array(snrs))


def train(train_set: Examples, epochs: int, seed: int, log: Callable[[str], None] = print,
          hidden: int = 32, music_weight: float = 1.0):
    """Fit ``MusicDetectorNet`` with binary cross-entropy; returns the trained network.

    ``hidden``: GRU width; ``music_weight``: weight of music-present frames in the music loss
    (above 1 trades precision for recall).
    """
    import torch

    from .music_detector import MusicDetectorNet

    torch.manual_seed(seed)
    net = MusicDetectorNet(hidden=hidden)
    flat = train_set.features.reshape(-1, train_set.features.shape[-1])
    net.feature_mean.copy_(torch.from_numpy(flat.mean(axis=0)))
    net.feature_std.copy_(torch.from_numpy(flat.std(axis=0) + 1e-3))
    optimiser = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-2)
    features = torch.from_numpy(train_set.features)
    labels = torch.from_numpy(train_set.labels)

    def loss_fn(probs: "torch.Tensor", target: "torch.Tensor") -> "torch.Tensor":
        weight = torch.ones_like(target)
        weight[..., 0] = 1.0 + (music_weight - 1.0) * target[..., 0]
        return torch.nn.functional.binary_cross_entropy(probs, target, weight=weight)

    batch = 32
    for epoch in range(epochs):
        order = torch.randperm(features.shape[0])
        total = 0.0
        for start in range(0, len(order), batch):
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
    """Music-vs-non-music frame scores per SNR range (threshold 0.5)."""
    decided = probabilities[..., 0] > 0.5
    truth = test_set.labels[..., 0] > 0.5
    report = {}
    for lo, hi in bins:
        rows = (test_set.snr_db >= lo) & (test_set.snr_db < hi)
        report[f"{lo:g}..{hi:g} dB"] = frame_scores(decided[rows], truth[rows])
    report["all"] = frame_scores(decided, truth)
    return report


def torch_threads(count: int) -> None:
    """One thread: the recipe's timing and bits do not depend on the machine's core count."""
    import torch

    torch.set_num_threads(count)


def main(argv: Sequence[str] | None = None) -> int:
    from .stems import stem_source  # real speech, music and noise by kind and split

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--train-examples", type=int, default=600)
    parser.add_argument("--test-examples", type=int, default=160)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--synthetic-noise", type=float, default=0.25,
                        help="share of training scenes whose noise is synthetic (hum, coloured noise)")
    parser.add_argument("--hidden", type=int, default=32, help="GRU width")
    parser.add_argument("--music-weight", type=float, default=1.0,
                        help="loss weight of music-present frames")
    args = parser.parse_args(argv)
    torch_threads(1)
    started = time.time()
    train_set = build_examples(stem_source("train"), args.train_examples, args.seed, args.synthetic_noise)
    test_set = build_examples(stem_source("test"), args.test_examples, args.seed + 1000)
    print(f"features built in {time.time() - started:.0f} s")
    net = train(train_set, args.epochs, args.seed, hidden=args.hidden, music_weight=args.music_weight)
    import torch

    from .music_detector import export_onnx

    with torch.no_grad():
        probs, _ = net(torch.from_numpy(test_set.features), net.initial_state(test_set.features.shape[0]))
    report = evaluate(probs.numpy(), test_set)
    args.out.mkdir(parents=True, exist_ok=True)
    export_onnx(net, args.out / "music_detector.onnx")
    summary = {"weights": net.count_weights(), "train_examples": args.train_examples,
               "test_examples": args.test_examples, "epochs": args.epochs, "seed": args.seed,
               "synthetic_noise": args.synthetic_noise, "hidden": args.hidden,
               "music_weight": args.music_weight,
               "minutes": round(time.time() - started) / 60, "test": report}
    (args.out / "music_detector.metrics.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
