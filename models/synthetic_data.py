"""Deterministic synthetic training mixtures (speech-like + music-like targets, varied noise).

The fallback data source until the real corpus recipe (``models/corpus*.py``) is available.
Everything is generated from ``(seed, index)`` with numpy, so example ``i`` of split ``s`` is the
same on every machine and a resumed training run sees exactly the batches it would have seen.

Targets (what the denoiser must KEEP):
    - speech-like: a glottal harmonic series (f0 80-260 Hz with glides and vibrato) shaped by
      three moving formants, syllable envelopes with pauses, and unvoiced fricative bursts
      (high-passed noise, 3-16 kHz) so the full 48 kHz band carries target energy;
    - music-like: chord sequences of harmonic notes (harmonics to 16 kHz, per-note decay, ADSR
      envelopes), some with a low "kick" (decaying pitch sweep);
    - or both together.
Noise (what it must REMOVE): white/pink/brown noise with a random spectral tilt, mains hum
(50/60 Hz + harmonics), clicks and short noise bursts (transients), and amplitude-modulated
noise (fan/traffic-like), one to three at a time, mixed at an SNR of ``snr_db`` (uniform).

Honest limits: this is not real speech or music; a model trained on it alone learns
"harmonic, envelope-structured sound vs. noise" and will mistake some real sounds for either.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 48000


@dataclass(frozen=True)
class SyntheticConfig:
    """What a split of synthetic mixtures looks like.

    Args:
        seconds: length of each example (rounded to whole 10 ms hops by the trainer).
        snr_db: (low, high) uniform SNR range in dB of target vs noise.
        level_db: (low, high) uniform RMS level of the noisy mix in dBFS.
        music_fraction: probability that the target is music-like; ``both_fraction`` that it is
            speech + music; the rest is speech-like.
    """

    seconds: float = 2.0
    snr_db: tuple[float, float] = (-5.0, 20.0)
    level_db: tuple[float, float] = (-38.0, -18.0)
    music_fraction: float = 0.35
    both_fraction: float = 0.15


def _smooth_random(rng: np.random.Generator, n: int, points: int, low: float, high: float) -> np.ndarray:
    """A slowly varying curve: ``points`` random values in [low, high], linearly interpolated."""
    knots = rng.uniform(low, high, points)
    return np.interp(np.linspace(0, points - 1, n), np.arange(points), knots)


def _coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Gaussian noise with power spectrum ~ f^-exponent (0 white, 1 pink, 2 brown), unit RMS.

    Like ``models.noises.coloured`` but keeping the DC bin: the shipped models' recipes drew
    their synthetic noise from this one, so changing it would change their training data.
    """
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 20.0)
    noise = np.fft.irfft(spectrum * f ** (-exponent / 2), n)
    return noise / (np.sqrt(np.mean(noise ** 2)) + 1e-12)


def _highpass_noise(rng: np.random.Generator, n: int, low_hz: float, high_hz: float) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    noise = np.fft.irfft(spectrum * ((f > low_hz) & (f < high_hz)), n)
    return noise / (np.sqrt(np.mean(noise ** 2)) + 1e-12)


def speech_like(rng: np.random.Generator, n: int) -> np.ndarray:
    """Voiced + unvoiced speech-like signal, unit-ish RMS, shape ``(n,)``."""
    t = np.arange(n) / SAMPLE_RATE
    base = rng.uniform(80, 220)
    f0 = base * _smooth_random(rng, n, max(2, int(n / SAMPLE_RATE * 4)), 0.8, 1.25)
    f0 *= 1 + 0.01 * np.sin(2 * np.pi * rng.uniform(4, 7) * t)  # vibrato/jitter
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    syllables = max(2, int(n / SAMPLE_RATE * rng.uniform(3, 6)))
    formants = [_smooth_random(rng, n, syllables, lo, hi) for lo, hi in ((300, 900), (900, 2500), (2300, 3500))]
    voice = np.zeros(n)
    coarse = slice(None, None, 240)  # formant gains change slowly: evaluate every 5 ms
    grid = np.arange(n)[coarse]
    for k in range(1, int(10000 / base) + 1):
        freq = k * f0[coarse]
        gain = sum(np.exp(-0.5 * ((freq - fc[coarse]) / (80 + 0.1 * fc[coarse])) ** 2) for fc in formants)
        gain = (gain + 0.02) / np.sqrt(k)
        voice += np.interp(np.arange(n), grid, gain) * np.sin(k * phase)
    # syllable envelope: raised-cosine bumps with random gaps
    env = np.clip(np.sin(np.pi * np.cumsum(_smooth_random(rng, n, syllables, 2.0, 6.0)) / SAMPLE_RATE), 0, None)
    env *= _smooth_random(rng, n, syllables, 0.0, 1.0) > 0.25
    env = np.convolve(env, np.hanning(481) / np.hanning(481).sum(), mode="same")  # 10 ms ramps
    fricatives = _highpass_noise(rng, n, rng.uniform(2500, 4500), 16000)
    fric_env = np.clip(np.sin(2 * np.pi * rng.uniform(1, 3) * t + rng.uniform(0, 6)), 0, None) ** 6
    out = voice * env + 0.3 * fricatives * fric_env * (1 - env)
    return out / (np.sqrt(np.mean(out ** 2)) + 1e-12)


