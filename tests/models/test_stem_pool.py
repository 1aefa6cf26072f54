"""The real-audio training source: stem pools are deterministic, unit RMS, mixed as configured,
and ``data.source = "stems"`` trains from a stems cache (a tiny generated one: no downloads)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from hushboard.models import stems
from hushboard.models import train as trainer


def fake_take(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """Stand-in for ``stems.stem_source``: a tone for music, a chirp for speech, noise for noise."""
    t = np.arange(n) / stems.SR
    if kind == "music":
        return 0.3 * np.sin(2 * np.pi * rng.uniform(200, 800) * t)
    if kind == "speech":
        return 0.05 * np.sin(2 * np.pi * (150 + 400 * t) * t)
    return rng.normal(0, 0.01, n)


def test_stem_pool_is_deterministic_unit_rms_and_mixes_kinds():
    a = stems.make_stem_pool(fake_take, seed=3, count=40, seconds=0.2)
    b = stems.make_stem_pool(fake_take, seed=3, count=40, seconds=0.2)
    np.testing.assert_array_equal(a.clean, b.clean)
    np.testing.assert_array_equal(a.noise, b.noise)
    assert a.clean.shape == a.noise.shape == (40, int(0.2 * stems.SR))
    rms = np.sqrt(np.mean(a.clean.astype(np.float64) ** 2, axis=1))
    np.testing.assert_allclose(rms, 1.0, rtol=1e-4)
    assert {"speech", "music", "both"} <= set(a.kinds)
    c = stems.make_stem_pool(fake_take, seed=4, count=40, seconds=0.2)
    assert not np.array_equal(a.clean, c.clean)


def test_all_synthetic_noise_differs_from_recorded_noise():
    recorded = stems.make_stem_pool(fake_take, 0, 8, 0.2, synthetic_noise_fraction=0.0)
    synthetic = stems.make_stem_pool(fake_take, 0, 8, 0.2, synthetic_noise_fraction=1.0)
    # the fake "recorded" noise is white: flat spectrum; synthetic noise_like is coloured/tonal
    def low_high_ratio(x):
        spectrum = np.abs(np.fft.rfft(x, axis=1)) ** 2
        half = spectrum.shape[1] // 2
        return spectrum[:, 1:half // 8].mean() / spectrum[:, half:].mean()
    assert low_high_ratio(recorded.noise) < 3.0
    assert low_high_ratio(synthetic.noise) > 3.0


@pytest.fixture()
def tiny_stems_cache(tmp_path, monkeypatch):
    """One second per kind and split, where ``stems.default_cache()`` looks."""
    monkeypatch.setenv("HUSHBOARD_CACHE", str(tmp_path))
    cache = stems.default_cache()
    cache.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for kind in stems.KINDS:
        for split in stems.SPLITS:
            np.save(cache / f"{kind}-{split}.npy", fake_take(kind, rng, stems.SR).astype(np.float32))
    return cache


def test_training_from_the_stems_source(tmp_path, tiny_stems_cache):
    config = {"seed": 0, "data": {"source": "stems", "pool_size": 3, "clip_seconds": 0.5,
                                  "crop_seconds": 0.3, "valid_size": 2},
              "model": {"features": {"name": "erb_df", "num_bands": 16, "df_bins": 8},
                        "network": {"name": "dnn", "hidden": 16, "layers": 1}, "target": "irm"},
              "optim": {"steps": 2, "batch_size": 2}, "eval_every": 2}
    summary = trainer.train(config, tmp_path / "run", progress=False)
    assert all(math.isfinite(v) for v in summary["last_losses"])
    assert any(p.name.startswith("pool_stems") for p in (tmp_path / "run").glob("*.npz"))


def test_extra_shares_draw_the_training_pools_from_the_extra_stems(tiny_stems_cache):
    for split in stems.SPLITS:  # a constant extra_noise stem: a clip of it is 1 everywhere at unit RMS
        np.save(tiny_stems_cache / f"extra_noise-{split}.npy", np.full(stems.SR, 0.25, np.float32))
    base = {"source": "stems", "pool_size": 6, "clip_seconds": 0.2, "crop_seconds": 0.1,
            "valid_size": 8, "synthetic_noise_fraction": 0.0}

    def data(**extra):
        config = trainer.resolve_config({"model": {"target": "irm"}, "data": {**base, **extra}})
        return trainer.Data(config, None)

    every = data(extra_noise=1.0)
    np.testing.assert_allclose(every.train_pool.noise, 1.0, rtol=1e-6)
    plain = data()
    assert np.all(np.ptp(plain.train_pool.noise, axis=1) > 0.1)  # the recorded noise stem
    np.testing.assert_array_equal(plain.train_pool.clean, data(extra_noise=0.0).train_pool.clean)
    with pytest.raises(ValueError, match="extra_music.*0..1"):
        trainer.resolve_config({"model": {"target": "irm"}, "data": {**base, "extra_music": 1.5}})
    with pytest.raises(ValueError, match="needs data.source = 'stems'"):
        trainer.resolve_config({"model": {"target": "irm"}, "data": {"extra_noise": 0.5}})


def test_unknown_data_source_names_the_known_ones():
    with pytest.raises(ValueError, match="stems"):
        trainer.resolve_config({"model": {"target": "irm"}, "data": {"source": "hub"}})


def test_stem_source_opens_extra_music_only_when_asked(tmp_path):
    rng = np.random.default_rng(1)
    for kind in ("speech", "music", "noise"):
        np.save(tmp_path / f"{kind}-test.npy", fake_take(kind, rng, stems.SR).astype(np.float32))
    take = stems.stem_source("test", tmp_path)  # a cache built before extra_music existed
    assert take("music", np.random.default_rng(0), 100).shape == (100,)
    with pytest.raises(FileNotFoundError, match="--kinds extra_music"):
        take("extra_music", np.random.default_rng(0), 100)
    np.save(tmp_path / "extra_music-test.npy", np.full(stems.SR, 0.25, np.float32))
    assert np.all(take("extra_music", np.random.default_rng(0), 100) == 0.25)
    (tmp_path / "noise-test.npy").unlink()
    with pytest.raises(FileNotFoundError, match="noise-test.npy"):
        stems.stem_source("test", tmp_path)


def test_per_file_licenses_follow_the_last_matching_copyright_stanza(tmp_path):
    doc = tmp_path / "usr/share/doc/pkg"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: *\nCopyright: a team\nLicense: GPL-2+\n\n"
        "Files:\n base/music/David01.ogg\n base/music/van_*.ogg\nCopyright: someone\n"
        "License: CC-BY-3.0\n\n"
        "Files: base/music/Crystan-*.ogg\nCopyright: another\nLicense: CC-BY-SA-3.0\n\n"
        "License: GPL-2+\n On Debian systems see /usr/share/common-licenses/GPL-2.\n")
    stanzas = stems.copyright_stanzas(tmp_path, "pkg")
    assert [lic for _, lic in stanzas] == ["GPL-2+", "CC-BY-3.0", "CC-BY-SA-3.0"]
    default = stems.license_of(tmp_path, "pkg")
    assert default == "GPL-2+"
    assert stems.license_of_file(stanzas, "0music.pk3:music/David01.ogg", default) == "CC-BY-3.0"
    assert stems.license_of_file(stanzas, "0music.pk3:music/van_theme.ogg", default) == "CC-BY-3.0"
    assert stems.license_of_file(stanzas, "0music.pk3:music/Crystan-Credits.ogg", default) == "CC-BY-SA-3.0"
    assert stems.license_of_file(stanzas, "0music.pk3:music/space.ogg", default) == "GPL-2+"
    assert stems.license_of_file([], "x.ogg", default) == "GPL-2+"  # no DEP-5 stanzas: the default


def test_extra_noise_takes_each_ambience_once_and_no_voices(tmp_path):
    import zipfile

    sounds = tmp_path / "usr/share/games/megaglest/tilesets"
    (sounds / "spring/sounds").mkdir(parents=True)
    (sounds / "forest/sounds").mkdir(parents=True)
    (sounds / "spring/sounds/day.ogg").write_bytes(b"day")
    (sounds / "forest/sounds/day.ogg").symlink_to("../../spring/sounds/day.ogg")  # the same file
    (sounds / "spring/sounds/notes.txt").write_text("not audio")
    found = dict(stems.package_files(tmp_path, "megaglest-data"))
    assert found == {"usr/share/games/megaglest/tilesets/spring/sounds/day.ogg": b"day"}

    public = tmp_path / "usr/share/games/0ad/mods/public"
    public.mkdir(parents=True)
    with zipfile.ZipFile(public / "public.zip", "w") as archive:
        for name in ("audio/ambient/weather/rain_11.ogg", "audio/ambient/water/wave_21.ogg",
                     "audio/ambient/building/amb_port_10.ogg", "audio/music/Epitaph.ogg",
                     "audio/ambient/dayscape/readme.txt"):
            archive.writestr(name, name)
    found = dict(stems.package_files(tmp_path / "usr/share/games/0ad", "0ad-data"))
    assert sorted(found) == ["public.zip:audio/ambient/water/wave_21.ogg",
                             "public.zip:audio/ambient/weather/rain_11.ogg"]


def test_extra_stems_replace_that_share_of_their_kind_and_compose():
    values = {"speech": 1.0, "music": 2.0, "noise": 3.0, "extra_music": 4.0, "extra_noise": 5.0}

    def take(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, values[kind])

    assert stems.with_extra(take, "music", 0.0) is take  # no extra draw: the old recipe's scenes
    mixed = stems.with_extra(take, "music", 0.5)
    rng = np.random.default_rng(0)
    music = [mixed("music", rng, 1)[0] for _ in range(400)]
    assert set(music) == {2.0, 4.0} and 0.4 < music.count(4.0) / 400 < 0.6
    assert mixed("speech", rng, 1)[0] == 1.0 and mixed("noise", rng, 1)[0] == 3.0
    assert set(stems.with_extra(take, "music", 1.0)("music", rng, 5)) == {4.0}
    both = stems.with_extra(stems.with_extra(take, "music", 1.0), "noise", 0.25)
    noise = [both("noise", rng, 1)[0] for _ in range(400)]
    assert set(noise) == {3.0, 5.0} and 0.15 < noise.count(5.0) / 400 < 0.35
    assert both("music", rng, 1)[0] == 4.0 and both("speech", rng, 1)[0] == 1.0
    # a draw is made only for the wrapped kind: speech and music scenes keep their generator
    plain, wrapped = np.random.default_rng(5), np.random.default_rng(5)
    take("speech", plain, 1), stems.with_extra(take, "noise", 0.5)("speech", wrapped, 1)
    assert plain.uniform() == wrapped.uniform()


def test_babble_share_replaces_recorded_noise_with_summed_talkers():
    def take(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
        if kind == "speech":  # each talker a different tone: babble holds 3-5 of them
            return np.sin(2 * np.pi * rng.uniform(200, 2000) * np.arange(n) / stems.SR)
        return rng.normal(0, 0.01, n)

    plain = stems.make_stem_pool(take, seed=1, count=30, seconds=0.5, synthetic_noise_fraction=0.0)
    again = stems.make_stem_pool(take, seed=1, count=30, seconds=0.5, synthetic_noise_fraction=0.0,
                                 babble_fraction=0.0)
    np.testing.assert_array_equal(plain.noise, again.noise)  # no extra draw at share 0
    babble = stems.make_stem_pool(take, seed=1, count=30, seconds=0.5, synthetic_noise_fraction=0.0,
                                  babble_fraction=1.0)
    def tones(clip: np.ndarray) -> int:
        """Local maxima of the windowed spectrum above a quarter of its peak."""
        spectrum = np.abs(np.fft.rfft(clip * np.hanning(clip.size)))
        inner = spectrum[1:-1]
        peak = (inner > spectrum[:-2]) & (inner >= spectrum[2:]) & (inner > 0.25 * spectrum.max())
        return int(peak.sum())

    for clip in babble.noise:
        assert 3 <= tones(clip) <= 5 and np.sqrt(np.mean(clip.astype(float) ** 2)) == pytest.approx(1, rel=1e-5)
    assert min(tones(clip) for clip in plain.noise) > 20  # the recorded-noise stand-in: broadband


def test_more_music_takes_only_the_music_of_game_packages(tmp_path):
    import zipfile

    hedgewars = tmp_path / "hw"
    (hedgewars / "usr/share/games/hedgewars/Data/Music").mkdir(parents=True)
    (hedgewars / "usr/share/games/hedgewars/Data/Sounds/voices/Default").mkdir(parents=True)
    (hedgewars / "usr/share/games/hedgewars/Data/Music/Beach.ogg").write_bytes(b"beach")
    (hedgewars / "usr/share/games/hedgewars/Data/Sounds/voices/Default/Hello.ogg").write_bytes(b"voice")
    assert dict(stems.package_files(hedgewars, "hedgewars-data")) == {
        "usr/share/games/hedgewars/Data/Music/Beach.ogg": b"beach"}

    fof = tmp_path / "fof"
    song = fof / "usr/share/games/fretsonfire/data/songs/band/a_song"
    song.mkdir(parents=True)
    (song / "song.ogg").write_bytes(b"backing")
    (song / "guitar.ogg").write_bytes(b"guitar")  # the same song's other track: not a second file
    assert list(dict(stems.package_files(fof, "fretsonfire-songs-sectoid")).values()) == [b"backing"]

    nexuiz = tmp_path / "nx/usr/share/games/nexuiz/data"
    nexuiz.mkdir(parents=True)
    with zipfile.ZipFile(nexuiz / "music.pk3", "w") as archive:
        archive.writestr("sound/cdtracks/stairs.ogg", "track")
        archive.writestr("sound/misc/beep.ogg", "beep")
    assert dict(stems.package_files(tmp_path / "nx", "nexuiz-music")) == {
        "music.pk3:sound/cdtracks/stairs.ogg": b"track"}
    assert stems.license_of(tmp_path / "nx", "nexuiz-music") == "GPL-2+"  # free-text copyright file


def test_with_extra_draws_from_a_named_source():
    def take(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, {"music": 2.0, "more_music": 6.0, "extra_music": 4.0}.get(kind, 1.0))

    rng = np.random.default_rng(0)
    more = stems.with_extra(take, "music", 1.0, "more_music")
    assert more("music", rng, 3).tolist() == [6.0] * 3 and more("speech", rng, 1)[0] == 1.0
    both = stems.with_extra(stems.with_extra(take, "music", 0.5, "more_music"), "music", 0.5)
    drawn = {both("music", rng, 1)[0] for _ in range(200)}
    assert drawn == {2.0, 4.0, 6.0}
