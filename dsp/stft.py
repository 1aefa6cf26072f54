"""Streaming short-time Fourier transform with exact overlap-add resynthesis.

One STFT for every spectral algorithm in hushboard. Audio goes in as blocks of any size; every
complete frame (``frame_size`` samples, advanced by ``hop_size``) is windowed, transformed with a
real FFT, handed to a frame processor, transformed back, windowed again and overlap-added. The
output stream has exactly one sample per input sample, delayed by a constant ``latency_samples``.

Windows and perfect reconstruction
    Analysis and synthesis both use the square root of a periodic Hann window. Their product
    ``w_a * w_s`` is a periodic Hann window, whose shifted copies sum to ``frame_size /
    (2 * hop_size)`` when ``frame_size / hop_size`` is an integer >= 2 (hop = window/2 or /4, ...).
    The synthesis window is divided by that constant, so with an identity frame processor the
    output equals the input delayed by ``latency_samples`` (to float rounding): this is checked
    numerically at construction (the COLA condition; Griffin & Lim, IEEE TASSP 32(2), 1984).

Latency
    A frame can be analysed once its last sample has arrived, and the output sample at the start
    of a hop is complete only after the frame that ends ``frame_size - hop_size`` samples later.
    That is the algorithmic latency ``frame_size - hop_size`` for a host that calls in multiples
    of the hop. For blocks of ANY size (1 sample, 333 samples, ...) the first sample of each hop
    must also wait ``hop_size - 1`` samples for its hop to fill, so the constant delay that works
    for every block size is ``latency_samples = frame_size - 1``. That is what is reported, and
    block-size invariance (same output whatever the blocking) follows from it.

Shape
    ``process`` takes ``(channels, n)`` float64 and returns ``(channels, n)`` float64. The frame
    processor receives ``(channels, frames, bins)`` complex128 with ``bins = frame_size // 2 + 1``
    and returns an array of the same shape.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

FrameProcessor = Callable[[np.ndarray], np.ndarray]


def sqrt_hann(frame_size: int) -> np.ndarray:
    """Square root of the periodic Hann window, shape ``(frame_size,)``."""
    n = np.arange(frame_size)
    return np.sqrt(0.5 - 0.5 * np.cos(2.0 * np.pi * n / frame_size))


def synthesis_window(analysis: np.ndarray, hop_size: int) -> np.ndarray:
    """Synthesis window that makes ``analysis`` overlap-add to exactly one at ``hop_size``.

    Raises ``ValueError`` when the overlapped product of the windows is not constant (the
    analysis/synthesis pair would not reconstruct the input).
    """
    frame_size = analysis.shape[0]
    if frame_size % hop_size:
        raise ValueError(f"frame_size ({frame_size}) must be a multiple of hop_size ({hop_size})")
    product = analysis * analysis
    overlap = product.reshape(frame_size // hop_size, hop_size).sum(axis=0)
    if np.ptp(overlap) > 1e-9 * overlap.mean():
        raise ValueError("analysis window does not satisfy the overlap-add condition at this hop")
    return analysis / overlap.mean()


@dataclass
class StftState:
    """Everything the STFT carries between blocks, for ``channels`` channels.

    Attributes:
        input_tail: ``(channels, frame_size - hop_size + pending)`` samples not yet consumed by a
            complete frame: the overlap with the next frame plus the partial hop.
        overlap: ``(channels, frame_size - hop_size)`` overlap-add accumulator of frames whose
            output is not complete yet.
        output_fifo: ``(channels, k)`` completed output samples not yet returned; starts with
            ``frame_size - 1`` zeros, which is the latency.
        frames_done: frames processed since the start of the stream.
    """

    input_tail: np.ndarray
    overlap: np.ndarray
    output_fifo: np.ndarray
    discard: int
    frames_done: int = 0
    extra: dict = field(default_factory=dict)


class StreamingStft:
    """Streaming STFT -> frame processor -> ISTFT with a constant delay of ``frame_size - 1``.

    Args:
        frame_size: FFT and window length in samples (even).
        hop_size: frame advance in samples; ``frame_size / hop_size`` must be an integer >= 2.

    Example:
        >>> import numpy as np
        >>> stft = StreamingStft(frame_size=512, hop_size=128)
        >>> state = stft.init_state(channels=1)
        >>> x = np.random.default_rng(0).standard_normal((1, 4000))
        >>> y = np.concatenate([stft.process(state, x[:, :1000], lambda s: s),
        ...                     stft.process(state, x[:, 1000:], lambda s: s)], axis=1)
        >>> bool(np.allclose(y[:, stft.latency_samples:], x[:, :-stft.latency_samples]))
        True
    """

    def __init__(self, frame_size: int, hop_size: int) -> None:
        if frame_size < 2 or frame_size % 2:
            raise ValueError(f"frame_size must be an even number >= 2 (got {frame_size})")
        if hop_size < 1 or frame_size % hop_size or frame_size // hop_size < 2:
            raise ValueError(
                f"hop_size must divide frame_size into 2 or more hops (got {hop_size} for {frame_size})")
        self.frame_size = frame_size
        self.hop_size = hop_size
        self.num_bins = frame_size // 2 + 1
        self.analysis_window = sqrt_hann(frame_size)
        self.synthesis_window = synthesis_window(self.analysis_window, hop_size)

    @property
    def latency_samples(self) -> int:
        """Constant delay of the output stream, valid for any block size (see module doc)."""
        return self.frame_size - 1

    def init_state(self, channels: int) -> StftState:
        """A fresh stream: silence before the first sample."""
        overlap_len = self.frame_size - self.hop_size
        return StftState(
            input_tail=np.zeros((channels, overlap_len)),
            overlap=np.zeros((channels, overlap_len)),
            output_fifo=np.zeros((channels, self.latency_samples)),
            # The first frame starts overlap_len samples before the stream; its output there
            # belongs to negative time and is dropped.
            discard=overlap_len,
        )

    def analyse(self, frames: np.ndarray) -> np.ndarray:
        """Windowed real FFT of ``(..., frame_size)`` time frames -> ``(..., bins)`` spectra."""
        return np.fft.rfft(frames * self.analysis_window, axis=-1)

    def synthesise(self, spectra: np.ndarray) -> np.ndarray:
        """Inverse of ``analyse`` up to overlap-add: ``(..., bins)`` -> windowed ``(..., frame_size)``."""
        return np.fft.irfft(spectra, n=self.frame_size, axis=-1) * self.synthesis_window

    def frames(self, state: StftState, block: np.ndarray) -> np.ndarray:
        """Feed ``block`` ``(channels, n)``; return the spectra of the frames it completes.

        Analysis only (what a detector needs): ``(channels, frames, bins)``, possibly 0 frames.
        """
        hop, size = self.hop_size, self.frame_size
        buffer = np.concatenate((state.input_tail, block), axis=1)
        num_frames = max((buffer.shape[1] - (size - hop)) // hop, 0)
        state.input_tail = buffer[:, num_frames * hop:]
        if num_frames == 0:
            return np.zeros((buffer.shape[0], 0, self.num_bins), complex)
        state.frames_done += num_frames
        if num_frames == 1:  # the real-time case (blocks of about one hop): a plain view
            return self.analyse(buffer[:, None, :size])
        # frame f is buffer[:, f hop : f hop + size]: one gather for all frames, (C, F, size)
        index = (hop * np.arange(num_frames))[:, None] + np.arange(size)
        return self.analyse(buffer[:, index])

    def process(self, state: StftState, block: np.ndarray, processor: FrameProcessor) -> np.ndarray:
        """Feed ``block`` ``(channels, n)``; return ``(channels, n)`` output delayed by the latency."""
        n = block.shape[1]
        spectra = self.frames(state, block)
        fifo = state.output_fifo
        if spectra.shape[1] > 0:
            completed = self._overlap_add(state, self.synthesise(processor(spectra)))
            if state.discard:
                dropped = min(state.discard, completed.shape[1])
                completed = completed[:, dropped:]
                state.discard -= dropped
            fifo = np.concatenate((fifo, completed), axis=1)
        state.output_fifo = fifo[:, n:]
        return fifo[:, :n]

    def _overlap_add(self, state: StftState, frames: np.ndarray) -> np.ndarray:
        """Overlap-add ``(C, F, frame_size)`` frames onto the accumulator; return completed hops.

        Frame ``f`` covers hops ``f .. f + ratio - 1`` (``ratio = frame_size / hop_size``); hop
        ``j`` of the output is complete once frame ``j`` has been added, so the ``F`` frames
        complete ``F`` hops and leave ``ratio - 1`` partial hops in ``state.overlap``. Sums run
        in the same order (accumulator, then the frames' pieces by position) for any ``F``.
        """
        channels, num_frames, size = frames.shape
        hop = self.hop_size
        ratio = size // hop
        if ratio == 2:  # half overlap: completed hops = first halves + (overlap, earlier second halves)
            if num_frames == 1:
                completed = state.overlap + frames[:, 0, :hop]
            else:
                earlier = np.concatenate((state.overlap, frames[:, :-1, hop:].reshape(channels, -1)),
                                         axis=1)
                completed = earlier + frames[:, :, :hop].reshape(channels, -1)
            state.overlap = frames[:, -1, hop:]
            return completed
        pieces = frames.reshape(channels, num_frames, ratio, hop)
        total = np.zeros((channels, num_frames + ratio - 1, hop))
        total[:, : ratio - 1] = state.overlap.reshape(channels, ratio - 1, hop)
        for r in range(ratio):  # piece r of every frame at once
            total[:, r:r + num_frames] += pieces[:, :, r]
        state.overlap = total[:, num_frames:].reshape(channels, (ratio - 1) * hop)
        return total[:, :num_frames].reshape(channels, num_frames * hop)
