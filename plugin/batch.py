"""The batch engine behind ``hushboard batch``: every file of a folder through one preset.

Steps: discover inputs (``--pattern``, relative to INDIR, ``**`` recurses; anything inside
OUTDIR is skipped) -> plan one output per input (same relative path under OUTDIR, extension
kept, or ``--format``) -> run the tasks on an engine -> record each result in the manifest ->
summary table and JSON/CSV report.

Manifest (``OUTDIR/hushboard-manifest.json``)
    One entry per input (keyed by its path relative to INDIR): input sha256 and size, the
    preset hash (:func:`~hushboard.plugin.cli_process.recipe_hash`: processor, output options,
    hushboard version), output path and size, status (``done``/``failed``), the reason of a
    failure and the measured statistics. Only the parent process writes it, atomically (temp
    file + ``os.replace``) after every file.

Resuming and never losing data
    Workers render into hidden temp files next to the outputs and return; the PARENT then marks
    the entry ``done`` in the manifest and only then renames the temp file onto the output. So
    after a kill at any moment: an output that exists is complete and its entry says ``done``;
    an entry that says ``done`` without its output is simply redone; temp files left behind
    are deleted by the next run. A rerun of the same command skips a file when its entry is
    ``done`` with the same input sha256 and preset hash and the output exists with the recorded
    size; everything else is (re)processed. An output that exists but may not be skipped
    (another input, another preset, not made by hushboard) is only replaced with
    ``overwrite=True``. Workers of the local engine poll their parent's pid every block and stop
    if it died, so an orphan never finishes a file behind a rerun's back.

Engines (same tasks, same results, same outputs and manifest)
    ``local``: ``concurrent.futures.ProcessPoolExecutor`` with the ``spawn`` start method; each
    worker builds the processor from the picklable :class:`ProcessorSpec`.
    ``ray``: one Ray task per file (``ray.init(address=...)``, or a local Ray when no address is
    given); every node must see INDIR and OUTDIR at the same paths (shared storage). Per-file
    progress is file-level only (a bar per file appears when it finishes).

Bad files (corrupt, empty, unsupported, unreadable) fail alone, with the reason, and never stop
the batch; mono/stereo mixes and differing sample rates are processed (each file on its own
fresh stream) and noted in the summary.
"""
from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Protocol, Sequence

from .cli_process import (TEMP_MARKER, WRITABLE_FORMATS, AudioFileError, Cancelled, OutputOptions,
                          ProcessorSpec, commit, recipe_hash, render, stale_temp_files, temp_path_for)

MANIFEST_NAME = "hushboard-manifest.json"
REPORT_STEM = "hushboard-report"
MANIFEST_SCHEMA = 1
HASH_CHUNK = 1 << 20  # bytes read at once while hashing inputs
PROGRESS_INTERVAL_S = 0.2  # workers report per-file progress at most this often

ProgressEvent = tuple[int, int, int]  # (task index, frames done, frames expected)


