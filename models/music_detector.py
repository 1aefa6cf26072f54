"""The speech/music detector network (Solution 1's yellow box): a tiny GRU over frame features.

Input: ``(batch, frames, FEATURE_SIZE)`` features from ``hushboard.dsp.music_features``.
Output: ``(batch, frames, 2)`` probabilities ``[P(music), P(speech)]`` and the GRU state.
Size class: Opus's speech/music detector (about 5k weights); this one has about 8k
(``dense -> GRU(32) -> dense``), well under the 50k budget.

Feature normalisation (mean/std measured on the training set) is part of the network, so the
exported ONNX graph takes raw features and nothing outside it has to remember the statistics.
The recurrent state is an explicit input and output (``state_in``/``state_out``,
``(1, batch, HIDDEN)``), so the plugin can run it block by block with onnxruntime alone.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..dsp.music_features import FEATURE_SIZE

HIDDEN = 32


class MusicDetectorNet(nn.Module):
    """``dense(tanh) -> GRU -> dense(sigmoid)``; see the module docstring for shapes."""

    def __init__(self, num_features: int = FEATURE_SIZE, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.num_features, self.hidden = num_features, hidden
        self.register_buffer("feature_mean", torch.zeros(num_features))
        self.register_buffer("feature_std", torch.ones(num_features))
        self.dense_in = nn.Linear(num_features, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.dense_out = nn.Linear(hidden, 2)

    def get_config(self) -> dict:
        return {"num_features": self.num_features, "hidden": self.hidden}

    def initial_state(self, batch: int = 1) -> torch.Tensor:
        return torch.zeros(1, batch, self.hidden)

    def forward(self, features: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = (features - self.feature_mean) / self.feature_std
        x = torch.tanh(self.dense_in(x))  # [batch, frames, hidden]
        x, state = self.gru(x, state)  # [batch, frames, hidden], [1, batch, hidden]
        return torch.sigmoid(self.dense_out(x)), state

    def count_weights(self) -> int:
        return sum(p.numel() for p in self.parameters())


class DetectorEnsemble(nn.Module):
    """The mean probability of several ``MusicDetectorNet`` (e.g. trained from different seeds
    on the same examples); their GRU states side by side in one state tensor, so the exported
    graph has the same inputs and outputs as a single detector's."""

    def __init__(self, members: "list[MusicDetectorNet]") -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.num_features = members[0].num_features
        self.widths = [member.hidden for member in members]
        self.hidden = sum(self.widths)

    def initial_state(self, batch: int = 1) -> torch.Tensor:
        return torch.zeros(1, batch, self.hidden)

    def forward(self, features: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        probabilities, states = [], []
        for member, part in zip(self.members, torch.split(state, self.widths, dim=2)):
            member_probabilities, member_state = member(features, part)
            probabilities.append(member_probabilities)
            states.append(member_state)
        return torch.stack(probabilities).mean(dim=0), torch.cat(states, dim=2)

    count_weights = MusicDetectorNet.count_weights


def export_onnx(model: "MusicDetectorNet | DetectorEnsemble", path: Path) -> None:
    """Export with a dynamic number of frames and the GRU state as explicit input/output."""
    model.eval()
    features = torch.zeros(1, 7, model.num_features)
    state = model.initial_state()
    torch.onnx.export(
        model, (features, state), str(path), dynamo=False, opset_version=17,
        input_names=["features", "state_in"], output_names=["probabilities", "state_out"],
        dynamic_axes={"features": {1: "frames"}, "probabilities": {1: "frames"}})
