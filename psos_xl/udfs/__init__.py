"""xlwings functions (UDFs): thin wrappers that parse ranges, call the engine, return cells.

:mod:`.functions` holds the decorated functions Excel imports; :mod:`.calls` what each
computes; :mod:`.core` the conversion of ranges into models, the workspace catalog
cache and the ``#PSOS! CODE: message`` error texts. Nothing is imported here, so
importing the package pulls in neither xlwings nor the engine.
"""
