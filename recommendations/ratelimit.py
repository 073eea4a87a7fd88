"""The fixed-window counters moved down to omo.ratelimit (members use them too)."""

from omo.ratelimit import hit, undo

__all__ = ["hit", "undo"]
