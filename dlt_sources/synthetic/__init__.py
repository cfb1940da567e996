"""Deterministic synthetic athletes whose data is written in each vendor's export format."""

from .athlete import SyntheticAthlete, simulate_athlete

__all__ = ["SyntheticAthlete", "simulate_athlete"]
