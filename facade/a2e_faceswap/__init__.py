"""a2e_faceswap: a Python client for A2E's face swap API (https://video.a2e.ai)."""

__version__ = "0.1.0"
__all__ = ["__version__"]
