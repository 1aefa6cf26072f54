"""The article's five comparisons as benchmark scenarios, each a seeded recipe over one split.

| scenario | target | noise | SNR (dB) |
|---|---|---|---|
| ``stationary`` | speech | one or two of white/pink/brown noise, 50/60 Hz hum, fan/HVAC (``noises.STATIONARY``) | 0..20 |
| ``non-stationary`` | speech | recorded ambiences (machinery, rain, crowds...) or 3-5-talker babble | 0..20 |
| ``transient`` | speech | recorded bells, horns, planes, trains, keys (corpus ``transient``) or synthetic clicks, on a pink bed 25 dB under them | 0..15 |
| ``low-snr`` | speech | any of the above except transients | -5..0 |
| ``music-scene`` | speech + music (music 3-10 dB under the speech): BOTH are the target | ambience or stationary noise | 5..15 |

Scene ``i`` of scenario ``s`` on split ``p`` draws everything (excerpts, noise, SNR, augmentation)
from ``np.random.default_rng([SEEDS[s], SPLITS.index(p), i])``: the test set of a scenario is
fixed by (corpus version, count, seconds), and scene ``i`` does not depend on ``count``.
``test_set(name)`` builds it from the corpus's test split; training scripts use
``scenes(name, CorpusSource("validation"), ...)`` (see ``models.evaluate.score_method``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from . import noises
from .noises import unit_rms
from .corpus import SPLITS, CorpusSource
from .mixing import SR, Augmentation, Scene, mix, place_events


class Source(Protocol):
    """What a recipe reads audio from (``corpus.CorpusSource`` is one)."""

    split: str

    def take(self, kind: str, rng: np.random.Generator, n: int) -> np.ndarray: ...

    def events(self, kind: str) -> list[np.ndarray]: ...

    def event_names(self, kind: str) -> list[str]: ...


NoiseRecipe = Callable[[Source, np.random.Generator, int], tuple[np.ndarray, str]]


# -- noise recipes ---------------------------------------------------------------------------
def stationary_noise(source: Source, rng: np.random.Generator, n: int) -> tuple[np.ndarray, str]:
    names = sorted(noises.STATIONARY)
    first = names[int(rng.integers(len(names)))]
    noise = noises.STATIONARY[first](n, SR, rng)
    if rng.uniform() < 0.4:  # e.g. a fan and a ground loop together
        second = names[int(rng.integers(len(names)))]
        share = rng.uniform(0.2, 0.8)
        noise = unit_rms(np.sqrt(1 - share) * noise + np.sqrt(share) * noises.STATIONARY[second](n, SR, rng))
        return noise, f"{first}+{second}"
    return noise, first




def non_stationary_noise(source: Source, rng: np.random.Generator, n: int) -> tuple[np.ndarray, str]:
    if rng.uniform() < 0.3:
        return noises.babble(source.take, rng, n), "babble"
    return unit_rms(source.take("noise", rng, n)), "ambience"


def transient_noise(source: Source, rng: np.random.Generator, n: int) -> tuple[np.ndarray, str]:
    if rng.uniform() < 0.2:
        track, label = noises.clicks(n, SR, rng), "clicks"
    else:
        track, used = place_events(source.events("transient"), n, rng, rate_hz=0.5)
        names = source.event_names("transient")
        label = ", ".join(sorted({event_label(names[i]) for i in used}))
    bed = noises.pink(n, SR, rng) * np.sqrt(np.mean(track ** 2)) * 10 ** (-25 / 20)
    return track + bed, label


def event_label(name: str) -> str:
    """Short label of a corpus event ``package:file`` ("Ship horn", "keyboard key", "bell")."""
    package, _, file = name.partition(":")
    if package == "bucklespring-data":
        return "keyboard key"
    title = file.split(":")[-1]  # opensfx.cat:Title
    return title.rsplit("/", 1)[-1].rsplit(".", 1)[0] if "/" in title else title


def low_snr_noise(source: Source, rng: np.random.Generator, n: int) -> tuple[np.ndarray, str]:
    if rng.uniform() < 0.4:
        return stationary_noise(source, rng, n)
    return non_stationary_noise(source, rng, n)


def music_scene_noise(source: Source, rng: np.random.Generator, n: int) -> tuple[np.ndarray, str]:
    if rng.uniform() < 0.6:
        return unit_rms(source.take("noise", rng, n)), "ambience"
    return stationary_noise(source, rng, n)


# -- scenarios --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    target: str  # "speech" or "speech+music"
    snr_db: tuple[float, float]
    noise: NoiseRecipe
    seed: int


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("stationary", "speech in steady noise: coloured noise, hum, fan/HVAC", "speech",
             (0.0, 20.0), stationary_noise, 101),
    Scenario("non-stationary", "speech in recorded ambiences or babble", "speech",
             (0.0, 20.0), non_stationary_noise, 102),
    Scenario("transient", "speech with bells, horns, planes, trains, keys, clicks", "speech",
             (0.0, 15.0), transient_noise, 103),
    Scenario("low-snr", "speech under steady or non-stationary noise at -5..0 dB", "speech",
             (-5.0, 0.0), low_snr_noise, 104),
    Scenario("music-scene", "speech + music is the target (live stream); noise removed",
             "speech+music", (5.0, 15.0), music_scene_noise, 105),
)}


def make_target(source: Source, kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """A target of ``kind``: ``speech`` or ``music`` at unit RMS, or ``speech+music`` (unit-RMS
    speech with music 3-10 dB under it)."""
    if kind == "music":
        return unit_rms(source.take("music", rng, n))
    if kind not in ("speech", "speech+music"):
        raise ValueError(f"unknown target kind {kind!r}; kinds are speech, music, speech+music")
    speech = unit_rms(source.take("speech", rng, n))
    if kind == "speech":
        return speech
    music = unit_rms(source.take("music", rng, n)) * 10 ** (-rng.uniform(3.0, 10.0) / 20)
    return speech + music


def scene(name: str, source: Source, index: int, seconds: float = 5.0,
          augmentation: Augmentation = Augmentation()) -> Scene:
    """Scene ``index`` of scenario ``name`` from ``source``'s split (module docstring: seeding)."""
    recipe = SCENARIOS[name]
    seed = (recipe.seed, SPLITS.index(source.split), index)
    rng = np.random.default_rng(list(seed))
    n = int(round(seconds * SR))
    target = make_target(source, recipe.target, rng, n)
    noise, label = recipe.noise(source, rng, n)
    snr_db = float(rng.uniform(*recipe.snr_db))
    target, noise, info = mix(target, noise, snr_db, rng, augmentation)
    info["noise"] = label
    return Scene(name, index, seed, target, noise, snr_db, f"{recipe.target} + {label} at {snr_db:.1f} dB", info)


def scenes(name: str, source: Source, count: int, seconds: float = 5.0,
           augmentation: Augmentation = Augmentation()) -> list[Scene]:
    if name not in SCENARIOS:
        raise KeyError(f"unknown scenario {name!r}; scenarios are {list(SCENARIOS)}")
    return [scene(name, source, i, seconds, augmentation) for i in range(count)]


def test_set(name: str, count: int = 4, seconds: float = 5.0, cache=None) -> list[Scene]:
    """The fixed benchmark scenes of ``name``, from the corpus's test split."""
    return scenes(name, CorpusSource("test", cache), count, seconds)
