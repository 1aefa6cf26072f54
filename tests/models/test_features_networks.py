"""Features and networks: streaming (chunked, state carried) equals whole-sequence processing."""
from __future__ import annotations

import pytest
import torch

from hushboard.dsp.stft import StreamingStft
from hushboard.models.features import FEATURES, erb_band_matrix
from hushboard.models.filterbank import Stft
from hushboard.models.networks import NETWORKS

SMALL = {"dnn": {"hidden": 32}, "rnn": {"hidden": 24}, "crn": {"channels": [4, 4], "hidden": 24},
         "transformer": {"d_model": 16, "heads": 2, "cache_frames": 4}}


def chunked(module, x, chunks):
    state, outs, pos = module.initial_state(x.shape[0]), [], 0
    for size in chunks:
        out, state = module(x[:, pos:pos + size], state)
        outs.append(out)
        pos += size
    return torch.cat(outs, dim=1)


def test_torch_stft_matches_streaming_stft_and_inverts():
    x = torch.randn(1, 9600, generator=torch.Generator().manual_seed(0))
    stft = Stft()
    spec = stft.stft(x)
    stream = StreamingStft(960, 480)
    frames = stream.frames(stream.init_state(1), x.double().numpy())
    assert abs(frames - spec[:, : frames.shape[1]].numpy()).max() < 1e-4
    assert torch.allclose(stft.istft(spec), x, atol=1e-5)


def test_erb_bands_partition_the_bins():
    bands = erb_band_matrix(481, 48000, 32)
    assert bands.shape == (481, 32) and bool((bands.sum(1) == 1).all()) and bool((bands.sum(0) >= 2).all())


@pytest.mark.parametrize("name", list(FEATURES))
def test_features_stream_like_whole(name):
    feats = FEATURES.get(name)()
    spec = torch.view_as_real(Stft().stft(0.1 * torch.randn(2, 9600)))
    whole, _ = feats(spec, feats.initial_state(2))
    assert whole.shape == (2, 21, feats.size) and torch.isfinite(whole).all()
    assert torch.allclose(chunked(feats, spec, [1, 5, 2, 13]), whole, atol=1e-4)


@pytest.mark.parametrize("name", list(NETWORKS))
def test_networks_stream_like_whole_and_rebuild_from_config(name):
    torch.manual_seed(0)
    net = NETWORKS.get(name)(input_size=10, output_size=7, **SMALL[name])
    x = torch.randn(2, 19, 10)
    whole, _ = net(x, net.initial_state(2))
    assert whole.shape == (2, 19, 7)
    assert torch.allclose(chunked(net, x, [1, 1, 6, 11]), whole, atol=1e-5)
    twin = NETWORKS.get(name)(**net.get_config())
    twin.load_state_dict(net.state_dict())
    assert torch.equal(twin(x, twin.initial_state(2))[0], whole)