def music_like(rng: np.random.Generator, n: int) -> np.ndarray:
    """Chord sequence of harmonic notes with ADSR envelopes (optionally a kick), shape ``(n,)``."""
    t = np.arange(n) / SAMPLE_RATE
    out = np.zeros(n)
    chord_s = rng.uniform(0.25, 1.0)
    root = rng.uniform(45, 60)  # MIDI note of the key
    brightness = rng.uniform(0.5, 2.0)
    starts = np.arange(0, n / SAMPLE_RATE, chord_s)
    for start in starts:
        degrees = rng.choice([0, 3, 4, 7, 10, 12, 14, 16, 19], size=rng.integers(2, 5), replace=False)
        for d in degrees:
            f = 440 * 2 ** ((root + d + 12 * rng.integers(-1, 2) - 69) / 12)
            local = t - start
            attack = rng.uniform(0.003, 0.05)
            decay = rng.uniform(0.3, 2.0)
            env = np.where(local < 0, 0, np.minimum(local / attack, 1) * np.exp(-np.maximum(local, 0) / decay))
            env *= local < chord_s + 0.2  # release into the next chord
            active = env > 1e-4
            if not active.any():
                continue
            note = np.zeros(active.sum())
            phase = 2 * np.pi * f * local[active]
            for k in range(1, int(16000 / f) + 1):
                note += np.sin(k * phase + k) * np.exp(-k / (4 * brightness)) / k ** 0.5
            out[active] += env[active] * note
    if rng.uniform() < 0.4:  # kick drum on each chord: 50-120 Hz sweep, 80 ms decay
        for start in starts:
            local = t - start
            on = (local >= 0) & (local < 0.4)
            sweep = 2 * np.pi * (50 * local[on] + 70 * 0.03 * (1 - np.exp(-local[on] / 0.03)))
            out[on] += 2.0 * np.sin(sweep) * np.exp(-local[on] / 0.08)
    return out / (np.sqrt(np.mean(out ** 2)) + 1e-12)


def noise_like(rng: np.random.Generator, n: int) -> np.ndarray:
    """One to three noise types summed, unit RMS, shape ``(n,)``."""
    t = np.arange(n) / SAMPLE_RATE
    kinds = rng.choice(4, size=rng.integers(1, 4), replace=False)
    out = np.zeros(n)
    for kind in kinds:
        if kind == 0:  # stationary coloured noise
            part = _coloured_noise(rng, n, rng.uniform(0.0, 2.0))
        elif kind == 1:  # mains hum with harmonics and some buzz
            mains = rng.choice([50.0, 60.0])
            part = sum(rng.uniform(0, 1) / k * np.sin(2 * np.pi * mains * k * t + rng.uniform(0, 6))
                       for k in range(1, 12))
            part = part + 0.1 * _coloured_noise(rng, n, 1.0)
        elif kind == 2:  # transients: clicks and short bursts
            part = np.zeros(n)
            for _ in range(rng.integers(2, 12)):
                at, length = rng.integers(0, n), rng.integers(20, 4000)
                burst = rng.standard_normal(length) * np.exp(-np.arange(length) / (length / 4))
                part[at: at + length] += burst[: n - at] * rng.uniform(0.5, 3)
        else:  # modulated noise (fan / traffic / rain-like)
            part = _coloured_noise(rng, n, rng.uniform(0.5, 1.5)) * _smooth_random(rng, n, 8, 0.2, 1.0)
        out += part / (np.sqrt(np.mean(part ** 2)) + 1e-12) * rng.uniform(0.3, 1.0)
    return out / (np.sqrt(np.mean(out ** 2)) + 1e-12)


@dataclass(frozen=True)
class Pool:
    """Pre-generated clips that training mixes on the fly: ``clean`` and ``noise`` ``(count, n)``."""

    clean: np.ndarray
    kinds: tuple[str, ...]
    noise: np.ndarray


def make_pool(seed: int, count: int, seconds: float, config: SyntheticConfig = SyntheticConfig()) -> Pool:
    """``count`` target clips (speech/music/both per ``config``) and ``count`` noise clips.

    Generating a clip costs ~0.1 s per second of audio, so training draws crops and pairings
    from a pool instead of synthesising every batch.
    """
    n = int(round(seconds * SAMPLE_RATE))
    clean, kinds, noise = [], [], []
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        draw = rng.uniform()
        if draw < config.music_fraction:
            clip, kind = music_like(rng, n), "music"
        elif draw < config.music_fraction + config.both_fraction:
            clip, kind = speech_like(rng, n) + 0.7 * music_like(rng, n), "both"
            clip /= np.sqrt(np.mean(clip ** 2)) + 1e-12
        else:
            clip, kind = speech_like(rng, n), "speech"
        clean.append(clip.astype(np.float32))
        kinds.append(kind)
        noise.append(noise_like(rng, n).astype(np.float32))
    return Pool(np.stack(clean), tuple(kinds), np.stack(noise))


