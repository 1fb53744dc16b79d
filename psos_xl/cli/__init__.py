"""The `psos` command line: typer commands that parse arguments, call :mod:`psos_xl.app`
and print. The application is assembled in :mod:`.main`; a plain ``psos sync`` starts in
:mod:`.quick` without building it."""
