"""CLI commands of the plan group: ``reymud plan show|set|clear PROJECT``.

A project carries its estimation plan (:func:`reymud.spatial.plan.store_plan`); every estimation
command (``estimate``, ``resource``, ``validate``, ``simulate``, ``variogram``, ``assess``) uses it
when no ``--plan FILE`` is given (:func:`reymud.spatial.plan.resolve_plan`), so one project gives one
answer whichever command is asked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reymud.cli._common import console, fail, open_project

__all__ = ["register"]

ProjectArg = Annotated[Path, typer.Argument(help="Project file (*.duckdb).")]

plan_app = typer.Typer(name="plan", help="Show, set or clear the estimation plan a project carries.",
                       no_args_is_help=True)


def _resolved(project):
    from reymud.spatial.plan import PlanError, resolve_plan

    try:
        return resolve_plan(project)
    except PlanError as exc:
        fail(str(exc), 2)


@plan_app.command("show")
def show(project: ProjectArg,
         as_json: Annotated[bool, typer.Option("--json", help="Print {source, plan, text} as JSON.")] = False) -> None:
    """The plan every command uses for PROJECT without --plan, and its source (project or defaults)."""
    with open_project(project) as proj:
        text = proj.plan_text()
        plan, source = _resolved(proj)
    if as_json:
        typer.echo(json.dumps({"source": source, "plan": plan.to_dict(), "text": text}, indent=1))
        return
    out = console()
    out.print(plan.describe(source), highlight=False)
    if text is None:
        out.print(f"{project} stores no plan: the defaults (reymud.defaults) apply; set one with "
                  f"`reymud plan set {project} plan.yaml`", highlight=False)
    else:
        out.print("stored text:\n" + text.rstrip(), highlight=False, markup=False)


@plan_app.command("set")
def set_plan(project: ProjectArg,
             plan_file: Annotated[Path, typer.Argument(help="YAML/JSON plan (keys of reymud.spatial.plan."
                                                            "EstimationPlan; unset keys keep the defaults).")]
             ) -> None:
    """Validate PLAN_FILE and store it in PROJECT (an invalid plan is refused and nothing is written)."""
    from reymud.spatial.plan import PlanError, store_plan

    try:
        text = Path(plan_file).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read plan {plan_file}: {exc}", 2)
    with open_project(project) as proj:
        try:
            store_plan(proj, text, source=f"plan {plan_file}")
        except PlanError as exc:
            fail(f"{exc}; {project} keeps its previous plan", 2)
        plan, source = _resolved(proj)
    console().print(f"stored the plan of {plan_file} in {project}", highlight=False)
    console().print(plan.describe(source), highlight=False)


@plan_app.command("clear")
def clear(project: ProjectArg) -> None:
    """Remove PROJECT's plan: commands without --plan use the defaults again."""
    with open_project(project) as proj:
        had = proj.plan_text() is not None
        proj.set_plan_text(None)
    console().print(f"{'removed the plan of' if had else 'no plan stored in'} {project}; the defaults apply",
                    highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``plan`` group to the app."""
    app.add_typer(plan_app, name="plan")
