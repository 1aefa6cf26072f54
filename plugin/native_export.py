"""``export_plugin``: build a native VST3/LV2/CLAP plugin that runs a hushboard plugin or chain.

    from hushboard.plugin.native_export import export_plugin
    bundles = export_plugin("NoiseSuppressor", "plugins/", formats=("vst3", "lv2"))
    # {'vst3': PosixPath('plugins/NoiseSuppressor.vst3'), 'lv2': PosixPath('plugins/NoiseSuppressor.lv2')}

What it does:

1. Builds the object (a registered plugin class by name, or the preset file given) and its
   parameter table from the ``Param`` specs (``native_host.parameter_table``).
2. Writes two headers into a build folder: ``HushboardGeneratedInfo.h`` (name, URI, ids,
   channels, chunk size, where the linked Python lives) and ``HushboardGeneratedParameters.h``
   (the table as C structs, its digest, the default preset JSON).
3. Compiles ``plugin/native/HushboardBridge.cpp`` once and DPF's ``DistrhoPluginMain.cpp`` once
   per format (``-O2``, no debug info), links each against the interpreter's shared libpython
   (``python3-config --embed``: ``-lpythonX.Y`` with an rpath to its folder).
4. Writes each bundle with its config ``NAME.hushboard.json`` (preset, table, site-packages
   folders): ``NAME.vst3/Contents/x86_64-linux/NAME.so`` (+ ``Contents/Resources/``),
   ``NAME.lv2/`` (binary, config, and the ``.ttl`` files DPF generates from the binary),
   ``NAME.clap`` next to ``NAME.hushboard.json``.

Needs DPF's sources (Debian/Ubuntu: ``apt-get install dpf-source``; or set ``DPF_PATH``), a C++17
compiler (``CXX``, default ``g++``) and a Python built with ``--enable-shared``. The bundles run
only with the Python they were built against (same version, same place) and find hushboard in
the folders recorded in the config (this interpreter's site-packages and hushboard's folder).
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import platform
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable

from .native_host import CONFIG_FORMAT, CONFIG_VERSION, parameter_table, table_digest

FORMATS = ("vst3", "lv2", "clap")
NATIVE_SOURCES = Path(__file__).resolve().parent / "native"
#: Python is called on chunks of at least this many frames (adds CHUNK_FRAMES - 1 of latency).
CHUNK_FRAMES = 64
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")

# DPF parameter hints (distrho/DistrhoPlugin.hpp).
_HINTS = {"boolean": "kParameterIsBoolean | kParameterIsInteger", "integer": "kParameterIsInteger",
          "choice": "kParameterIsInteger", "log": "kParameterIsLogarithmic", "linear": "0"}


class NativeBuildError(RuntimeError):
    """The plugin could not be generated or built (missing DPF, compiler or shared libpython,
    or a compiler error, whose output the message carries)."""


# ---------------------------------------------------------------------------------------------
# Toolchain
# ---------------------------------------------------------------------------------------------
def find_dpf() -> Path:
    """DPF's source folder: ``$DPF_PATH``, else ``/usr/share/dpf`` (Debian's dpf-source)."""
    candidates = [os.environ.get("DPF_PATH"), "/usr/share/dpf"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "distrho" / "DistrhoPluginMain.cpp").is_file():
            return Path(candidate)
    raise NativeBuildError("DPF (DISTRHO Plugin Framework) sources not found: install them with "
                           "`apt-get install dpf-source` or set DPF_PATH to a DPF checkout.")


def python_link() -> dict[str, str]:
    """How to embed this interpreter: include folder, library folder and name, home."""
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        raise NativeBuildError(f"{sys.executable} has no shared libpython (built without "
                               "--enable-shared); the plugin must link one to run in non-Python "
                               "hosts. Use a Python built with --enable-shared.")
    version = sysconfig.get_python_version()
    abiflags = getattr(sys, "abiflags", "")
    return {"include": sysconfig.get_paths()["include"],
            "libdir": sysconfig.get_config_var("LIBDIR"),
            "library": f"python{version}{abiflags}",
            "soname": sysconfig.get_config_var("INSTSONAME") or f"libpython{version}{abiflags}.so",
            "home": sys.base_prefix, "version": version}


def _compiler() -> str:
    compiler = os.environ.get("CXX", "g++")
    if shutil.which(compiler) is None:
        raise NativeBuildError(f"C++ compiler {compiler!r} not found (set CXX or install g++).")
    return compiler


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------
def _c_string(text: str) -> str:
    """A C string literal for any text (non-printable and non-ASCII bytes as octal escapes)."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char in '"\\?':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _build_object(name: str, preset: str | os.PathLike | None) -> Any:
    from .presets import load_preset
    from .registry import PLUGINS

    if preset is not None:
        return load_preset(preset)
    if name not in PLUGINS:
        raise ValueError(f"unknown hushboard plugin {name!r}; plugins are {sorted(PLUGINS)} (or "
                         "pass --preset FILE to export a saved plugin or chain under this name)")
    return PLUGINS.get(name)()


