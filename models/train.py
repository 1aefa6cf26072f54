"""One training command for every target/loss/network/feature combination of the toolbox.

    python -m hushboard.models.train --config cfg.json --out runs/x [--threads 1]

Config (JSON; every key optional except ``model``; defaults in ``DEFAULTS``)::

    {"seed": 0,
     "data":  {"source": "synthetic", "pool_size": 160, "clip_seconds": 3.0, "crop_seconds": 2.0,
               "snr_db": [-5, 20], "level_db": [-38, -18], "valid_size": 48},
               # "source": "stems" mixes real speech/music/noise from models.stems' train split
               # (validation from its validation split); "synthetic_noise_fraction": 0.3;
               # "extra_music": 0.0, "extra_noise": 0.0: the share of music/recorded-noise
               # excerpts taken from the stems' extra_music/extra_noise kinds (stems.with_extra);
               # "babble": 0.0, the share of recorded-noise clips that are 3-5-talker babble
     "model": {"features": {"name": "erb_df", "num_bands": 32, "df_bins": 96},
               "network": {"name": "rnn", "hidden": 128, "layers": 2},
               "target": "irm"},
     "loss":  {"terms": {"si_sdr": 1.0, "multi_resolution_stft": 1.0}, "on": "signal"},
               # + "noise_residual": w (mask targets): noise kept minus target kept, dB
               # + "psm_fit": w (mask targets): the mask's squared distance to the truncated PSM
     "gan":   null,                    # or {"weight": 0.05, "channels": 16, "lr": 2e-4}
     "init":  null,                    # or a Denoiser.save package (same model config) to start from
     "optim": {"lr": 1e-3, "batch_size": 8, "steps": 2000, "grad_clip": 5.0},
     "eval_every": 250}

``loss.on``: ``"target"`` fits the head's quantity to the ideal one (mask vs ideal mask,
magnitude vs |S|, ...; ``tensor`` losses only); ``"signal"`` applies the head, resynthesises and
compares with the clean signal (waveform losses on waveforms, ``tensor`` losses on magnitude
spectra): the article's mask + mapping fusion for mask targets.

Outputs in ``--out``: ``config.json``, ``last.pt`` (model, optimisers, step; written at every
evaluation: a run started again with the same ``--out`` resumes from it), ``best.pt`` (best
validation SI-SDR; a ``Denoiser.save`` package), ``metrics.jsonl`` (one line per evaluation),
``metrics.json`` (the final summary). Deterministic: the weights come from ``seed`` and batch
``k`` from ``(seed, k)``, so a resumed run reproduces an uninterrupted one.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import stems, synthetic_data
from .denoiser import Denoiser
from .filterbank import Stft
from .heads import HEADS, magnitude
from .losses import get_loss, si_sdr_db
from .networks.gan import AdversarialTraining

DEFAULTS: dict[str, Any] = {
    "seed": 0,
    "data": {"source": "synthetic", "pool_size": 160, "clip_seconds": 3.0, "crop_seconds": 2.0,
             "snr_db": [-5.0, 20.0], "level_db": [-38.0, -18.0], "valid_size": 48},
    "loss": {"terms": {"si_sdr": 1.0, "multi_resolution_stft": 1.0}, "on": "signal"},
    "gan": None,
    "init": None,
    "optim": {"lr": 1e-3, "batch_size": 8, "steps": 2000, "grad_clip": 5.0},
    "eval_every": 250,
}
DATA_SOURCES = ("synthetic", "stems")
EXTRA_KINDS = ("music", "noise")  # data.extra_<kind>: share of that kind drawn from stems' extra_<kind>
VALID_SEED_OFFSET = 1_000_003  # validation pool/mixes use seed + this: never the training clips


def resolve_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` over ``DEFAULTS`` (one level of nesting), validated; raises ``ValueError``."""
    if "model" not in config:
        raise ValueError("config needs a 'model' section: {features, network, target}")
    merged = copy.deepcopy(DEFAULTS)
    for key, value in config.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    loss = merged["loss"]
    if loss["on"] not in ("target", "signal"):
        raise ValueError(f"loss.on must be 'target' or 'signal' (got {loss['on']!r})")
    for name in loss["terms"]:
        domain = get_loss(name).domain
        if loss["on"] == "target" and domain == "waveform" and merged["model"]["target"] != "waveform":
            raise ValueError(f"loss {name!r} compares waveforms: use loss.on = 'signal' with "
                             f"target {merged['model']['target']!r}")
        if domain == "mask" and not HEADS.get(merged["model"]["target"]).real_mask:
            raise ValueError(f"loss {name!r} applies the mask to noise and target apart: it needs a real "
                             f"mask target ({', '.join(n for n in HEADS if HEADS.get(n).real_mask)}), "
                             f"not {merged['model']['target']!r}")
    if loss["on"] == "target" and merged["model"]["target"] == "waveform":
        loss["on"] = "signal"  # the waveform head's quantity IS the signal
    if merged["data"]["source"] not in DATA_SOURCES:
        raise ValueError(f"data.source {merged['data']['source']!r} is unknown; known: {list(DATA_SOURCES)}")
    for key in [f"extra_{kind}" for kind in EXTRA_KINDS] + ["babble"]:
        share = float(merged["data"].get(key, 0.0))
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"data.{key} is a share of the training excerpts, 0..1 (got {share})")
        if share and merged["data"]["source"] != "stems":
            raise ValueError(f"data.{key} needs data.source = 'stems' (got {merged['data']['source']!r})")
    return merged


