"""The ``reymud`` command line: one typer app, one module per command group.

Each group module exposes ``register(app)`` and stays thin: parse arguments, call the Python
API, render the result with rich.
"""

from __future__ import annotations

import typer

from reymud.cli import assess, data, geochem, resource, spatial, supply, web

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



@app.command()
def version() -> None:
    """Print the reymud version."""
    from reymud import __version__

    typer.echo(f"reymud {__version__}")


for _group in (data, geochem, spatial, resource, supply, assess, web):
    _group.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
