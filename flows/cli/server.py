"""``energy-sweep server start|stop|status``: the persistent local Prefect server; ``serve``.

While it is up, ``run``, ``fit`` and the flows use it (:func:`flows.cli.environment.prefect_server`)
instead of a temporary server per command: no start-up cost, and every flow run, log and failure
stays in the Prefect UI. ``energy-sweep serve`` reruns a sweep and its aggregation on a schedule
(:func:`flows.deployments.serve`), which needs such a server. Only ``serve`` imports Prefect,
inside the command (:mod:`flows.server` speaks HTTP).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app, console, errors, fail

server_app = typer.Typer(
    help="A persistent local Prefect server (UI on 127.0.0.1) that run and fit then use.",
    no_args_is_help=True,
)
app.add_typer(server_app, name="server")


@server_app.command("start")
def start(
    port: Annotated[
        int | None,
        typer.Option(help="Port on 127.0.0.1 (default 4200 if free, else any free port).", min=1),
    ] = None,
) -> None:
    """Start ``prefect server start`` on 127.0.0.1, detached; its database, log and PID file in
    the user's data folder ($ENERGY_SWEEP_DATA_DIR to move it). Does nothing if it is up."""
    from flows.server import ServerError, server_folder, start_server

    try:
        info, started = start_server(port)
    except ServerError as error:
        fail(error)
    verb = "started" if started else "already up"
    console.print(
        f"Prefect server {verb}: {info.url} (pid {info.pid}, data {server_folder()})\n"
        f"run and fit now use it; stop it with: energy-sweep server stop",
        highlight=False,
        soft_wrap=True,
    )


@server_app.command("stop")
def stop() -> None:
    """Stop the persistent server (SIGTERM to its process group, SIGKILL after 10 s)."""
    from flows.server import stop_server

    info = stop_server()
    if info is None:
        console.print("no Prefect server recorded: nothing to stop", highlight=False)
        return
    console.print(f"Prefect server stopped (pid {info.pid}, {info.url})", highlight=False)


@server_app.command("status")
def status() -> None:
    """Say whether the persistent server is up, with its URL, PID and data folder."""
    from flows.server import server_folder, server_status

    from .environment import configured_api_url

    info, state = server_status()
    configured = configured_api_url()
    if configured:
        errors.print(
            f"note: PREFECT_API_URL={configured} is set: run and fit use that server, not this one",
            highlight=False,
            soft_wrap=True,
        )
    if info is None:
        console.print(
            f"Prefect server: not started (data {server_folder()}); "
            "start it with: energy-sweep server start",
            highlight=False,
            soft_wrap=True,
        )
        return
    console.print(
        f"Prefect server: {state}, {info.url} (pid {info.pid}, since {info.started}, "
        f"data {info.folder})",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def serve(
    config: Annotated[Path, typer.Argument(help="YAML sweep spec, e.g. configs/quickstart.yaml.")],
    cron: Annotated[
        str | None, typer.Option(help='Cron schedule (default "0 2 * * *": nightly, UTC).')
    ] = None,
    interval: Annotated[
        float | None, typer.Option(help="Run every this many seconds instead of a cron.", min=1)
    ] = None,
    store: Annotated[
        str | None, typer.Option(help="Zarr store path (overrides the config).")
    ] = None,
    name: Annotated[str, typer.Option(help="Deployment name in the Prefect UI.")] = "nightly",
    replicates: Annotated[int, typer.Option(help="Bootstrap replicates of the fits.")] = 1000,
    report: Annotated[bool, typer.Option(help="Write the report after the fits.")] = True,
) -> None:
    """Rerun a sweep on a schedule, then refresh its fits and report (until Ctrl-C).

    Serves the flow ``energy-sweep-rerun`` from this process; needs a Prefect server whose
    scheduler turns schedules into runs: ``energy-sweep server start``, or PREFECT_API_URL.
    """
    import os

    from flows.server import running_server
    from pipeline.errors import ConfigError, EnergySweepError
    from pipeline.sweep import load_config

    from .environment import configured_api_url, prefect_environment

    try:
        if cron is not None and interval is not None:
            raise ConfigError.for_field("interval", interval, "cannot be set together with cron")
        load_config(config, store=store)  # bad input refused before Prefect starts
        api = configured_api_url()
        if not api:
            server = running_server()
            if server is None:
                raise ConfigError(
                    "serve needs a Prefect server that runs schedules: start one with "
                    "`energy-sweep server start` (or set PREFECT_API_URL)"
                )
            api = server.api_url
    except EnergySweepError as error:
        fail(error)
    os.environ["PREFECT_API_URL"] = api
    errors.print(
        f"serving energy-sweep-rerun/{name} of {config} on {api.removesuffix('/api')} "
        f"({'every ' + str(interval) + ' s' if interval else 'cron ' + (cron or '0 2 * * *')}); "
        "Ctrl-C stops",
        highlight=False,
        soft_wrap=True,
    )
    try:
        with prefect_environment():
            from flows.deployments import serve as serve_flow

            serve_flow(
                str(config.absolute()),
                name=name,
                cron=cron,
                interval=interval,
                store=store,
                replicates=replicates,
                report=report,
            )
    except KeyboardInterrupt:
        raise typer.Exit(code=130) from None
