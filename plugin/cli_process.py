"""``hushboard process IN OUT``: one audio file through a preset or a plugin, streamed.

The pipeline (also used by ``hushboard batch``)::

    pedalboard.io.AudioFile(IN) [.resampled_to(--sample-rate)]
        -> read 8192-frame blocks -> chain.process(block, sr, reset=False) -> write to a temp file
        -> feed silence until the chain's latency tail is out; trim: output length == input length
        -> fsync, os.replace(temp, OUT)

Memory stays flat in the file length: one block of audio, the chain's state and one float per
100 ms of level statistics (``audio_stats``) are all that is held.

Never losing data
    IN is only ever opened for reading. OUT is written as a hidden temp file next to it
    (``.NAME.hushboard-partial-*``) and renamed over OUT only when complete, so OUT is either the
    old file or the whole new one, never a partial file; on an error the temp file is deleted,
    and after a hard kill the next run for the same OUT deletes the stale one. Writing onto IN
    itself is refused, and replacing an existing OUT needs ``--overwrite``.

What is preserved
    Sample rate (unless ``--sample-rate`` converts it), channel count and channel order, length
    in samples (latency is compensated), the sample format as chosen by ``--bit-depth``
    (default: 24-bit integer, or 32-bit float for float input written as WAV), and the metadata
    (``plugin.metadata``): WAV chunks (INFO tags, BWF ``bext``, iXML, cue points, loop points)
    byte for byte, FLAC/MP3/OGG/AIFF tags and artwork with mutagen, common text tags across
    formats. Sample-position chunks are dropped when ``--sample-rate`` converts the rate.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import numpy as np
from pedalboard.io import AudioFile

from . import audio_stats, metadata
from .base import Plugin
from .chain import Chain, Mix
from .parameter import Param, Value
from .registry import PLUGINS

BLOCK_FRAMES = 8192  # frames read, processed and written at once (and the chain's buffer_size)
TEMP_MARKER = ".hushboard-partial-"
#: Output extensions pedalboard.io writes, and the bit depths each accepts (None: codec decides).
WRITABLE_FORMATS: dict[str, tuple[str, ...] | None] = {
    ".wav": ("16", "24", "float"), ".flac": ("16", "24"), ".aiff": ("16", "24"),
    ".aif": ("16", "24"), ".mp3": None, ".ogg": None}
BIT_DEPTHS = ("auto", "16", "24", "float")

ProgressFn = Callable[[int, int], None]  # (frames done, frames expected)
CancelFn = Callable[[], bool]


class AudioFileError(ValueError):
    """A file could not be read, written or accepted; the message names it and says why."""


class Cancelled(RuntimeError):
    """Processing stopped because ``cancel()`` returned True (e.g. the batch parent died)."""


# ---------------------------------------------------------------------------------------------
# What to run: a preset or a plugin, with --set values converted through the Param specs
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProcessorSpec:
    """A picklable recipe for the processor, so every worker process builds its own.

    Args:
        preset: factory preset name or preset file path (``hushboard.plugin.presets``).
        plugin: name of a registered hushboard plugin (``hushboard.available_plugins()``).
        settings: ``(key, text)`` pairs from ``--set key=value``; ``key`` may be
            ``PluginName.key`` when a preset chain holds several plugins with that key.
    """

    preset: Optional[str] = None
    plugin: Optional[str] = None
    settings: tuple[tuple[str, str], ...] = ()

    def build(self) -> Chain:
        """The processor as a fresh ``Chain`` (a single plugin is wrapped)."""
        if (self.preset is None) == (self.plugin is None):
            raise ValueError("give exactly one of --preset NAME|FILE or --plugin NAME")
        if self.preset is not None:
            try:
                from .presets import load_preset
            except ImportError:
                raise ValueError("--preset needs hushboard.plugin.presets, which this install lacks; "
                                 "use --plugin NAME --set key=value") from None
            processor: Any = load_preset(self.preset)
        else:
            try:
                plugin_class = PLUGINS.get(str(self.plugin))
            except KeyError as error:
                raise ValueError(str(error.args[0])) from None
            processor = plugin_class()
        for key, text in self.settings:
            apply_setting(processor, key, text)
        return processor if isinstance(processor, Chain) else Chain([processor])


def parse_settings(items: list[str] | None) -> tuple[tuple[str, str], ...]:
    """``["reduction_db=12", ...]`` -> ``(("reduction_db", "12"), ...)``; ``ValueError`` if no ``=``."""
    pairs = []
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects key=value (got {item!r})")
        pairs.append((key.strip(), text.strip()))
    return tuple(pairs)


def text_to_value(spec: Param, text: str, owner: str) -> Value:
    """Convert command-line text to a parameter value and validate it with ``spec.validate``.

    Booleans accept true/false, yes/no, on/off, 1/0; choices take the text as is; numbers are
    parsed as floats (integers are checked by the spec's step). Errors are the spec's own.
    """
    value: Any = text
    if spec.is_boolean:
        value = {"true": True, "yes": True, "on": True, "1": True,
                 "false": False, "no": False, "off": False, "0": False}.get(text.lower(), text)
    elif spec.is_numeric:
        try:
            value = float(text)
        except ValueError:
            pass  # validate() words the error with the range and unit
    return spec.validate(value, owner=owner)


def hushboard_members(processor: Any) -> Iterator[Plugin]:
    """Every hushboard plugin inside a plugin, Chain or Mix (depth first)."""
    if isinstance(processor, Plugin):
        yield processor
    elif isinstance(processor, (Chain, Mix)):
        for member in processor:
            yield from hushboard_members(member)


def apply_setting(processor: Any, key: str, text: str) -> None:
    """Set ``key`` (or ``PluginName.key``) from text on the one hushboard plugin that has it."""
    owner_name, _, name = key.rpartition(".")
    members = list(hushboard_members(processor))
    matches = [m for m in members if name in m.parameters
               and (not owner_name or type(m).__name__ == owner_name)]
    if not matches:
        valid = sorted({f"{type(m).__name__}.{p}" if len(members) > 1 else p
                        for m in members for p in m.parameters})
        raise ValueError(f"unknown parameter {key!r} for --set; valid keys: {', '.join(valid) or 'none'}")
    if len(matches) > 1:
        raise ValueError(f"--set {key} is ambiguous: {len(matches)} plugins have it; write it as "
                         f"PluginName.{name} (e.g. {type(matches[0]).__name__}.{name})")
    plugin = matches[0]
    setattr(plugin, name, text_to_value(plugin.parameters[name].spec, text, type(plugin).__name__))


def describe_processor(processor: Any) -> Any:
    """A JSON-able, deterministic description of what a processor does (for the preset hash).

    hushboard plugins: class and parameter values. Native plugins: class and the values of their
    Python properties (pedalboard exposes parameters as properties), plus a hash of ``raw_state``
    for VST3/AU plugins.
    """
    if isinstance(processor, (Chain, Mix)):
        return {"type": type(processor).__name__, "members": [describe_processor(m) for m in processor]}
    if isinstance(processor, Plugin):
        return {"type": type(processor).__name__,
                "values": {name: p.value for name, p in processor.parameters.items()}}
    values: dict[str, Any] = {}
    for name in sorted(dir(type(processor))):
        if name.startswith("_") or not isinstance(getattr(type(processor), name, None), property):
            continue
        try:
            value = getattr(processor, name)
        except Exception:  # some native properties raise for plugins that lack them
            continue
        if isinstance(value, (bytes, bytearray)):
            value = hashlib.sha256(value).hexdigest()
        if isinstance(value, (str, int, float, bool)) or value is None:
            values[name] = value
    return {"type": f"pedalboard.{type(processor).__name__}", "values": values}


def recipe_hash(processor: Any, options: "OutputOptions") -> str:
    """sha256 over the processor description, the output options and the hushboard version:
    the "preset hash" of the batch manifest. Any change means outputs must be redone."""
    from .. import __version__

    text = json.dumps({"processor": describe_processor(processor), "options": asdict(options),
                       "hushboard": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Output options, paths and atomic writes
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutputOptions:
    """How outputs are written.

    Args:
        bit_depth: ``"auto"`` (24-bit, or float for float input written as WAV), ``"16"``,
            ``"24"`` or ``"float"`` (32-bit float WAV).
        sample_rate: output rate in Hz, ``None`` to keep the input's.
        quality: codec quality for MP3/Ogg (e.g. ``"V0"``, ``320``), ``None`` for the default.
    """

    bit_depth: str = "auto"
    sample_rate: Optional[float] = None
    quality: Optional[str] = None


def writer_bit_depth(out_path: Path, bit_depth: str, input_dtype: str) -> int:
    """The ``bit_depth`` argument for ``AudioFile(out, "w")``, or ``AudioFileError``."""
    suffix = out_path.suffix.lower()
    if suffix not in WRITABLE_FORMATS:
        raise AudioFileError(f"{out_path}: cannot write {suffix or 'files without an extension'}; "
                             f"output formats are {', '.join(WRITABLE_FORMATS)}")
    allowed = WRITABLE_FORMATS[suffix]
    if allowed is None:
        return 16  # lossy codecs ignore it
    if bit_depth == "auto":
        bit_depth = "float" if "float" in input_dtype and "float" in allowed else "24"
    if bit_depth not in allowed:
        raise AudioFileError(f"{out_path}: {suffix} cannot store {bit_depth}-bit samples; "
                             f"choose --bit-depth from {', '.join(allowed)}")
    return 32 if bit_depth == "float" else int(bit_depth)


def check_paths(in_path: Path, out_path: Path, overwrite: bool) -> None:
    """Refuse writing onto the input, or over an existing output without ``overwrite``."""
    if not in_path.is_file():
        raise AudioFileError(f"{in_path}: no such file")
    if out_path.resolve() == in_path.resolve() or (out_path.exists() and os.path.samefile(in_path, out_path)):
        raise AudioFileError(f"{out_path}: refusing to write the output onto its own input")
    if out_path.exists() and not overwrite:
        raise AudioFileError(f"{out_path}: already exists; pass --overwrite to replace it")
    if not out_path.parent.is_dir():
        raise AudioFileError(f"{out_path}: the folder {out_path.parent} does not exist")


def temp_path_for(out_path: Path) -> Path:
    """A unique hidden sibling of ``out_path`` with the same extension (so the format matches)."""
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    return out_path.with_name(f".{out_path.stem}{TEMP_MARKER}{token}{out_path.suffix}")


def stale_temp_files(out_path: Path) -> list[Path]:
    """Temp files a killed run left for ``out_path``."""
    prefix = f".{out_path.stem}{TEMP_MARKER}"
    if not out_path.parent.is_dir():
        return []
    return [p for p in out_path.parent.iterdir()
            if p.name.startswith(prefix) and p.name.endswith(out_path.suffix)]


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(temp_path: Path, out_path: Path) -> None:
    """Make a finished temp file the output: fsync, atomic ``os.replace``, fsync the folder."""
    _fsync_path(temp_path)
    os.replace(temp_path, out_path)
    try:
        _fsync_path(out_path.parent)
    except OSError:  # some filesystems (and Windows) cannot fsync a folder
        pass


# ---------------------------------------------------------------------------------------------
# The streaming pipeline
# ---------------------------------------------------------------------------------------------
@dataclass
class FileStats:
    """What processing one file measured. Durations in s, levels in dB (see ``audio_stats``)."""

    duration_s: float = 0.0
    sample_rate: float = 0.0
    channels: int = 0
    input_format: str = ""
    wall_s: float = 0.0
    realtime_factor: float = 0.0  # wall time / audio duration (0.01 = 100x faster than real time)
    peak_in_dbfs: Optional[float] = None
    peak_out_dbfs: Optional[float] = None
    loudness_in: Optional[float] = None
    loudness_out: Optional[float] = None
    loudness_unit: str = ""
    noise_floor_in_db: Optional[float] = None
    noise_floor_out_db: Optional[float] = None
    noise_removed_db: Optional[float] = None
    extra: dict = field(default_factory=dict)


def open_input(in_path: Path, sample_rate: Optional[float]) -> Any:
    """Open ``in_path`` for reading (resampled on the fly if asked), or ``AudioFileError``."""
    try:
        if in_path.stat().st_size == 0:
            raise AudioFileError(f"{in_path}: empty file (0 bytes)")
        source = AudioFile(str(in_path))
    except AudioFileError:
        raise
    except Exception as error:  # pedalboard raises ValueError/RuntimeError for unreadable files
        raise AudioFileError(f"{in_path}: cannot read as audio ({_reason(error)})") from None
    if sample_rate is not None and float(sample_rate) != float(source.samplerate):
        return source.resampled_to(float(sample_rate))
    return source


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:300]


def render(in_path: Path, temp_path: Path, processor: Any, options: OutputOptions,
           progress: Optional[ProgressFn] = None, cancel: Optional[CancelFn] = None) -> FileStats:
    """Stream ``in_path`` through ``processor`` into ``temp_path`` (which the caller commits or
    deletes). Output is aligned and exactly as long as the input (latency compensated)."""
    started = time.perf_counter()
    with open_input(in_path, options.sample_rate) as source:
        rate = float(source.samplerate)
        channels = int(source.num_channels)
        input_dtype = str(getattr(source, "file_dtype", ""))
        if channels < 1 or source.frames == 0:
            raise AudioFileError(f"{in_path}: contains no audio (0 frames)")
        depth = writer_bit_depth(temp_path, options.bit_depth, input_dtype)
        quality = options.quality
        kwargs: dict[str, Any] = {"bit_depth": depth}
        if quality is not None:
            kwargs["quality"] = int(quality) if str(quality).isdigit() else quality
        meter_in = audio_stats.init_meter(rate, channels)
        meter_out = audio_stats.init_meter(rate, channels)
        try:
            sink = AudioFile(str(temp_path), "w", rate, channels, **kwargs)
        except Exception as error:
            raise AudioFileError(f"{temp_path}: cannot write {channels}-channel audio at {rate:g} Hz "
                                 f"({_reason(error)})") from None
        with sink:
            frames_in = _stream_blocks(source, sink, processor, rate, channels,
                                       meter_in, meter_out, progress, cancel, in_path)
    carried = metadata.copy_metadata(in_path, temp_path, rate_changed=_rate_changed(in_path, options))
    levels_in, levels_out = audio_stats.summary(meter_in), audio_stats.summary(meter_out)
    wall = time.perf_counter() - started
    duration = frames_in / rate
    removed = None
    if levels_in.noise_floor_db is not None and levels_out.noise_floor_db is not None:
        removed = levels_in.noise_floor_db - levels_out.noise_floor_db
    return FileStats(duration, rate, channels, input_dtype, wall, wall / duration if duration else 0.0,
                     levels_in.peak_dbfs, levels_out.peak_dbfs, levels_in.loudness,
                     levels_out.loudness, levels_in.loudness_unit, levels_in.noise_floor_db,
                     levels_out.noise_floor_db, removed,
                     extra={"metadata_copied": carried.copied, "metadata_skipped": carried.skipped})


def _rate_changed(in_path: Path, options: OutputOptions) -> bool:
    if options.sample_rate is None:
        return False
    with AudioFile(str(in_path)) as original:
        return float(original.samplerate) != float(options.sample_rate)


def _stream_blocks(source: Any, sink: Any, processor: Any, rate: float, channels: int,
                   meter_in: audio_stats.LevelMeter, meter_out: audio_stats.LevelMeter,
                   progress: Optional[ProgressFn], cancel: Optional[CancelFn], in_path: Path) -> int:
    """The read -> process(reset=False) -> write loop plus the silence flush; returns frames."""
    processor.reset()
    expected = int(source.frames)
    frames_in = frames_out = 0

    def emit(out: np.ndarray) -> None:
        nonlocal frames_out
        out = out[:, : max(frames_in - frames_out, 0)]  # the flush may overshoot the input length
        if out.shape[1]:
            if not np.isfinite(out).all():
                raise AudioFileError(f"{in_path}: the chain produced NaN or infinite samples")
            sink.write(out)
            audio_stats.update(meter_out, out)
            frames_out += out.shape[1]

    while True:
        if cancel is not None and cancel():
            raise Cancelled(f"{in_path}: processing cancelled")
        try:
            block = source.read(BLOCK_FRAMES)
        except Exception as error:
            raise AudioFileError(f"{in_path}: read failed after {frames_in} frames ({_reason(error)})") from None
        n = block.shape[-1]
        if n == 0:
            break
        audio_stats.update(meter_in, block)
        frames_in += n
        if n < channels:  # pedalboard cannot read a (2, 1) block; pad with the flush's silence
            block = np.concatenate([block, np.zeros((channels, channels - n), np.float32)], axis=1)
        emit(processor.process(block, rate, buffer_size=BLOCK_FRAMES, reset=False))
        if progress is not None:
            progress(frames_in, max(expected, frames_in))
    if frames_in == 0:
        raise AudioFileError(f"{in_path}: contains no audio (0 frames)")
    while frames_out < frames_in:  # flush the latency tail with silence
        size = min(BLOCK_FRAMES, max(frames_in - frames_out, channels))
        emit(processor.process(np.zeros((channels, size), np.float32), rate,
                               buffer_size=BLOCK_FRAMES, reset=False))
    processor.reset()
    return frames_in


def process_file(in_path: Path, out_path: Path, processor: Any, options: OutputOptions = OutputOptions(),
                 overwrite: bool = False, progress: Optional[ProgressFn] = None,
                 cancel: Optional[CancelFn] = None) -> FileStats:
    """Process one file into ``out_path`` atomically (see the module docstring).

    Raises:
        AudioFileError: unreadable input, refused output path, unsupported output format.
    """
    in_path, out_path = Path(in_path), Path(out_path)
    check_paths(in_path, out_path, overwrite)
    for stale in stale_temp_files(out_path):
        stale.unlink(missing_ok=True)
    temp = temp_path_for(out_path)
    try:
        stats = render(in_path, temp, processor, options, progress, cancel)
        commit(temp, out_path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return stats


# ---------------------------------------------------------------------------------------------
# The subcommand
# ---------------------------------------------------------------------------------------------
def add_processor_arguments(parser: argparse.ArgumentParser) -> None:
    """``--preset``/``--plugin``/``--set`` and the output options (shared with ``batch``)."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--preset", metavar="NAME|FILE", help="factory preset name or preset JSON file")
    which.add_argument("--plugin", metavar="NAME",
                       help=f"one hushboard plugin by name ({', '.join(PLUGINS) or 'none'})")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", dest="settings",
                        help="set a plugin parameter, validated against its spec (repeatable); "
                             "in a chain use PluginName.KEY=VALUE when the key is ambiguous")
    parser.add_argument("--bit-depth", choices=BIT_DEPTHS, default="auto",
                        help="output samples: 16, 24 (integer) or float (32-bit, WAV only); auto: 24, "
                             "or float for float input written as WAV")
    parser.add_argument("--sample-rate", type=float, metavar="HZ",
                        help="convert to this sample rate (default: keep the input's)")
    parser.add_argument("--quality", help="MP3/Ogg codec quality, e.g. V0 or 320")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")


