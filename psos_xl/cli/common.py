"""What every command shares: the Typer apps, the one error handler, issue printing.

Every command is a :class:`PsosCommand`: a :class:`~psos_xl.errors.PsosError` raised
while it runs is printed by :func:`psos_xl.cli.output.print_error` (in red on stderr, or
``{"error", "issues"}`` on stdout when the command was given ``--json``) and ends the
command with the error's exit code. Commands do not catch it themselves. The apps are
:class:`PsosTyper`, whose commands are PsosCommands unless told otherwise.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand

from psos_xl.cli.output import console as console
from psos_xl.cli.output import interactive as interactive
from psos_xl.cli.output import print_error
from psos_xl.cli.output import print_json as print_json
from psos_xl.cli.spec import JSON_HELP, Command, Param
from psos_xl.errors import Issue, PsosError, Severity

_F = TypeVar("_F", bound=Callable[..., Any])


class PsosCommand(TyperCommand):
    """A command whose PsosError becomes its message and exit code (the one handler)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PsosError as err:
            raise typer.Exit(print_error(err, bool(ctx.params.get("as_json")))) from err


class PsosTyper(typer.Typer):
    """A Typer app whose commands are :class:`PsosCommand`."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[_F], _F]:
        kwargs["cls"] = kwargs.get("cls") or PsosCommand
        return super().command(*args, **kwargs)


app = PsosTyper(
    name="psos",
    help="psos_xl: scope, price, deliver and learn, in Excel workbooks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
new_app = PsosTyper(help="Create a catalog, scope or timesheet workbook.", no_args_is_help=True)
app.add_typer(new_app, name="new")


def package_version() -> str:
    """The installed psos_xl's version, from the package's metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("psos_xl")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _print_version(asked: bool) -> None:
    if asked:
        print(f"psos_xl {package_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print psos_xl's version and exit.",
        ),
    ] = False,
) -> None:
    pass


# the handler prints a command's error as JSON when its parameter ``as_json`` is set
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite what is there.")]
WorkspaceOpt = Annotated[
    Path, typer.Option("--workspace", "-w", help="The workspace folder.", file_okay=False)
]


def typer_type(param: Param) -> Any:
    """The annotation Typer reads ``param`` from: ``Annotated[kind, Option(...)]``."""
    kind: Any = param.kind
    if param.default is None:
        kind = kind | None
    info: Any
    if param.flags:
        info = typer.Option(*param.flags, help=param.help, min=param.minimum)
    else:
        info = typer.Argument(help=param.help, file_okay=not param.folder)
    return Annotated[kind, info]


def add_command(app: typer.Typer, command: Command, run: Callable[..., int]) -> None:
    """Register ``command`` (declared in :mod:`psos_xl.cli.spec`) on ``app``: Typer parses
    its parameters, then ``run(**values)`` runs and its result is the exit code."""

    def body(**values: Any) -> None:
        raise typer.Exit(run(**values))

    params = [
        inspect.Parameter(
            p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default, annotation=typer_type(p)
        )
        for p in command.params
    ]
    body.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    body.__annotations__ = {p.name: p.annotation for p in params}
    body.__doc__ = command.help
    app.command(command.name)(body)


_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_issues(issues: list[Issue]) -> None:
    """`workbook!sheet!cell: CODE message`, one a line, coloured by severity on a terminal."""
    from rich.markup import escape

    out = console()
    for issue in issues:
        style = _STYLE[issue.severity]
        out.print(
            f"{escape(str(issue.location))}: [{style}]{issue.code}[/] {escape(issue.message)}"
        )


def summary(issues: list[Issue]) -> str:
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    warnings = sum(1 for i in issues if i.severity is Severity.WARNING)
    return f"{errors} error(s), {warnings} warning(s)"


def parse_date(text: str, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PsosError(f"{option} must be a date as YYYY-MM-DD, got {text!r}") from None


def parse_enum(enum: Any, text: str, option: str) -> Any:
    for member in enum:
        if member.value.casefold() == text.casefold():
            return member
    allowed = ", ".join(m.value for m in enum)
    raise PsosError(f"{option} must be one of {allowed}, got {text!r}")