def mix_from_pool(rng: np.random.Generator, pool: Pool, batch_size: int, samples: int,
                  config: SyntheticConfig) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A batch of random crops/pairings/SNRs: ``(clean, noisy)`` ``(batch, samples)`` float32, kinds."""
    count, length = pool.clean.shape
    cleans, noisies, kinds = [], [], []
    for _ in range(batch_size):
        i, j = rng.integers(count), rng.integers(count)
        a, b = rng.integers(0, length - samples + 1), rng.integers(0, length - samples + 1)
        clean = pool.clean[i, a: a + samples].astype(np.float64)
        noise = pool.noise[j, b: b + samples].astype(np.float64)
        snr = rng.uniform(*config.snr_db)
        gain = np.sqrt(np.mean(clean ** 2) + 1e-12) / np.sqrt(np.mean(noise ** 2) + 1e-12) * 10 ** (-snr / 20)
        noisy = clean + gain * noise
        level = 10 ** (rng.uniform(*config.level_db) / 20) / (np.sqrt(np.mean(noisy ** 2)) + 1e-12)
        cleans.append(clean * level)
        noisies.append(noisy * level)
        kinds.append(pool.kinds[i])
    return np.stack(cleans).astype(np.float32), np.stack(noisies).astype(np.float32), kinds


def drone_like(rng: np.random.Generator, n: int) -> np.ndarray:
    """A dark ambient drone / pad, shape ``(n,)``, unit RMS: what a detector trained on hum, fans
    and machine ambiences as "noise" takes for noise, though every listener hears music.

    Two to four sustained voices on a low root (MIDI 28-52, 41-165 Hz) at consonant intervals,
    each a harmonic tone (partials up to 4 kHz, roll-off ``k^-a``) doubled a few cents apart (the
    slow beating of a chorus), with slow pitch drift, per-partial timbre changes, an amplitude
    swell, a low-pass whose cutoff wanders between 200 Hz and 2.5 kHz, at most two chord changes
    with a cross-fade, and an exponentially decaying noise reverb (1-4 s). What separates it from
    ``noise_like``'s mains hum: musical pitches that drift and beat, and levels that swell.
    """
    t = np.arange(n) / SAMPLE_RATE
    seconds = n / SAMPLE_RATE
    knots = max(2, int(seconds * 1.5))
    root = rng.uniform(28, 52)
    chords = [rng.choice([0, 3, 5, 7, 12, 15, 19, 24], size=rng.integers(2, 5), replace=False)
              for _ in range(int(rng.integers(1, 4)))]
    change_at = np.sort(rng.uniform(0.15, 0.85, len(chords) - 1)) * seconds
    fade = rng.uniform(0.5, 2.0)
    cutoff = np.exp(_smooth_random(rng, n, knots, np.log(200.0), np.log(2500.0)))
    rolloff = rng.uniform(0.6, 1.6)
    out = np.zeros(n)
    coarse = slice(None, None, 480)  # amplitude curves change slowly: evaluate every 10 ms
    grid = np.arange(n)[coarse]
    for index, chord in enumerate(chords):
        begin = change_at[index - 1] if index > 0 else -np.inf
        end = change_at[index] if index < len(change_at) else np.inf
        weight = np.clip(np.minimum((t - begin) / fade + 0.5, (end - t) / fade + 0.5), 0.0, 1.0)
        for degree in chord:
            f0 = 440.0 * 2 ** ((root + degree - 69) / 12)
            for detune_cents in (0.0, rng.uniform(3.0, 12.0)):
                drift = 2 ** (_smooth_random(rng, n, knots, -10.0, 10.0) / 1200 + detune_cents / 1200)
                phase = 2 * np.pi * np.cumsum(f0 * drift) / SAMPLE_RATE + rng.uniform(0, 6)
                for k in range(1, int(4000 / f0) + 1):
                    timbre = _smooth_random(rng, grid.size, knots, 0.2, 1.0)
                    lowpass = 1.0 / (1.0 + (k * f0 / cutoff[coarse]) ** 4)
                    gain = np.interp(np.arange(n), grid, timbre * lowpass) * k ** -rolloff
                    out += weight * gain * np.sin(k * phase)
    out *= _smooth_random(rng, n, knots, 0.3, 1.0)  # swell
    decay_s = rng.uniform(1.0, 4.0)
    tail = rng.standard_normal(int(decay_s * SAMPLE_RATE)) * np.exp(-6.9 * np.arange(int(decay_s * SAMPLE_RATE))
                                                                   / (decay_s * SAMPLE_RATE))
    size = n + tail.size
    wet = np.fft.irfft(np.fft.rfft(out, size) * np.fft.rfft(tail, size), size)[:n]
    wet *= np.sqrt(np.mean(out ** 2)) / (np.sqrt(np.mean(wet ** 2)) + 1e-12)
    out = out + rng.uniform(0.2, 0.8) * wet
    return out / (np.sqrt(np.mean(out ** 2)) + 1e-12)
