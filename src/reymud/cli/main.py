"""The ``reymud`` command line: one typer app, one module per command group.

Each group module exposes ``register(app)`` and stays thin: parse arguments, call the Python
API, render the result with rich.
"""

from __future__ import annotations

import typer

from reymud.cli import assess, data, geochem, plan, resource, scale, spatial, supply, web

app = typer.Typer(
    name="reymud",
    help=(
        "Deep-sea rare-earth mud: from sediment-core assays to a classified resource estimate "
        "and what it means for supply security. Run `reymud assess --demo` for the whole job "
        "on the bundled SYNTHETIC demo survey."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)



def _print_version(value: bool) -> None:
    if value:
        from reymud import __version__

        typer.echo(f"reymud {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """reymud command line."""


for _group in (data, geochem, spatial, resource, plan, supply, assess, web, scale):
    _group.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