def bridge_config(name: str, obj: Any, channels: int) -> dict[str, Any]:
    """The bundle config document the plugin reads at load (``NAME.hushboard.json``)."""
    from .. import __file__ as package_init
    from .presets import to_document

    site_dirs = [d for d in [*site.getsitepackages(), site.getusersitepackages()] if os.path.isdir(d)]
    return {"format": CONFIG_FORMAT, "version": CONFIG_VERSION, "label": name,
            "channels": channels,
            "python": {"version": sysconfig.get_python_version(), "executable": sys.executable,
                       "site_dirs": site_dirs,
                       "package_dir": str(Path(package_init).resolve().parent)},
            "parameters": parameter_table(obj),
            "preset": to_document(obj, include_state=True)}


def _generated_headers(name: str, config: dict[str, Any], channels: int, latency_48k: int,
                       link: dict[str, str], description: str) -> dict[str, str]:
    table = config["parameters"]
    digest = table_digest(table)
    unique = int(hashlib.sha256(f"hushboard:{name}".encode()).hexdigest()[:8], 16) & 0x7FFFFFFF
    from .. import __version__

    major, minor, micro = (int(p) for p in (__version__.split(".") + ["0", "0"])[:3])
    info = f"""/* Generated by `hushboard export-plugin {name}`; do not edit. */
#pragma once
#define DISTRHO_PLUGIN_NAME {_c_string(name)}
#define DISTRHO_PLUGIN_URI {_c_string("urn:hushboard:" + name)}
#define DISTRHO_PLUGIN_CLAP_ID {_c_string("org.hushboard." + name)}
#define DISTRHO_PLUGIN_NUM_INPUTS {channels}
#define DISTRHO_PLUGIN_NUM_OUTPUTS {channels}
#define HUSHBOARD_LABEL {_c_string(name)}
#define HUSHBOARD_DESCRIPTION {_c_string(description)}
#define HUSHBOARD_UNIQUE_ID {unique}
#define HUSHBOARD_VERSION_MAJOR {major}
#define HUSHBOARD_VERSION_MINOR {minor}
#define HUSHBOARD_VERSION_MICRO {micro}
#define HUSHBOARD_CHUNK_FRAMES {CHUNK_FRAMES}
#define HUSHBOARD_LATENCY_48K {latency_48k}
#define HUSHBOARD_CONFIG_FILE {_c_string(name + ".hushboard.json")}
#define HUSHBOARD_PYTHON_HOME {_c_string(link["home"])}
#define HUSHBOARD_LIBPYTHON {_c_string(link["soname"])}
"""
    lines = [f"/* Generated by `hushboard export-plugin {name}` from the Param specs; do not edit. */",
             "#pragma once", "#include <stdint.h>",
             "struct HushboardParameterInfo {",
             "    const char* name; const char* symbol; const char* unit; const char* description;",
             "    float def, min, max; uint32_t hints; uint32_t numChoices; const char* const* choices;",
             "};"]
    for i, row in enumerate(table):
        if row["choices"]:
            items = ", ".join(_c_string(c) for c in row["choices"])
            lines.append(f"static const char* const kHushboardChoices{i}[] = {{ {items} }};")
    lines.append(f"#define HUSHBOARD_PARAMETER_COUNT {len(table)}")
    lines.append(f"#define HUSHBOARD_TABLE_HASH {_c_string(digest)}")
    lines.append("static const HushboardParameterInfo kHushboardParameters[HUSHBOARD_PARAMETER_COUNT + 1] = {")
    for i, row in enumerate(table):
        choices = f"kHushboardChoices{i}" if row["choices"] else "nullptr"
        lines.append(f"    {{ {_c_string(row['name'])}, {_c_string(row['symbol'])}, "
                     f"{_c_string(row['unit'])}, {_c_string(row['doc'])}, "
                     f"{row['default']!r}f, {row['minimum']!r}f, {row['maximum']!r}f, "
                     f"{_HINTS[row['kind']]}, {len(row['choices'] or ())}, {choices} }},")
    lines.append('    { "", "", "", "", 0.0f, 0.0f, 1.0f, 0, 0, nullptr }')
    lines.append("};")
    lines.append(f"#define HUSHBOARD_DEFAULT_PRESET {_c_string(json.dumps(config['preset']))}")
    return {"HushboardGeneratedInfo.h": info, "HushboardGeneratedParameters.h": "\n".join(lines) + "\n"}


# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------
def _run(command: list[str], cwd: Path | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise NativeBuildError(f"command failed ({result.returncode}): {' '.join(command)}\n"
                               f"{result.stdout[-6000:]}")


def export_plugin(name: str, out_dir: str | os.PathLike, *, formats: Iterable[str] = ("vst3",),
                  preset: str | os.PathLike | None = None, channels: int = 2, jobs: int = 2,
                  build_dir: str | os.PathLike | None = None, log: Any = None) -> dict[str, Path]:
    """Generate, build and write the native plugin bundles for one hushboard plugin or preset.

    Args:
        name: bundle and plugin name (letters, digits, ``_``); a registered plugin class name
            unless ``preset`` is given.
        out_dir: folder the bundles are written into (created; existing bundles replaced).
        formats: any of ``"vst3"``, ``"lv2"``, ``"clap"``.
        preset: a preset file or factory preset name to export instead of a default plugin.
        channels: 1 (mono) or 2 (stereo) audio channels in and out.
        jobs: compiler processes run at once.
        build_dir: keep the generated sources and objects there (default: a temporary folder).
        log: a callable taking one line of progress text (default: silent).

    Returns:
        ``{format: bundle path}``.

    Raises:
        ValueError: a bad name, format, channel count, plugin or preset.
        NativeBuildError: missing toolchain or a failed compile (with the compiler's output).
    """
    say = log or (lambda line: None)
    formats = list(dict.fromkeys(str(f).lower() for f in formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be among {list(FORMATS)} (got {formats}).")
    if not _NAME.match(name):
        raise ValueError(f"plugin name {name!r} must be a letter then letters, digits or '_' (<= 64).")
    if channels not in (1, 2):
        raise ValueError(f"channels must be 1 or 2 (got {channels!r}).")
    obj = _build_object(name, preset)
    dpf, link, compiler = find_dpf(), python_link(), _compiler()
    config = bridge_config(name, obj, channels)
    description = (f"hushboard {type(obj).__name__}" if preset is None
                   else f"hushboard preset {Path(str(preset)).name}")
    headers = _generated_headers(name, config, channels, obj.get_latency_samples(48000.0), link,
                                 description)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hushboard-export-") as scratch:
        work = Path(build_dir) if build_dir is not None else Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        for filename, text in headers.items():
            (work / filename).write_text(text, encoding="utf-8")
        base = [compiler, "-std=gnu++17", "-O2", "-fPIC", "-fvisibility=hidden", "-DNDEBUG",
                "-pthread", "-w", f"-I{work}", f"-I{NATIVE_SOURCES}", f"-I{dpf / 'distrho'}"]
        # The bridge object is the same for every format but LV2, which is built without DPF's
        # state (see DistrhoPluginInfo.h).
        objects, commands = {}, []
        for variant in sorted({"lv2" if fmt == "lv2" else "state" for fmt in formats}):
            objects[f"bridge_{variant}"] = work / f"HushboardBridge_{variant}.o"
            target = ["-DDISTRHO_PLUGIN_TARGET_LV2"] if variant == "lv2" else []
            commands.append(base + target + [f"-I{link['include']}", "-c",
                                             str(NATIVE_SOURCES / "HushboardBridge.cpp"),
                                             "-o", str(objects[f"bridge_{variant}"])])
        for fmt in formats:
            objects[fmt] = work / f"DistrhoPluginMain_{fmt}.o"
            commands.append(base + [f"-DDISTRHO_PLUGIN_TARGET_{fmt.upper()}", "-c",
                                    str(dpf / "distrho" / "DistrhoPluginMain.cpp"), "-o", str(objects[fmt])])
        started = time.perf_counter()
        say(f"compiling {name} ({', '.join(formats)}) with {jobs} job(s)")
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
            for future in [pool.submit(_run, command) for command in commands]:
                future.result()
        bundles = {}
        for fmt in formats:
            binary = work / fmt / f"{name}.so"
            binary.parent.mkdir(exist_ok=True)
            bridge = objects["bridge_lv2" if fmt == "lv2" else "bridge_state"]
            _run([compiler, "-shared", "-o", str(binary), str(bridge), str(objects[fmt]),
                  f"-L{link['libdir']}", f"-Wl,-rpath,{link['libdir']}", f"-l{link['library']}",
                  "-ldl", "-pthread", "-Wl,--no-undefined", "-Wl,-O1,--gc-sections", "-s"])
            bundles[fmt] = _write_bundle(fmt, name, binary, config, out)
            say(f"wrote {bundles[fmt]}")
        say(f"built in {time.perf_counter() - started:.1f} s")
    return bundles


def _write_bundle(fmt: str, name: str, binary: Path, config: dict[str, Any], out: Path) -> Path:
    """Assemble one bundle in a temporary folder next to its destination, then move it in."""
    config_text = json.dumps(config, indent=2, allow_nan=False) + "\n"
    config_name = f"{name}.hushboard.json"
    if fmt == "clap":  # a single file, its config next to it
        target = out / f"{name}.clap"
        shutil.copyfile(binary, out / f".{name}.clap.tmp")
        os.replace(out / f".{name}.clap.tmp", target)
        (out / config_name).write_text(config_text, encoding="utf-8")
        return target
    suffix = ".vst3" if fmt == "vst3" else ".lv2"
    target = out / f"{name}{suffix}"
    staging = Path(tempfile.mkdtemp(prefix=f".{name}{suffix}.", dir=out))
    try:
        if fmt == "vst3":
            contents = staging / "Contents"
            (contents / f"{platform.machine()}-linux").mkdir(parents=True)
            (contents / "Resources").mkdir()
            shutil.copyfile(binary, contents / f"{platform.machine()}-linux" / f"{name}.so")
            (contents / "Resources" / config_name).write_text(config_text, encoding="utf-8")
        else:
            shutil.copyfile(binary, staging / f"{name}.so")
            (staging / config_name).write_text(config_text, encoding="utf-8")
            # DPF writes manifest.ttl and NAME.ttl from the binary's metadata (a dummy instance:
            # no Python runs), into the current folder.
            _run([sys.executable, "-c", "import ctypes, sys; "
                  "ctypes.CDLL(sys.argv[1]).lv2_generate_ttl(sys.argv[2].encode())",
                  str(staging / f"{name}.so"), name], cwd=staging)
        os.chmod(staging, 0o755)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