# ---------------------------------------------------------------------------------------------
# Tasks and results
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One input file to process (picklable; sent to a worker)."""

    index: int
    key: str  # input path relative to INDIR: the manifest key and the name in the report
    input: str
    output: str
    recipe: str  # preset hash
    previous: Optional[dict]  # the manifest entry of an earlier run, if any
    overwrite: bool
    parent_pid: Optional[int] = None  # the local engine's parent; the worker stops if it dies


@dataclass
class Result:
    """What happened to one task. ``temp`` is the rendered file the parent must commit."""

    index: int
    key: str
    input: str
    output: str
    status: str  # "done", "skipped" or "failed"
    reason: str = ""
    input_sha256: str = ""
    input_size: int = 0
    temp: Optional[str] = None
    stats: dict = field(default_factory=dict)
    note: str = ""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def can_skip(previous: Optional[dict], digest: str, recipe: str, output: Path) -> bool:
    """True when an earlier run finished this very job and its output is still there."""
    if not previous or previous.get("status") != "done":
        return False
    if previous.get("input_sha256") != digest or previous.get("preset_hash") != recipe:
        return False
    if previous.get("output") != str(output) or not output.is_file():
        return False
    return output.stat().st_size == previous.get("output_size")


def run_task(task: Task, spec: ProcessorSpec, options: OutputOptions,
             report: Optional[Callable[[ProgressEvent], None]] = None) -> Result:
    """Process one task in a worker: hash, maybe skip, render to a temp file. Never raises for
    a bad file: the reason goes into the result."""
    in_path, out_path = Path(task.input), Path(task.output)
    result = Result(task.index, task.key, task.input, task.output, "failed")
    try:
        result.input_size = in_path.stat().st_size
        result.input_sha256 = sha256_file(in_path)
    except OSError as error:
        result.reason = f"{in_path}: cannot read ({error.strerror or error})"
        return result
    if can_skip(task.previous, result.input_sha256, task.recipe, out_path):
        result.status = "skipped"
        result.stats = dict((task.previous or {}).get("stats") or {})
        return result
    if out_path.exists() and not task.overwrite:
        result.reason = (f"{out_path}: already exists and is not this batch's finished output for this "
                         "input and preset; pass --overwrite to replace it")
        return result
    temp = temp_path_for(out_path)
    cancel = None
    if task.parent_pid is not None:
        parent = task.parent_pid
        cancel = lambda: os.getppid() != parent  # noqa: E731  (the parent was killed)
    try:
        stats = render(in_path, temp, spec.build(), options, _throttled(task.index, report), cancel)
    except (AudioFileError, Cancelled) as error:
        result.reason = str(error)
    except Exception as error:  # a plugin or codec failure must not stop the batch
        result.reason = f"{in_path}: {type(error).__name__}: {error}"
    else:
        result.status, result.temp, result.stats = "done", str(temp), asdict(stats)
        return result
    finally:
        if result.status != "done":
            temp.unlink(missing_ok=True)
    return result


def _throttled(index: int, report: Optional[Callable[[ProgressEvent], None]]) -> Optional[Callable[[int, int], None]]:
    """A progress callback that forwards at most every PROGRESS_INTERVAL_S seconds."""
    if report is None:
        return None
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL_S or done >= total:
            last[0] = now
            try:
                report((index, done, total))
            except Exception:  # progress is cosmetic; a broken queue must not fail the file
                pass
    return progress


# ---------------------------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------------------------
class Engine(Protocol):
    """Runs tasks somewhere and yields their results as they finish (any order)."""

    def run(self, tasks: Sequence[Task], spec: ProcessorSpec, options: OutputOptions,
            on_progress: Callable[[ProgressEvent], None]) -> Iterator[Result]: ...


# The pool initializer sets this in each WORKER process (never in the parent): a
# multiprocessing queue can only reach a worker through inheritance, not as a task argument.
_worker_queue: Any = None


def _init_local_worker(queue: Any) -> None:
    global _worker_queue
    _worker_queue = queue
    _die_with_parent()


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker when its parent dies (kill -9 included), so an
    idle pool worker never outlives a killed batch; elsewhere the per-block pid poll remains."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except OSError:
        pass


def _local_worker(task: Task, spec: ProcessorSpec, options: OutputOptions) -> Result:
    queue = _worker_queue
    return run_task(task, spec, options, queue.put_nowait if queue is not None else None)


@dataclass
class LocalEngine:
    """Worker processes on this machine (``spawn``, so it behaves the same on every OS)."""

    jobs: int

    def run(self, tasks: Sequence[Task], spec: ProcessorSpec, options: OutputOptions,
            on_progress: Callable[[ProgressEvent], None]) -> Iterator[Result]:
        if not tasks:
            return
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        pool = ProcessPoolExecutor(max_workers=max(1, min(self.jobs, len(tasks))), mp_context=context,
                                   initializer=_init_local_worker, initargs=(queue,))
        try:
            futures = {pool.submit(_local_worker, task, spec, options): task for task in tasks}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                _drain(queue, on_progress)
                for future in done:
                    task = futures[future]
                    try:
                        yield future.result()
                    except Exception as error:  # the worker process itself died (crash, OOM kill)
                        yield Result(task.index, task.key, task.input, task.output, "failed",
                                     f"{task.input}: worker process failed ({type(error).__name__}: {error})")
            _drain(queue, on_progress)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            queue.close()


def _drain(queue: Any, on_progress: Callable[[ProgressEvent], None]) -> None:
    while True:
        try:
            event = queue.get_nowait()
        except Exception:  # queue.Empty, or a queue closed under us
            return
        on_progress(event)


@dataclass
class RayEngine:
    """One Ray task per file. ``address=None`` connects to ``RAY_ADDRESS`` if set, else starts a
    local Ray; ``jobs`` caps the files in flight (``None``: as many as Ray schedules)."""

    address: Optional[str] = None
    jobs: Optional[int] = None

    def run(self, tasks: Sequence[Task], spec: ProcessorSpec, options: OutputOptions,
            on_progress: Callable[[ProgressEvent], None]) -> Iterator[Result]:
        try:
            import ray
        except ImportError:
            raise ValueError("--engine ray needs Ray: pip install 'hushboard[ray]'") from None
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"address": self.address, "log_to_driver": False,
                                      "include_dashboard": False}
            if self.address is None and not os.environ.get("RAY_ADDRESS") and self.jobs:
                kwargs["num_cpus"] = self.jobs
            ray.init(**kwargs)
        remote = ray.remote(num_cpus=1, max_retries=0)(run_task)
        queue = list(tasks)
        in_flight: dict[Any, Task] = {}
        limit = self.jobs or len(queue)
        while queue or in_flight:
            while queue and len(in_flight) < limit:
                task = queue.pop(0)
                in_flight[remote.remote(task, spec, options)] = task
            ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=0.5)
            for ref in ready:
                task = in_flight.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as error:  # the task's worker died
                    result = Result(task.index, task.key, task.input, task.output, "failed",
                                    f"{task.input}: Ray task failed ({type(error).__name__}: {error})")
                if result.stats.get("duration_s") and result.stats.get("sample_rate"):
                    frames = int(result.stats["duration_s"] * result.stats["sample_rate"])
                    on_progress((task.index, frames, frames))
                yield result


# ---------------------------------------------------------------------------------------------
# Discovery, manifest, the batch itself
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchConfig:
    """Everything a batch run needs (built by the CLI or by code).

    Args:
        indir, outdir: input folder and output folder (created if missing; must differ).
        spec: the processor recipe; options: how outputs are written.
        pattern: glob relative to ``indir`` (``"**/*.wav"`` recurses).
        out_format: output extension such as ``".flac"``; ``None`` keeps the input's (``.wav``
            for formats pedalboard cannot write).
        jobs: worker processes (local) or files in flight (ray); ``None``: CPU count / unlimited.
        engine: ``"local"`` or ``"ray"``; ray_address: passed to ``ray.init``.
        report: path of the report (``.json`` or ``.csv``); ``None``: both, in ``outdir``.
    """

    indir: Path
    outdir: Path
    spec: ProcessorSpec
    options: OutputOptions = OutputOptions()
    pattern: str = "*.wav"
    out_format: Optional[str] = None
    jobs: Optional[int] = None
    overwrite: bool = False
    engine: str = "local"
    ray_address: Optional[str] = None
    report: Optional[Path] = None


@dataclass
class BatchReport:
    """Results of a batch, in input order, plus where the reports were written."""

    results: list[Result]
    loudness_unit: str
    wall_s: float
    report_paths: list[Path]

    @property
    def ok(self) -> bool:
        return all(r.status in ("done", "skipped") for r in self.results)

    @property
    def audio_s(self) -> float:
        return sum(r.stats.get("duration_s") or 0.0 for r in self.results if r.status == "done")


def discover(indir: Path, pattern: str, outdir: Path) -> list[Path]:
    """Input files matching ``pattern`` under ``indir``, sorted, excluding ``outdir``, hidden
    files and hushboard's own temp files."""
    out_root = outdir.resolve()
    found = []
    for path in indir.glob(pattern):
        if not path.is_file() or path.name.startswith(".") or TEMP_MARKER in path.name:
            continue
        resolved = path.resolve()
        if resolved == out_root or out_root in resolved.parents:
            continue
        found.append(path)
    return sorted(found)