def spec_from_args(args: argparse.Namespace) -> ProcessorSpec:
    return ProcessorSpec(args.preset, args.plugin, parse_settings(args.settings))


def options_from_args(args: argparse.Namespace) -> OutputOptions:
    if args.sample_rate is not None and not args.sample_rate > 0:
        raise ValueError(f"--sample-rate must be a positive number of Hz (got {args.sample_rate:g})")
    return OutputOptions(args.bit_depth, args.sample_rate, args.quality)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("process", help="process one audio file through a preset or plugin",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", type=Path, metavar="IN", help="input audio file (any format pedalboard.io reads)")
    parser.add_argument("output", type=Path, metavar="OUT",
                        help="output file; its extension picks the format (.wav .flac .aiff .mp3 .ogg)")
    add_processor_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    options = options_from_args(args)
    processor = spec.build()
    try:
        stats = process_file(args.input, args.output, processor, options, overwrite=args.overwrite)
    except AudioFileError as error:
        print(f"hushboard process: error: {error}", file=sys.stderr)
        return 1
    unit = stats.loudness_unit
    print(f"{args.output}: {stats.duration_s:.2f} s at {stats.sample_rate:g} Hz, {stats.channels} ch, "
          f"real-time factor {stats.realtime_factor:.4f}; loudness {_fmt(stats.loudness_in)} -> "
          f"{_fmt(stats.loudness_out)} {unit}; noise removed {_fmt(stats.noise_removed_db)} dB")
    if stats.extra.get("metadata_copied"):
        print(f"metadata carried over: {', '.join(stats.extra['metadata_copied'])}")
    if stats.extra.get("metadata_skipped"):
        print(f"metadata not carried over: {'; '.join(stats.extra['metadata_skipped'])}", file=sys.stderr)
    return 0


def _fmt(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.1f}"
