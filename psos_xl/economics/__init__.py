"""The firm's economics, computed from stored rows: capacity, and which weeks are
missing or short (DESIGN §12, §13). Pure: models in, figures out."""

from psos_xl.economics.capacity import capacity_on, week_capacity
from psos_xl.economics.completeness import Gap, completeness, last_complete_week, monday_of

__all__ = [
    "Gap",
    "capacity_on",
    "completeness",
    "last_complete_week",
    "monday_of",
    "week_capacity",
]
