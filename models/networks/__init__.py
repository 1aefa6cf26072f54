"""Causal, streamable network families, one file each, and their explicit registry.

Every network maps features ``(batch, frames, input_size)`` to raw outputs
``(batch, frames, output_size)`` (the target decides the activation) and follows one protocol:

- built from explicit arguments; ``get_config()`` returns them (``cls(**net.get_config())``
  rebuilds it);
- ``initial_state(batch) -> tuple[Tensor, ...]``: everything that outlives a frame, each tensor
  batch-first and all zeros at the start of a stream;
- ``forward(x, state) -> (y, new_state)``: processing a sequence in chunks (down to one frame)
  with the state carried equals one call over the whole sequence. No lookahead anywhere.

Families (``NETWORKS``): ``dnn`` (MLP over stacked past frames), ``rnn`` (GRU, RNNoise style),
``crn`` (causal convolutional recurrent network), ``transformer`` (causal attention over a
bounded KV cache). ``gan.py`` adds a discriminator + adversarial loss usable with any of them.
"""
from __future__ import annotations

from typing import Callable

from torch import nn

from ...plugin.registry import Registry
from .crn import CausalCrn
from .dnn import FrameMlp
from .rnn import GruNet
from .transformer import CausalTransformer

NETWORKS: Registry[Callable[..., nn.Module]] = Registry("network")
NETWORKS.register("dnn", FrameMlp)
NETWORKS.register("rnn", GruNet)
NETWORKS.register("crn", CausalCrn)
NETWORKS.register("transformer", CausalTransformer)

__all__ = ["NETWORKS", "FrameMlp", "GruNet", "CausalCrn", "CausalTransformer"]
