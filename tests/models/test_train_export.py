"""Training smoke runs (each target, each architecture, GAN) and ONNX export parity."""
from __future__ import annotations

import json
import math

import pytest
import torch

from hushboard.models import train as trainer
from hushboard.models.denoiser import Denoiser
from hushboard.models.export import OnnxParityError, check_parity, export_onnx, recover_from_onnx
from hushboard.models.heads import HEADS
from hushboard.models.networks import NETWORKS

from tests.models.test_features_networks import SMALL

TINY_DATA = {"pool_size": 3, "clip_seconds": 0.5, "crop_seconds": 0.3, "valid_size": 2}


@pytest.fixture(scope="module")
def data():
    config = trainer.resolve_config({"model": {"target": "irm"}, "data": TINY_DATA})
    return trainer.Data(config, None)


def run(tmp_path, data, network, target, loss, steps=3, gan=None, stop_at=None):
    config = {"seed": 0, "data": TINY_DATA, "model": {"features": {"name": "erb_df", "num_bands": 16, "df_bins": 8},
              "network": {"name": network, **SMALL[network]}, "target": target},
              "loss": loss, "gan": gan, "optim": {"steps": steps, "batch_size": 2, "lr": 3e-3},
              "eval_every": steps}
    return trainer.train(config, tmp_path, progress=False, data=data, stop_at=stop_at)


SIGNAL_LOSS = {"terms": {"si_sdr": 1.0, "multi_resolution_stft": 1.0}, "on": "signal"}


@pytest.mark.parametrize("target", list(HEADS))
def test_each_target_trains(tmp_path, data, target):
    loss = SIGNAL_LOSS if target == "waveform" else {"terms": {"mse": 1.0}, "on": "target"}
    summary = run(tmp_path, data, "rnn", target, loss)
    assert all(math.isfinite(v) for v in summary["last_losses"])
    assert (tmp_path / "best.pt").is_file() and (tmp_path / "metrics.json").is_file()


@pytest.mark.parametrize("network", list(NETWORKS))
def test_each_network_trains_with_fusion_loss(tmp_path, data, network):
    summary = run(tmp_path, data, network, "irm", SIGNAL_LOSS)
    assert all(math.isfinite(v) for v in summary["last_losses"])


def test_gan_wrapper_trains_any_generator(tmp_path, data):
    summary = run(tmp_path, data, "crn", "psm", {"terms": {"log_mse": 1.0}, "on": "signal"},
                  gan={"weight": 0.1, "channels": 4})
    assert all(math.isfinite(v) for v in summary["last_losses"])


def test_loss_decreases_when_overfitting_one_batch(tmp_path, data):
    loss = {"terms": {"mse": 1.0}, "on": "target"}
    config = trainer.resolve_config({"model": {"features": {"name": "log_magnitude"},
                                               "network": {"name": "dnn", "hidden": 32}, "target": "irm"},
                                     "loss": loss, "data": TINY_DATA})
    torch.manual_seed(0)
    model = Denoiser(**config["model"])
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    stft = trainer.Stft()
    clean, noisy = data.batch(0, 0, 2)
    values = []
    for _ in range(15):
        value, *_ = trainer.compute_loss(model, stft, config, clean, noisy)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        values.append(float(value))
    assert values[-1] < 0.7 * values[0]


def small_mask_model(data, terms):
    """A seeded DNN mask model, its config with loss ``terms``, an STFT and one batch."""
    config = trainer.resolve_config({"model": {"features": {"name": "log_magnitude"},
                                               "network": {"name": "dnn", "hidden": 32}, "target": "irm"},
                                     "loss": {"terms": terms, "on": "signal"}, "data": TINY_DATA})
    torch.manual_seed(0)
    return Denoiser(**config["model"]), config, trainer.Stft(), data.batch(0, 0, 2)


