"""The top-level ``opencmc`` command and ``serve``."""

from __future__ import annotations

import typer

from opencmc import __version__
from opencmc.cli import (
    admin,
    comparability,
    design,
    doe,
    jobs,
    market,
    programs,
    results,
    roadmap,
    spc,
    stability,
    validation,
)
from opencmc.cli.common import console, database, settings

app = typer.Typer(
    name="opencmc",
    help="OpenCMC: the one-stop CMC platform. Engines on files, and the server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.org_app, name="org")
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.audit_app, name="audit")
app.command("config")(admin.config_show)
app.add_typer(stability.app, name="stability")
app.add_typer(programs.app, name="program")
app.add_typer(doe.app, name="doe")
app.command("roadmap")(roadmap.roadmap_command)
app.add_typer(validation.app, name="validation")
app.add_typer(spc.app, name="spc")
app.command("comparability")(comparability.compare_command)
app.add_typer(design.app, name="design")
app.add_typer(results.app, name="results")
app.add_typer(market.app, name="market")
app.add_typer(jobs.app, name="jobs")


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    demo: bool = typer.Option(False, "--demo", help="Seed the demo data (idempotent)."),
    workers: int = typer.Option(1, "--workers", help="Web worker processes."),
) -> None:
    """Migrate the database, optionally seed the demo, and serve the web app and API."""
    import uvicorn

    from opencmc.logs import configure_logging
    from opencmc.platform import demo as demo_data
    from opencmc.platform import migrate

    config = settings()
    configure_logging(config.log_level, config.log_format)
    engine, factory = database(config)
    revision = migrate.upgrade(engine)
    console.print(f"database {engine.url.render_as_string()} at revision {revision}")
    if demo:
        created = demo_data.seed(factory)
        console.print("demo data " + ("seeded" if created else "already present") + "; sign in as:")
        for c in demo_data.credentials():
            console.print(f"  {c.email:<28} {c.password}  ({c.role}, {c.organisation})")
    engine.dispose()
    from opencmc.science.stats.doe import prepare_compiled

    console.print("preparing the compiled optimal-design engine (the first start builds it)")
    console.print(f"  ready in {prepare_compiled():.1f} s")
    console.print(f"OpenCMC {__version__} on http://{host}:{port}  (API docs: /api/docs)")
    uvicorn.run(
        "opencmc.web.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        factory=False,
    )


def main() -> None:
    app()
