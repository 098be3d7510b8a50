"""`crecer synth`: a deterministic, chunked, bulk-loaded national-size synthetic data set.

`from crecer.synth import generate` (after Django is set up); see README.md.
"""

from __future__ import annotations

__all__ = ["Report", "SynthRefused", "generate"]


def __getattr__(name: str):
    # Lazy, so that the pure modules (values, names) import without Django being set up.
    if name in __all__:
        from . import generator

        return getattr(generator, name)
    raise AttributeError(name)