def test_noise_residual_term_compares_what_the_mask_does_to_noise_and_target(data):
    model, config, stft, (clean, noisy) = small_mask_model(data, {"noise_residual": 1.0})
    value, terms, *_ = trainer.compute_loss(model, stft, config, clean, noisy)

    def kept_db(mask, wave):  # the network's own mask on one part's spectrum, by hand
        spec = stft.stft(wave)
        return 10 * torch.log10((mask * spec).abs().pow(2).flatten(1).sum(-1) / spec.abs().pow(2).flatten(1).sum(-1))

    _, mask, _, _ = model(torch.view_as_real(stft.stft(noisy)), model.initial_state(2))
    expected = (kept_db(mask, noisy - clean) - kept_db(mask, clean)).clamp(min=-20).mean()
    assert float(value) == pytest.approx(float(expected), abs=1e-3)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(10):
        value, *_ = trainer.compute_loss(model, stft, config, clean, noisy)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
    assert float(value) < terms["noise_residual"] - 1.0  # training on it separates the parts


def test_psm_fit_term_is_the_masks_distance_to_the_ideal_psm(data):
    model, config, stft, (clean, noisy) = small_mask_model(data, {"si_sdr": 1.0, "psm_fit": 30.0})
    _, terms, *_ = trainer.compute_loss(model, stft, config, clean, noisy)
    _, mask, _, _ = model(torch.view_as_real(stft.stft(noisy)), model.initial_state(2))
    s, y = stft.stft(clean), stft.stft(noisy)
    ideal = ((s * y.conj()).real / (y.abs() ** 2 + 1e-12)).clamp(0, 1)
    assert terms["psm_fit"] == pytest.approx(30.0 * float(((mask - ideal) ** 2).mean()), rel=1e-3)
    with pytest.raises(ValueError, match="real mask target"):
        trainer.resolve_config({"model": {"target": "cirm"}, "loss": {"terms": {"psm_fit": 1}}})


