"""Use-cases that touch files and the store: each a function that returns data (a
dataclass or model, with ``to_json()`` where a command prints JSON). The command line
(:mod:`psos_xl.cli`) parses arguments, calls one of them and prints the result; nothing
here prints."""
