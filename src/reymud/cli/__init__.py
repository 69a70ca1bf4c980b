"""Command-line interface (typer + rich). Entry point: ``reymud.cli.main:app``."""
