"""psos_xl: a Professional Services OS that lives in Excel."""

__version__ = "0.1.0"