def test_pool_cache_is_written_whole_and_read_back_identically(tmp_path):
    config = trainer.resolve_config({"model": {"target": "irm"}, "data": TINY_DATA})
    first = trainer.Data(config, tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files and not [f for f in files if "partial" in f]  # no half-written file left behind
    again = trainer.Data(config, tmp_path)  # read from the cache this time
    a, b = first.batch(0, 3, 2), again.batch(0, 3, 2)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_resume_continues_from_last_checkpoint(tmp_path, data):
    first = run(tmp_path, data, "dnn", "irm", SIGNAL_LOSS, steps=4, stop_at=2)  # "interrupted"
    resumed = run(tmp_path, data, "dnn", "irm", SIGNAL_LOSS, steps=4)
    fresh = run(tmp_path / "fresh", data, "dnn", "irm", SIGNAL_LOSS, steps=4)
    assert torch.load(tmp_path / "last.pt", weights_only=False)["step"] == 4
    assert len(first["last_losses"]) == 2 and len(resumed["last_losses"]) == 2
    assert resumed["last_losses"] == pytest.approx(fresh["last_losses"][2:], rel=1e-4)


def test_config_errors_are_explained():
    with pytest.raises(ValueError, match="loss.on = 'signal'"):
        trainer.resolve_config({"model": {"target": "irm"}, "loss": {"terms": {"si_sdr": 1}, "on": "target"}})
    with pytest.raises(KeyError, match="known"):
        Denoiser({"name": "erb_df"}, {"name": "lstm"}, "irm")
    with pytest.raises(ValueError, match="real mask target .*irm.*not 'cirm'"):
        trainer.resolve_config({"model": {"target": "cirm"}, "loss": {"terms": {"noise_residual": 1}}})


@pytest.mark.parametrize("network", list(NETWORKS))
def test_onnx_frame_by_frame_equals_torch(tmp_path, network):
    torch.manual_seed(0)
    model = Denoiser({"name": "erb_df", "num_bands": 16, "df_bins": 8}, {"name": network, **SMALL[network]}, "irm")
    path = export_onnx(model, tmp_path / "m.onnx")
    assert check_parity(model, path, frames=12) <= 1e-4
    config = json.loads(__import__("onnx").load(str(path)).metadata_props[0].value)
    assert config == model.get_config()


def test_parity_check_raises_on_mismatch(tmp_path):
    torch.manual_seed(0)
    model = Denoiser({"name": "log_magnitude"}, {"name": "rnn", "hidden": 8, "layers": 1}, "irm")
    path = export_onnx(model, tmp_path / "m.onnx")
    with torch.no_grad():
        model.network.dense_out.bias += 1.0  # the file no longer matches the module
    with pytest.raises(OnnxParityError):
        check_parity(model, path, frames=4)


def test_recovered_weights_reproduce_the_exported_crn(tmp_path):
    torch.manual_seed(0)
    model = Denoiser({"name": "erb_df", "num_bands": 16, "df_bins": 8}, {"name": "crn", **SMALL["crn"]}, "irm")
    path = export_onnx(model, tmp_path / "m.onnx")
    recovered = recover_from_onnx(path)  # runs check_parity itself
    for key, value in model.state_dict().items():
        assert torch.equal(recovered.state_dict()[key], value), key


def test_shipped_graph_weights_can_be_recovered():
    from hushboard.models.inference import shipped_model_path

    model = recover_from_onnx(shipped_model_path("neural_denoiser_s.onnx"))
    assert model.get_config()["network"]["name"] == "crn"


def test_committed_recipes_resolve_and_match_the_shipped_architecture():
    from pathlib import Path

    from hushboard.models.inference import shipped_model_path

    root = Path(__file__).resolve().parents[2]
    configs = sorted((root / "benchmarks" / "neural_search").glob("*.json")) + \
        sorted((root / "models").glob("neural_denoiser_s.*.json"))
    assert len(configs) >= 10
    for path in configs:  # every search row and recipe stage still parses (losses, targets, keys)
        trainer.resolve_config(json.loads(path.read_text()))
    shipped = recover_from_onnx(shipped_model_path("neural_denoiser_s.onnx")).get_config()
    for stage in ("train", "finetune"):
        config = trainer.resolve_config(json.loads((root / "models" / f"neural_denoiser_s.{stage}.json").read_text()))
        assert Denoiser(**config["model"]).get_config() == shipped, stage
    finetune = json.loads((root / "models" / "neural_denoiser_s.finetune.json").read_text())
    assert finetune["init"] == "runs/hushnet_s/best.pt"  # stage 2 starts where the card's stage 1 writes


def test_init_warm_starts_from_a_package(tmp_path, data):
    run(tmp_path / "a", data, "crn", "irm", SIGNAL_LOSS, steps=2)
    config = {"seed": 0, "data": TINY_DATA, "init": str(tmp_path / "a" / "best.pt"),
              "model": {"features": {"name": "erb_df", "num_bands": 16, "df_bins": 8},
                        "network": {"name": "crn", **SMALL["crn"]}, "target": "irm"},
              "loss": SIGNAL_LOSS, "optim": {"steps": 1, "batch_size": 2, "lr": 0.0}, "eval_every": 1}
    trainer.train(config, tmp_path / "b", progress=False, data=data)  # lr 0: the weights stay
    start = torch.load(tmp_path / "a" / "best.pt", weights_only=False)["state_dict"]
    after = torch.load(tmp_path / "b" / "last.pt", weights_only=False)["state_dict"]
    assert all(torch.equal(start[k], after[k]) for k in start)
    config["model"]["network"] = {"name": "rnn", **SMALL["rnn"]}
    with pytest.raises(ValueError, match="differs"):
        trainer.train(config, tmp_path / "c", progress=False, data=data)


def test_macs_count_matches_hand_count_for_a_gru_net():
    from hushboard.models.complexity import macs_per_second

    model = Denoiser({"name": "log_magnitude"}, {"name": "rnn", "hidden": 8, "layers": 1}, "irm")
    per_frame = 481 * 8 + 3 * (8 + 8) * 8 + 8 * 481  # dense in, GRU gates, dense out
    assert macs_per_second(model) == per_frame * 100
