"""ONNX export of a ``Denoiser`` with every state as an explicit input/output, and a parity check
that RAISES when onnxruntime and torch disagree.

The exported graph (opset 17) is the streaming step the plugin runs with onnxruntime alone::

    inputs:  spectrum (batch, frames, bins, 2) float32   noisy STFT (real, imag), dsp.stft framing
             state_in_0 .. state_in_{k-1}                 feature-normalisation and network state
    outputs: enhanced (batch, frames, bins, 2) float32   enhanced STFT
             state_out_0 .. state_out_{k-1}               the state after these frames

``batch`` and ``frames`` are dynamic; every state tensor is batch-first and all zeros at the start
of a stream (GTCRN-style caches: Rong et al., ICASSP 2024). The model config and frame geometry
are stored in the ONNX metadata (``hushboard_config``, ``sample_rate``, ``frame_size``,
``hop_size``), so the plugin needs nothing but the file.

    python -m hushboard.models.export --checkpoint runs/x/best.pt --out models/name.onnx

``recover_from_onnx`` goes the other way (a shipped graph whose torch checkpoint is lost -> a
``Denoiser`` with its weights, checked by ``check_parity``), for warm-starting a training run:

    python -m hushboard.models.export --recover models/name.onnx --out runs/x/recovered.pt
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .denoiser import Denoiser
from .filterbank import Stft

PARITY_TOLERANCE = 1e-4  # max abs difference of enhanced STFT values (a full-scale bin is ~240)
OPSET = 17


class OnnxParityError(AssertionError):
    """onnxruntime's frame-by-frame output differs from torch's by more than the tolerance."""


class StreamingGraph(nn.Module):
    """``(spectrum, *state) -> (enhanced, *new_state)``: the exported signature of a Denoiser."""

    def __init__(self, model: Denoiser) -> None:
        super().__init__()
        self.model = model

    def forward(self, spectrum: torch.Tensor, *state: torch.Tensor) -> tuple[torch.Tensor, ...]:
        _, _, enhanced, new_state = self.model(spectrum, tuple(state))
        return (enhanced,) + tuple(new_state)


def state_names(count: int, direction: str) -> list[str]:
    return [f"state_{direction}_{i}" for i in range(count)]


def export_onnx(model: Denoiser, path: Path) -> Path:
    """Write ``model``'s streaming graph to ``path`` (see the module docstring); return ``path``."""
    import onnx  # the `train` extra

    model.eval()
    state = model.initial_state(1)
    spectrum = torch.zeros(1, 3, model.num_bins, 2)
    inputs, outputs = ["spectrum"] + state_names(len(state), "in"), ["enhanced"] + state_names(len(state), "out")
    dynamic = {"spectrum": {0: "batch", 1: "frames"}, "enhanced": {0: "batch", 1: "frames"}}
    dynamic.update({name: {0: "batch"} for name in inputs[1:] + outputs[1:]})
    path = Path(path)
    with torch.no_grad():
        torch.onnx.export(StreamingGraph(model), (spectrum, *state), str(path), dynamo=False,
                          opset_version=OPSET, input_names=inputs, output_names=outputs,
                          dynamic_axes=dynamic)
    graph = onnx.load(str(path))
    meta = {"hushboard_config": json.dumps(model.get_config()), "sample_rate": str(model.sample_rate),
            "frame_size": str(model.frame_size), "hop_size": str(model.hop_size),
            "num_states": str(len(state))}
    for key, value in meta.items():
        entry = graph.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(graph, str(path))
    return path


def test_spectrum(model: Denoiser, frames: int, batch: int, seed: int = 0) -> torch.Tensor:
    """A realistic noisy spectrum ``(batch, frames, bins, 2)``: harmonic tone + noise at ~-25 dBFS."""
    gen = torch.Generator().manual_seed(seed)
    n = frames * model.hop_size - model.hop_size
    t = torch.arange(n) / model.sample_rate
    tone = sum(torch.sin(2 * torch.pi * 180 * k * t) / k for k in range(1, 30))
    wave = 0.03 * tone + 0.02 * torch.randn(batch, n, generator=gen)
    return torch.view_as_real(Stft(model.frame_size, model.hop_size).stft(wave.float()))


def check_parity(model: Denoiser, path: Path, frames: int = 24, batch: int = 2,
                 tolerance: float = PARITY_TOLERANCE) -> float:
    """Run the ONNX graph in onnxruntime ONE FRAME AT A TIME (state carried) and compare with the
    torch model over the whole sequence; return the max abs difference, raise
    ``OnnxParityError`` above ``tolerance``."""
    import onnxruntime

    model.eval()
    spectrum = test_spectrum(model, frames, batch)
    with torch.no_grad():
        _, _, expected, _ = model(spectrum, model.initial_state(batch))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    state = [s.numpy() for s in model.initial_state(batch)]
    names = state_names(len(state), "in")
    got = []
    for f in range(frames):
        feed = {"spectrum": spectrum[:, f: f + 1].numpy(), **dict(zip(names, state))}
        enhanced, *state = session.run(None, feed)
        got.append(enhanced)
    diff = float(np.abs(np.concatenate(got, axis=1) - expected.numpy()).max())
    if not diff <= tolerance:  # also catches NaN
        raise OnnxParityError(f"{path}: onnxruntime frame-by-frame differs from torch by {diff:.3g} "
                              f"(tolerance {tolerance:g}) for {model.get_config()['network']}")
    return diff


