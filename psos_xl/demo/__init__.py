"""The demo firm: a consulting firm with engagements and weeks of timesheets.

``psos demo DIR`` calls :func:`build_demo`; :func:`demo_firm` is the same firm as
models, without writing anything (tests and benchmarks use it).
"""

from psos_xl.demo.build import DemoSummary, PlantedIssue, build_demo, write_demo
from psos_xl.demo.firm import DemoFirm, PlantTarget, demo_firm

__all__ = [
    "DemoFirm",
    "DemoSummary",
    "PlantTarget",
    "PlantedIssue",
    "build_demo",
    "demo_firm",
    "write_demo",
]
