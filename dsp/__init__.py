"""Pure-numpy streaming algorithms, one per module, state in an explicit object.

- ``stft``: streaming STFT/ISTFT with exact overlap-add (every spectral algorithm uses it).
- ``hum_filter``: high-pass + mains-harmonic notches (linear filtering).
- ``dry_wet``: latency-aligned dry/wet mix and "removed" output.
- ``minimum_statistics``: noise power tracking by minimum statistics (Martin 2001).
- ``mcra``: noise tracking and speech presence by MCRA (Cohen & Berdugo 2002).
- ``spectral_subtraction``: power/magnitude subtraction with over-subtraction (Boll; Berouti).
- ``wiener``: Wiener / MMSE-STSA / log-MMSE gains, decision-directed SNR, presence weighting.
"""