def output_for(input_path: Path, indir: Path, outdir: Path, out_format: Optional[str]) -> Path:
    """``outdir`` + the input's path relative to ``indir``, with the output extension."""
    relative = input_path.relative_to(indir)
    suffix = out_format or (input_path.suffix.lower() if input_path.suffix.lower() in WRITABLE_FORMATS else ".wav")
    return outdir / relative.with_suffix(suffix)


def load_manifest(path: Path) -> dict:
    """The manifest's entries by key; an unreadable manifest is kept aside as ``.bad`` and the
    batch starts over (every output then needs ``--overwrite`` or gets redone)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        if data.get("schema_version") != MANIFEST_SCHEMA:
            raise ValueError(f"schema_version {data.get('schema_version')!r}")
        return dict(data["entries"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        path.replace(path.with_name(path.name + ".bad"))
        print(f"hushboard batch: warning: {path} unreadable ({error}); moved to {path.name}.bad",
              file=sys.stderr)
        return {}


def save_manifest(path: Path, entries: dict, recipe: str) -> None:
    """Write the manifest atomically (temp file + ``os.replace``)."""
    data = {"schema_version": MANIFEST_SCHEMA, "preset_hash": recipe, "entries": entries}
    temp = path.with_name(f".{path.name}{TEMP_MARKER}{os.getpid()}")
    temp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(temp, path)


def manifest_entry(result: Result, recipe: str, output_size: Optional[int]) -> dict:
    return {"input": result.input, "input_sha256": result.input_sha256, "input_size": result.input_size,
            "preset_hash": recipe, "output": result.output, "output_size": output_size,
            "status": "done" if result.status in ("done", "skipped") else "failed",
            "reason": result.reason, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "stats": result.stats}


def make_engine(config: BatchConfig) -> Engine:
    if config.engine == "local":
        return LocalEngine(config.jobs or os.cpu_count() or 1)
    if config.engine == "ray":
        return RayEngine(config.ray_address, config.jobs)
    raise ValueError(f"unknown engine {config.engine!r}; engines are 'local' and 'ray'")


def plan(config: BatchConfig, recipe: str, entries: dict) -> tuple[list[Task], list[Result]]:
    """Tasks to run, and results decided up front (output name collisions)."""
    tasks: list[Task] = []
    refused: list[Result] = []
    claimed: dict[Path, str] = {}
    for index, path in enumerate(discover(config.indir, config.pattern, config.outdir)):
        key = path.relative_to(config.indir).as_posix()
        out = output_for(path, config.indir, config.outdir, config.out_format)
        if out in claimed:
            refused.append(Result(index, key, str(path), str(out), "failed",
                                  f"{path}: output {out} is also the output of {claimed[out]}; rename "
                                  "one input or keep the input extensions (no --format)"))
            continue
        claimed[out] = key
        out.parent.mkdir(parents=True, exist_ok=True)
        tasks.append(Task(index, key, str(path), str(out), recipe, entries.get(key), config.overwrite,
                          os.getpid() if config.engine == "local" else None))
    return tasks, refused


def run_batch(config: BatchConfig, view: Optional["ProgressView"] = None) -> BatchReport:
    """Run a batch (see the module docstring); returns the results and writes the reports."""
    started = time.perf_counter()
    indir, outdir = Path(config.indir), Path(config.outdir)
    if not indir.is_dir():
        raise FileNotFoundError(f"{indir}: no such folder")
    if indir.resolve() == outdir.resolve():
        raise ValueError(f"{outdir}: the output folder must differ from the input folder "
                         "(outputs keep the input names and would replace the inputs)")
    outdir.mkdir(parents=True, exist_ok=True)
    config = replace(config, indir=indir, outdir=outdir)
    recipe = recipe_hash(config.spec.build(), config.options)  # also checks the preset and --set
    manifest_path = outdir / MANIFEST_NAME
    entries = load_manifest(manifest_path)
    tasks, results = plan(config, recipe, entries)
    for task in tasks:
        for stale in stale_temp_files(Path(task.output)):
            stale.unlink(missing_ok=True)
    view = view or ProgressView(enabled=False)
    view.start(tasks)
    engine = make_engine(config)
    try:
        for result in engine.run(tasks, config.spec, config.options, view.update):
            save = lambda: save_manifest(manifest_path, entries, recipe)  # noqa: E731
            results.append(finish(result, recipe, entries, save))
            save()
            view.finish(result)
    finally:
        view.close()
    results.sort(key=lambda r: r.index)
    add_notes(results)
    unit = next((r.stats.get("loudness_unit") for r in results if r.stats.get("loudness_unit")), "")
    report = BatchReport(results, unit, time.perf_counter() - started, [])
    report.report_paths = write_reports(report, config)
    return report


def finish(result: Result, recipe: str, entries: dict, save: Callable[[], None]) -> Result:
    """Parent side of one result: record it, then (for a rendered file) commit the output.

    The entry says ``done`` before the rename: a kill in between leaves an entry whose output
    is missing, which the next run redoes (see the module docstring)."""
    if result.status == "done" and result.temp:
        temp, out = Path(result.temp), Path(result.output)
        entries[result.key] = manifest_entry(result, recipe, temp.stat().st_size)
        save()  # on disk before the rename, so a kill between the two cannot orphan the output
        try:
            commit(temp, out)
        except OSError as error:
            temp.unlink(missing_ok=True)
            result.status, result.reason = "failed", f"{out}: cannot write ({error.strerror or error})"
            entries[result.key] = manifest_entry(result, recipe, None)
        result.temp = None
    elif result.status == "failed":
        entries[result.key] = manifest_entry(result, recipe, None)
    return result


def add_notes(results: list[Result]) -> None:
    """Note files whose channel count or sample rate differs from most others."""
    measured = [r for r in results if r.stats.get("channels")]
    if len(measured) < 2:
        return
    channels = Counter(r.stats["channels"] for r in measured).most_common(1)[0][0]
    rate = Counter(r.stats["sample_rate"] for r in measured).most_common(1)[0][0]
    for r in measured:
        notes = []
        if r.stats["channels"] != channels:
            notes.append(f"{r.stats['channels']} ch (most files {channels})")
        if r.stats["sample_rate"] != rate:
            notes.append(f"{r.stats['sample_rate']:g} Hz (most files {rate:g} Hz)")
        r.note = "; ".join(notes)


# ---------------------------------------------------------------------------------------------
# Progress, summary and reports
# ---------------------------------------------------------------------------------------------
class ProgressView:
    """A bar per running file and one overall, with tqdm if installed, else a stderr line."""

    def __init__(self, enabled: bool = True, stream: Any = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.names: dict[int, str] = {}
        self.bars: dict[int, Any] = {}
        self.free_positions: list[int] = []
        self.overall: Any = None
        self.done = 0
        self.total = 0
        self.finished: set[int] = set()
        self.last_line = 0.0
        try:
            import tqdm  # noqa: F401
            self.tqdm: Any = tqdm.tqdm
        except ImportError:
            self.tqdm = None

    def start(self, tasks: Sequence[Task]) -> None:
        self.names = {t.index: t.key for t in tasks}
        self.total = len(tasks)
        if self.enabled and self.tqdm is not None:
            self.overall = self.tqdm(total=self.total, desc="overall", unit="file", position=0,
                                     file=self.stream, dynamic_ncols=True)

    def update(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        index, done, total = event
        if index in self.finished:  # a late event from a file already reported as finished
            return
        if self.tqdm is None:
            now = time.monotonic()
            if now - self.last_line >= 1.0:
                self.last_line = now
                print(f"[{self.done}/{self.total}] {self.names.get(index, index)} "
                      f"{100 * done / max(total, 1):.0f}%", file=self.stream, flush=True)
            return
        bar = self.bars.get(index)
        if bar is None:
            position = self.free_positions.pop(0) if self.free_positions else len(self.bars) + 1
            bar = self.tqdm(total=total, desc=self.names.get(index, str(index))[-30:], unit="frame",
                            unit_scale=True, position=position, leave=False, file=self.stream,
                            dynamic_ncols=True)
            bar.position_ = position
            self.bars[index] = bar
        bar.total = max(bar.total or 0, total)
        bar.update(done - bar.n)

    def finish(self, result: Result) -> None:
        self.done += 1
        self.finished.add(result.index)
        if not self.enabled:
            return
        bar = self.bars.pop(result.index, None)
        if bar is not None:
            self.free_positions.append(bar.position_)
            bar.close()
        if self.overall is not None:
            self.overall.update(1)
            self.overall.set_postfix_str(f"{result.key}: {result.status}")
        else:
            print(f"[{self.done}/{self.total}] {result.key}: {result.status}"
                  + (f" ({result.reason})" if result.reason else ""), file=self.stream, flush=True)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        if self.overall is not None:
            self.overall.close()


REPORT_FIELDS = ("file", "status", "duration_s", "sample_rate", "channels", "wall_s", "realtime_factor",
                 "peak_in_dbfs", "peak_out_dbfs", "loudness_in", "loudness_out", "loudness_unit",
                 "noise_floor_in_db", "noise_floor_out_db", "noise_removed_db", "output",
                 "input_sha256", "reason", "note")


def report_rows(report: BatchReport) -> list[dict]:
    rows = []
    for r in report.results:
        row = {name: r.stats.get(name) for name in REPORT_FIELDS}
        row.update(file=r.key, status=r.status, output=r.output, input_sha256=r.input_sha256,
                   reason=r.reason, note=r.note)
        rows.append(row)
    return rows


def write_reports(report: BatchReport, config: BatchConfig) -> list[Path]:
    """The JSON and/or CSV report (``config.report``, default both in OUTDIR)."""
    rows = report_rows(report)
    paths = [Path(config.report)] if config.report else [
        Path(config.outdir) / f"{REPORT_STEM}.json", Path(config.outdir) / f"{REPORT_STEM}.csv"]
    for path in paths:
        if path.suffix.lower() == ".csv":
            with open(path, "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=REPORT_FIELDS)
                writer.writeheader()
                writer.writerows(rows)
        else:
            path.write_text(json.dumps({
                "ok": report.ok, "wall_s": report.wall_s, "audio_s_processed": report.audio_s,
                "loudness_unit": report.loudness_unit, "files": rows}, indent=1))
    return paths


def summary_table(report: BatchReport) -> str:
    """The end-of-batch table: file, status, duration, RTF, peaks, loudness, noise removed."""
    unit = report.loudness_unit or "LUFS"

    def num(value: Any, digits: int = 1) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    header = ["file", "status", "dur s", "RTF", "peak in/out dBFS", f"loud in/out {unit}",
              "noise removed dB", "reason / note"]
    rows = [header]
    for r in report.results:
        s = r.stats
        rows.append([r.key, r.status, num(s.get("duration_s")), num(s.get("realtime_factor"), 4),
                     f"{num(s.get('peak_in_dbfs'))} / {num(s.get('peak_out_dbfs'))}",
                     f"{num(s.get('loudness_in'))} / {num(s.get('loudness_out'))}",
                     num(s.get("noise_removed_db")), r.reason or r.note])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths)) + "  " + row[-1] for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * len(header[-1]))
    counts = Counter(r.status for r in report.results)
    hours = report.audio_s / 3600
    lines.append("")
    lines.append(f"{counts.get('done', 0)} done, {counts.get('skipped', 0)} skipped (already finished), "
                 f"{counts.get('failed', 0)} failed; {report.audio_s:.1f} s of audio in {report.wall_s:.1f} s "
                 f"({hours / (report.wall_s / 3600) if report.wall_s else 0:.1f} audio-hours per wall-hour)")
    if unit != "LUFS":
        lines.append("loudness is plain RMS in dBFS: install pyloudnorm for ITU-R BS.1770 LUFS")
    return "\n".join(lines)
