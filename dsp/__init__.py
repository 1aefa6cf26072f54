"""Pure-numpy streaming algorithms, one per module, state in an explicit object.

- ``stft``: streaming STFT/ISTFT with exact overlap-add (every spectral algorithm uses it).
- ``hum_filter``: high-pass + mains-harmonic notches (linear filtering).
- ``dry_wet``: latency-aligned dry/wet mix and "removed" output.
"""
