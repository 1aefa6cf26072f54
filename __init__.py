"""hushboard: music-aware noise reduction that lives in pedalboard chains.

Public API::

    hushboard.Plugin, hushboard.Param, hushboard.Parameter   # the plugin protocol, one parameter model
    hushboard.Chain, hushboard.Mix                           # the host bridge (native + hushboard plugins)
    hushboard.HumRemover                                     # linear filtering (mains hum, rumble)
    hushboard.SpectralSubtraction, WienerDenoiser, NoiseSuppressor, SubspaceDenoiser  # classic NR
    hushboard.NeuralDenoiser                                 # Solution 2 (ONNX mask network)
    hushboard.MusicDetector, MusicAwareDenoiser              # Solution 1 (detector-steered NR)
    hushboard.available_plugins()                            # {name: class} of every plugin
    hushboard.save_preset / load_preset, Automation, MidiMap  # presets, envelopes, MIDI CC
    hushboard.process_file, OutputOptions, AudioFileError    # a file of any length, streamed to disk
"""
from .plugin import Chain, Mix, Param, Parameter, Plugin, available_plugins
from .plugin.hum_remover import HumRemover
from .plugin.spectral_subtraction import SpectralSubtraction
from .plugin.wiener import WienerDenoiser
from .plugin.noise_suppressor import NoiseSuppressor
from .plugin.subspace import SubspaceDenoiser
from .plugin.neural_denoiser import NeuralDenoiser
from .plugin.music_detector import MusicDetector
from .plugin.music_aware import MusicAwareDenoiser
from .plugin.automation import Automation, Envelope
from .plugin.midi import MidiMap, midi_file_to_automation
from .plugin.presets import PresetError, load_external_plugin, load_preset, save_preset
from .plugin.cli_process import AudioFileError, OutputOptions, process_file

__all__ = ["Plugin", "Param", "Parameter", "Chain", "Mix", "available_plugins", "HumRemover",
           "SpectralSubtraction", "WienerDenoiser", "NoiseSuppressor", "SubspaceDenoiser",
           "NeuralDenoiser", "MusicDetector", "MusicAwareDenoiser",
           "Automation", "Envelope", "MidiMap", "midi_file_to_automation", "PresetError",
           "load_external_plugin", "load_preset", "save_preset", "process_file", "OutputOptions",
           "AudioFileError"]
__version__ = "0.1.0"