class Data:
    """Training and validation mixtures for one config (clip pools built once, mixed per batch).

    ``data.source``: ``"synthetic"`` (``models.synthetic_data``) or ``"stems"`` (real recordings,
    ``models.stems``: training clips from its train split, validation from its validation split).
    """

    def __init__(self, config: dict[str, Any], cache_dir: Path | None) -> None:
        data, seed = config["data"], int(config["seed"])
        self.source = data["source"]
        self.synthetic_noise_fraction = float(data.get("synthetic_noise_fraction", 0.3))
        self.extra = {kind: float(data.get(f"extra_{kind}", 0.0)) for kind in EXTRA_KINDS}
        self.babble = float(data.get("babble", 0.0))
        self.synth = synthetic_data.SyntheticConfig(snr_db=tuple(data["snr_db"]),
                                                    level_db=tuple(data["level_db"]))
        self.samples = int(round(data["crop_seconds"] * 100)) * 480  # whole 10 ms hops
        self.train_pool = self._pool(seed, data["pool_size"], data["clip_seconds"], cache_dir, "train")
        valid_pool = self._pool(seed + VALID_SEED_OFFSET, max(4, data["valid_size"] // 2),
                                data["clip_seconds"], cache_dir, "valid")
        rng = np.random.default_rng([seed + VALID_SEED_OFFSET, 0])
        clean, noisy, self.valid_kinds = synthetic_data.mix_from_pool(
            rng, valid_pool, data["valid_size"], self.samples, self.synth)
        self.valid = (clean, noisy)

    def _pool(self, seed: int, count: int, seconds: float, cache_dir: Path | None, name: str
              ) -> synthetic_data.Pool:
        tag = "" if self.source == "synthetic" else f"stems{self.synthetic_noise_fraction}_"
        tag += "".join(f"x{kind}{share}_" for kind, share in self.extra.items() if share)
        tag += f"babble{self.babble}_" if self.babble else ""
        path = cache_dir / f"pool_{tag}{name}_{seed}_{count}_{seconds}.npz" if cache_dir else None
        if path is not None and path.is_file():
            saved = np.load(path)
            return synthetic_data.Pool(saved["clean"], tuple(saved["kinds"].tolist()), saved["noise"])
        if self.source == "stems":
            take = stems.stem_source("train" if name == "train" else "validation")
            for kind, share in self.extra.items():
                take = stems.with_extra(take, kind, share)
            pool = stems.make_stem_pool(take, seed, count, seconds,
                                        synthetic_noise_fraction=self.synthetic_noise_fraction,
                                        babble_fraction=self.babble)
        else:
            pool = synthetic_data.make_pool(seed, count, seconds)
        if path is not None:  # written whole, then renamed: two runs sharing a cache never read half a file
            partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npz")
            np.savez(partial, clean=pool.clean, kinds=np.array(pool.kinds), noise=pool.noise)
            partial.replace(path)
        return pool

    def batch(self, seed: int, step: int, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng([seed, step])
        clean, noisy, _ = synthetic_data.mix_from_pool(rng, self.train_pool, batch_size, self.samples, self.synth)
        return torch.from_numpy(clean), torch.from_numpy(noisy)


def compute_loss(model: Denoiser, stft: Stft, config: dict[str, Any], clean: torch.Tensor,
                 noisy: torch.Tensor, gan: AdversarialTraining | None = None
                 ) -> tuple[torch.Tensor, dict[str, float], torch.Tensor, torch.Tensor]:
    """Total generator loss, its terms, the enhanced waveform and magnitudes ``(B, T, F)``."""
    clean_spec, noisy_spec = stft.stft(clean), stft.stft(noisy)  # [B, T, F] complex
    _, quantity, enhanced, _ = model(torch.view_as_real(noisy_spec), model.initial_state(clean.shape[0]))
    est_wave = stft.istft(torch.view_as_complex(enhanced.contiguous()))  # [B, N]
    est_mag = magnitude(enhanced)
    terms: dict[str, torch.Tensor] = {}
    on = config["loss"]["on"]
    for name, weight in config["loss"]["terms"].items():
        loss = get_loss(name)
        if loss.domain == "waveform":
            value = loss.fn(est_wave, clean)
        elif loss.domain == "mask":  # a real mask is linear: what it does to each part
            value = loss.fn(quantity, clean_spec, noisy_spec - clean_spec)
        elif on == "signal":
            value = loss.fn(est_mag, clean_spec.abs())
        else:
            value = loss.fn(quantity, model.head.reference(clean_spec, noisy_spec))
        terms[name] = float(weight) * value
    if gan is not None:
        terms["adversarial"] = gan.generator_term(est_mag)
    total = sum(terms.values())
    return total, {k: float(v.detach()) for k, v in terms.items()}, est_wave, est_mag


@torch.no_grad()
def evaluate(model: Denoiser, stft: Stft, clean: np.ndarray, noisy: np.ndarray,
             kinds: list[str] | None = None, chunk: int = 16) -> dict[str, float]:
    """SI-SDR (dB) of noisy and enhanced vs clean on the validation mixes (and per kind)."""
    model.eval()
    outs = []
    for start in range(0, clean.shape[0], chunk):
        y = torch.from_numpy(noisy[start: start + chunk])
        spec = torch.view_as_real(stft.stft(y))
        _, _, enhanced, _ = model(spec, model.initial_state(y.shape[0]))
        outs.append(stft.istft(torch.view_as_complex(enhanced.contiguous())))
    est = torch.cat(outs)
    ref, mix = torch.from_numpy(clean), torch.from_numpy(noisy)
    si_in, si_out = si_sdr_db(mix, ref), si_sdr_db(est, ref)
    model.train()
    result = {"si_sdr_noisy_db": float(si_in.mean()), "si_sdr_enhanced_db": float(si_out.mean()),
              "si_sdr_improvement_db": float((si_out - si_in).mean())}
    for kind in sorted(set(kinds or [])):
        pick = torch.tensor([k == kind for k in kinds])
        result[f"si_sdr_improvement_{kind}_db"] = float((si_out[pick] - si_in[pick]).mean())
    return result


def train(config: dict[str, Any], out_dir: Path, steps: int | None = None, progress: bool = True,
          data: Data | None = None, pool_cache: Path | None = None,
          stop_at: int | None = None) -> dict[str, Any]:
    """Train (or resume) into ``out_dir``; return the final metrics summary (see module doc).

    ``pool_cache``: folder for the generated clip pools (default ``out_dir``); share one between
    runs of a search so the pools are synthesised once. ``stop_at``: end this call after that
    global step (checkpointed there; the learning-rate schedule still spans ``optim.steps``), so
    a long run can be done in bounded pieces.
    """
    from tqdm import tqdm  # the `train` extra; not needed to import this module

    config = resolve_config(config)
    if steps is not None:
        config["optim"]["steps"] = int(steps)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))
    seed, optim = int(config["seed"]), config["optim"]
    torch.manual_seed(seed)
    model = Denoiser(**config["model"])
    gan = AdversarialTraining(**{k: v for k, v in config["gan"].items() if k != "lr"}) if config["gan"] else None
    optimizer = torch.optim.Adam(model.parameters(), lr=optim["lr"])
    gan_optimizer = (torch.optim.Adam(gan.parameters(), lr=config["gan"].get("lr", 2e-4), betas=(0.5, 0.9))
                     if gan else None)
    stft = Stft(model.frame_size, model.hop_size)
    start, best = 0, -math.inf
    last = out_dir / "last.pt"
    if last.is_file():  # resume
        package = torch.load(last, map_location="cpu", weights_only=False)
        model.load_state_dict(package["state_dict"])
        optimizer.load_state_dict(package["optimizer"])
        if gan is not None:
            gan.load_state_dict(package["gan"])
            gan_optimizer.load_state_dict(package["gan_optimizer"])
        start, best = package["step"], package["best"]
    elif config["init"]:  # warm start (e.g. from models.export --recover); the config must match
        package = torch.load(config["init"], map_location="cpu", weights_only=False)
        if package["config"] != model.get_config():
            raise ValueError(f"init {config['init']}: its model config {package['config']} differs "
                             f"from this run's {model.get_config()}")
        model.load_state_dict(package["state_dict"])
    data = data or Data(config, pool_cache or out_dir)
    total_steps = int(optim["steps"])
    # cosine decay to 10 % of the rate over the run (computed from the step: resumes exactly)
    def rate(step: int) -> float:
        return optim["lr"] * (0.55 + 0.45 * math.cos(math.pi * step / max(total_steps, 1)))

    end = total_steps if stop_at is None else min(int(stop_at), total_steps)
    bar = tqdm(range(start, end), initial=start, total=total_steps, disable=not progress,
               desc=out_dir.name)
    history: list[float] = []
    began = time.time()
    metrics: dict[str, float] = {}
    for step in bar:
        for group in optimizer.param_groups:
            group["lr"] = rate(step)
        clean, noisy = data.batch(seed, step, int(optim["batch_size"]))
        loss, terms, _, est_mag = compute_loss(model, stft, config, clean, noisy, gan)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss is {float(loss)} at step {step}: {terms}")
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), optim["grad_clip"])
        optimizer.step()
        if gan is not None:
            clean_mag = stft.stft(clean).abs()
            d_loss = gan.discriminator_term(clean_mag, est_mag)
            gan_optimizer.zero_grad()
            d_loss.backward()
            gan_optimizer.step()
        history.append(loss.item())
        bar.set_postfix(loss=f"{history[-1]:.3f}")
        done = step + 1
        if done % int(config["eval_every"]) == 0 or done == end:
            metrics = evaluate(model, stft, *data.valid, data.valid_kinds)
            record = {"step": done, "train_loss": float(np.mean(history[-50:])), **metrics,
                      "seconds": round(time.time() - began, 1)}
            with open(out_dir / "metrics.jsonl", "a") as log:
                log.write(json.dumps(record) + "\n")
            if metrics["si_sdr_enhanced_db"] > best:
                best = metrics["si_sdr_enhanced_db"]
                model.save(out_dir / "best.pt", {"step": done, "metrics": metrics})
            package = {"state_dict": model.state_dict(), "optimizer": optimizer.state_dict(),
                       "step": done, "best": best, "config": config}
            if gan is not None:
                package.update(gan=gan.state_dict(), gan_optimizer=gan_optimizer.state_dict())
            torch.save(package, out_dir / "last.pt.tmp")
            (out_dir / "last.pt.tmp").replace(last)
    summary = {"steps": end, "parameters": model.count_parameters(), "best_si_sdr_db": best,
               "final": metrics, "first_losses": history[:5], "last_losses": history[-5:]}
    (out_dir / "metrics.json").write_text(json.dumps(summary, indent=2))
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, required=True, help="training config JSON")
    parser.add_argument("--out", type=Path, required=True, help="run directory (resumes if it has last.pt)")
    parser.add_argument("--steps", type=int, default=None, help="override optim.steps")
    parser.add_argument("--stop-at", type=int, default=None,
                        help="end this call after this global step (resume later with the same --out)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--pool-cache", type=Path, default=None,
                        help="folder for generated clip pools (default: --out)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.pool_cache:
        args.pool_cache.mkdir(parents=True, exist_ok=True)
    summary = train(json.loads(args.config.read_text()), args.out, args.steps, pool_cache=args.pool_cache,
                    stop_at=args.stop_at)
    print(json.dumps(summary["final"], indent=2))


if __name__ == "__main__":
    main()
