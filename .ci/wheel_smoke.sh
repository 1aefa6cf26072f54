#!/usr/bin/env bash
# Build the wheel, install it in a brand-new venv, and run a smoke script from outside the repo:
# proves the package data (presets, demo clip, .onnx) ships and nothing imports from the checkout.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/.venv/bin/python" -m pip wheel -q --no-deps -w "$work/dist" "$root"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$work"/dist/hushboard-*.whl
cd "$work"
"$work/venv/bin/python" - <<'PY'
import numpy as np, pedalboard, hushboard
assert "site-packages" in hushboard.__file__, hushboard.__file__
x = np.random.default_rng(0).normal(0, 0.1, (2, 48000)).astype(np.float32)
chain = hushboard.Chain([pedalboard.HighpassFilter(80), *[cls() for cls in hushboard.available_plugins().values()],
                         pedalboard.Compressor()])
y = chain(x, 48000)
assert y.shape == x.shape and np.isfinite(y).all()
print("wheel smoke ok:", len(hushboard.available_plugins()), "plugins from", hushboard.__file__)
PY
# PEP 561: a type checker reads the installed package's annotations (py.typed), accepts a typical
# script under --strict (parameters are run-time properties) and reports a wrong call.
"$work/venv/bin/pip" install -q mypy
cat > "$work/typed_use.py" <<'PY'
import numpy as np
import pedalboard
import hushboard

denoiser = hushboard.NeuralDenoiser(reduction_db=20.0)
denoiser.reduction_db = 25.0
depth: float = denoiser.reduction_db
chain = hushboard.Chain([pedalboard.HighpassFilter(80), denoiser, hushboard.HumRemover(mains_hz="50")])
out: np.ndarray = chain(np.zeros((2, 4800), np.float32), 48000)
PY
"$work/venv/bin/python" -m mypy --strict "$work/typed_use.py"
printf 'import hushboard\nhushboard.HumRemover().process("not audio", 48000)\n' > "$work/typed_misuse.py"
if "$work/venv/bin/python" -m mypy "$work/typed_misuse.py" > /dev/null; then
    echo "mypy accepted a wrong call: hushboard's annotations were not read"; exit 1
fi
echo "wheel typing ok"
"$work/venv/bin/hushboard" demo --out "$work/demo" > /dev/null
test -s "$work/demo/denoised.wav" && test -s "$work/demo/report.md"
echo "wheel demo ok"
