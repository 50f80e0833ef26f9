"""The demonstration programme: its data (`data`) and its loader (`DemoLoader`)."""

from . import data, peer_culture
from .loader import DemoLoader
from .structures import siret_for

__all__ = ["DemoLoader", "data", "peer_culture", "siret_for"]
