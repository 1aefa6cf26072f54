"""hushboard: music-aware noise reduction that lives in pedalboard chains.

Public API::

    hushboard.Plugin, hushboard.Param, hushboard.Parameter   # the plugin protocol, one parameter model
    hushboard.Chain, hushboard.Mix                           # the host bridge (native + hushboard plugins)
    hushboard.HumRemover                                     # linear filtering (mains hum, rumble)
    hushboard.available_plugins()                            # {name: class} of every plugin
"""
from .plugin import Chain, Mix, Param, Parameter, Plugin, available_plugins
from .plugin.hum_remover import HumRemover
from .plugin.spectral_subtraction import SpectralSubtraction
from .plugin.wiener import WienerDenoiser
from .plugin.noise_suppressor import NoiseSuppressor
from .plugin.subspace import SubspaceDenoiser

__all__ = ["Plugin", "Param", "Parameter", "Chain", "Mix", "available_plugins", "HumRemover",
           "SpectralSubtraction", "WienerDenoiser", "NoiseSuppressor", "SubspaceDenoiser"]
__version__ = "0.1.0"
