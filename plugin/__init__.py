"""What users hold: the Plugin base, Parameter, Chain/Mix, and one thin plugin per algorithm."""
from .base import Plugin
from .chain import Chain, Mix
from .parameter import Param, Parameter
from .registry import PLUGINS
from . import hum_remover  # noqa: F401  (registers HumRemover)
from . import spectral_subtraction  # noqa: F401  (registers SpectralSubtraction)
from . import wiener  # noqa: F401  (registers WienerDenoiser)
from . import noise_suppressor  # noqa: F401  (registers NoiseSuppressor)
from . import subspace  # noqa: F401  (registers SubspaceDenoiser)
from . import neural_denoiser  # noqa: F401  (registers NeuralDenoiser)
from . import music_detector  # noqa: F401  (registers MusicDetector)
from . import music_aware  # noqa: F401  (registers MusicAwareDenoiser)


def available_plugins() -> dict[str, type]:
    """Every hushboard plugin class by name, e.g. ``{"HumRemover": HumRemover, ...}``."""
    return PLUGINS.items()


__all__ = ["Plugin", "Param", "Parameter", "Chain", "Mix", "available_plugins"]
