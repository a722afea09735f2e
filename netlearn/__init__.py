"""netlearn: learn networking by watching it happen, on real bytes."""

__version__ = "0.1.0"