def _gru_from_onnx(values: np.ndarray, hidden: int) -> np.ndarray:
    """ONNX GRU gate blocks (z, r, h) along axis 0 -> torch's order (r, z, n)."""
    z, r, h = values[:hidden], values[hidden: 2 * hidden], values[2 * hidden:]
    return np.concatenate([r, z, h])


def recover_from_onnx(path: Path) -> Denoiser:
    """The ``Denoiser`` a graph written by ``export_onnx`` came from, weights read back from its
    initializers; raises ``OnnxParityError`` (via ``check_parity``) if the rebuilt model does not
    reproduce the graph.

    Named initializers (``model.<parameter>``) are copied; the ones the exporter renames are
    matched by shape: a single-layer GRU's ``W`` ``(1, 3H, in)``, ``R`` ``(1, 3H, H)`` and ``B``
    ``(1, 6H)`` (gates reordered z, r, h -> r, z, n) and a linear layer's weight stored transposed
    for ``MatMul``. Single-layer GRUs only (the CRN); anything left unmatched raises ``ValueError``.
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path))
    meta = {p.key: p.value for p in graph.metadata_props}
    model = Denoiser(**json.loads(meta["hushboard_config"]))
    named = {i.name: numpy_helper.to_array(i) for i in graph.graph.initializer}
    state = {k: v.clone() for k, v in model.state_dict().items()}
    unmatched = {k: v for k, v in named.items() if not k.startswith("model.")}
    done = set()
    for key in state:
        if f"model.{key}" in named:
            state[key] = torch.from_numpy(named[f"model.{key}"].copy())
            done.add(key)
    for module_name, module in model.named_modules():
        if isinstance(module, nn.GRU):
            if module.num_layers != 1 or module.bidirectional:
                raise ValueError(f"{module_name}: only single-layer unidirectional GRUs are recovered")
            hid, inp = module.hidden_size, module.input_size
            by_shape = {v.shape: (k, v) for k, v in unmatched.items()}
            (wk, w), (rk, r), (bk, b) = by_shape[(1, 3 * hid, inp)], by_shape[(1, 3 * hid, hid)], by_shape[(1, 6 * hid)]
            prefix = f"{module_name}."
            state[prefix + "weight_ih_l0"] = torch.from_numpy(_gru_from_onnx(w[0], hid))
            state[prefix + "weight_hh_l0"] = torch.from_numpy(_gru_from_onnx(r[0], hid))
            state[prefix + "bias_ih_l0"] = torch.from_numpy(_gru_from_onnx(b[0, :3 * hid], hid))
            state[prefix + "bias_hh_l0"] = torch.from_numpy(_gru_from_onnx(b[0, 3 * hid:], hid))
            done.update(prefix + n for n in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
            for k in (wk, rk, bk):
                unmatched.pop(k)
    for key, value in state.items():
        if key in done or not key.endswith(".weight") or value.dim() != 2:
            continue
        match = [k for k, v in unmatched.items() if v.shape == tuple(value.shape[::-1])]
        if len(match) == 1:
            state[key] = torch.from_numpy(unmatched.pop(match[0]).T.copy())
            done.add(key)
    missing = [k for k in state if k not in done]
    if missing or unmatched:
        raise ValueError(f"{path}: could not recover {missing} (unused initializers {list(unmatched)})")
    model.load_state_dict(state)
    check_parity(model, path)
    return model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export a Denoiser checkpoint to streaming ONNX")
    parser.add_argument("--checkpoint", type=Path, help="a Denoiser.save package (best.pt)")
    parser.add_argument("--recover", type=Path, help="instead: an exported ONNX graph to read weights back from")
    parser.add_argument("--out", type=Path, required=True, help="ONNX file to write (with --recover: a .pt package)")
    args = parser.parse_args(argv)
    if args.recover is not None:
        model = recover_from_onnx(args.recover)
        model.save(args.out, {"recovered_from": str(args.recover)})
        print(f"wrote {args.out}: {model.count_parameters()} parameters, parity with {args.recover} checked")
        return
    if args.checkpoint is None:
        parser.error("give --checkpoint (export) or --recover (read weights back)")
    model = Denoiser.load(args.checkpoint)
    export_onnx(model, args.out)
    diff = check_parity(model, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB); parity max abs diff {diff:.2e}")


if __name__ == "__main__":
    main()
