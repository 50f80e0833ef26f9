"""The demonstration programme: its data (`data`) and its loader (`DemoLoader`)."""

from . import data
from .loader import DemoLoader, siret_for

__all__ = ["DemoLoader", "data", "siret_for"]
