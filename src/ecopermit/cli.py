"""The `ecopermit` command: one program whose subcommands choose what runs in this process."""

from __future__ import annotations

import asyncio
import enum
import logging
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.settings import ServiceName, Settings, get_settings

app = typer.Typer(
    help=(
        "ecopermit: Kazakhstan's comprehensive environmental permit applications, from "
        "submission to decision. Configuration comes from ECOPERMIT_* environment variables "
        "(see README); the defaults run everything on this machine under ./var."
    ),
    no_args_is_help=True,
    add_completion=False,
    # Docstrings are wrapped for the source; markdown reflows each paragraph to the terminal.
    rich_markup_mode="markdown",
)
console = Console(stderr=True)
console_out = Console()


def load_settings() -> Settings:
    """The settings, or exit 2 naming each wrong ECOPERMIT_* variable and why, in one line each."""
    try:
        return get_settings()
    except ValidationError as error:
        for problem in error.errors():
            variable = "ECOPERMIT_" + "_".join(str(part) for part in problem["loc"]).upper()
            where = variable if problem["loc"] else "configuration"
            console.print(f"[red]{where}:[/] {problem['msg']}")
        raise typer.Exit(2) from error


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="The role the token carries.", case_sensitive=False)],
    sub: Annotated[str, typer.Option(help="The subject: who the holder is, e.g. r1.")],
    bin_: Annotated[
        str | None,
        typer.Option("--bin", help="The enterprise BIN; required for --role applicant only."),
    ] = None,
    ttl: Annotated[
        int | None, typer.Option(help="Lifetime in seconds (default from settings).", min=1)
    ] = None,
    iin: Annotated[
        str | None,
        typer.Option(
            help="The person's IIN, which their signatures must carry (default: the stand-in "
            "IIN the embedded stack's test keys are issued under)."
        ),
    ] = None,
) -> None:
    """Mint a bearer token signed with the configured key (a dev sign-in for the embedded stack).

    Example: ecopermit token --role reviewer --sub r1
    """
    from ecopermit.runtime.esign.local_authority import local_principal
    from ecopermit.runtime.tokens import TokenIssuer

    try:
        person = local_principal(sub, role, bin_)
        principal = Principal(subject=sub, role=role, enterprise_bin=bin_, iin=iin or person.iin)
        minted = TokenIssuer.from_settings(load_settings()).mint(principal, ttl_seconds=ttl)
    except ValueError as error:
        console.print(f"[red]cannot mint the token:[/] {error}")
        raise typer.Exit(2) from error
    print(minted)


class SignedFor(enum.StrEnum):
    """What `ecopermit sign` signs: the request body of one of the signed RPCs."""

    SUBMISSION = "submission"  # SubmitApplication (POST /v1/applications:submit)
    ANSWER = "answer"  # AmendApplication (POST /v1/applications/{id}:amend)
    DECISION = "decision"  # CompleteTask on a decision task (POST /v1/tasks/{id}:complete)


@app.command()
def sign(
    request: Annotated[
        Path,
        typer.Argument(help="The request as JSON, as it is posted to the gateway.", dir_okay=False),
    ],
    purpose: Annotated[SignedFor, typer.Option(help="Which request it is.")],
    key: Annotated[
        Path, typer.Option(help="Your PKCS#12 key file (NCA RK's RSA signing key, RSA_*.p12).")
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the signed request (default: print it)."),
    ] = None,
) -> None:
    """Sign a request file with your ЭЦП: a detached CMS over the request's canonical statement,
    added as its "signature" field. The key's password is read from ECOPERMIT_KEY_PASSWORD or
    asked for. Nothing is sent; post the output to the gateway or pass it to a client.

    Example: ecopermit sign submission.json --purpose submission --key RSA_aliya.p12 --out
    signed.json
    """
    import base64
    import json
    import os

    from google.protobuf import json_format

    from ecopermit.runtime.esign.requests import REQUEST_TYPES, sign_request
    from ecopermit.runtime.esign.signing import KeyFileError, load_signing_key
    from ecopermit.runtime.esign.statements import Purpose

    chosen = Purpose[purpose.name]
    try:
        body = json.loads(request.read_text(encoding="utf-8"))
        message = json_format.ParseDict(body, REQUEST_TYPES[chosen](), ignore_unknown_fields=False)
    except (OSError, ValueError, json_format.ParseError) as error:
        console.print(f"[red]cannot read {request} as a {purpose.value} request:[/] {error}")
        raise typer.Exit(2) from error
    password = os.environ.get("ECOPERMIT_KEY_PASSWORD")
    if password is None:
        password = typer.prompt(f"password of {key.name}", hide_input=True)
    try:
        signing_key = load_signing_key(key.read_bytes(), password)
    except (OSError, KeyFileError) as error:
        console.print(f"[red]cannot use the key {key}:[/] {error}")
        raise typer.Exit(2) from error
    signed = sign_request(message, chosen, signing_key)
    output = {**body, "signature": base64.b64encode(signed.signature).decode()}  # type: ignore[attr-defined]
    text = json.dumps(output, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"signed {purpose.value} written to {out}")


@app.command("test-key")
def issue_test_key(
    role: Annotated[Role, typer.Option(help="The person's role.", case_sensitive=False)],
    sub: Annotated[str, typer.Option(help="Their sign-in name, as in `ecopermit token --sub`.")],
    bin_: Annotated[
        str | None, typer.Option("--bin", help="The enterprise BIN, for --role applicant.")
    ] = None,
) -> None:
    """Print the path of a test signing key (PKCS#12) from the embedded stack's local test
    authority, issued for the person `ecopermit token` signs in; its password is
    "ecopermit-local". For the embedded stack only: production keys are NCA RK's.

    Example: ecopermit test-key --role applicant --sub aliya --bin 990340000123
    """
    from ecopermit.runtime.esign.embedded import embedded_authority
    from ecopermit.runtime.esign.local_authority import local_principal, person_of

    authority = embedded_authority(load_settings())
    if authority is None:
        console.print("[red]test keys exist on the embedded stack only; use your NCA RK key[/]")
        raise typer.Exit(2)
    try:
        person = person_of(local_principal(sub, role, bin_))
    except ValueError as error:
        console.print(f"[red]no test key for that person:[/] {error}")
        raise typer.Exit(2) from error
    print(authority.key_file(person))


@app.command("committee-test-key")
def issue_committee_test_key() -> None:
    """Print the path of the Committee's test seal key (PKCS#12, password "ecopermit-local"),
    which signs permit certificates on the embedded stack; the dev cluster takes it as the
    Secret ecopermit-committee-key. Production's is the Committee's own NCA RK key.

    Example: kubectl create secret generic ecopermit-committee-key
    --from-file=committee.p12=$(ecopermit committee-test-key)
    --from-literal=password=ecopermit-local
    """
    from ecopermit.runtime.esign.checks import authority_bin
    from ecopermit.runtime.esign.embedded import embedded_authority
    from ecopermit.runtime.esign.local_authority import committee_seal_holder

    settings = load_settings()
    authority = embedded_authority(settings)
    if authority is None:
        console.print("[red]test keys exist on the embedded stack only; use the Committee's key[/]")
        raise typer.Exit(2)
    print(authority.key_file(committee_seal_holder(authority_bin(settings))))


class Servable(enum.StrEnum):
    """What `ecopermit serve` can run: a gRPC service over its database, or the gateway."""

    APPLICANTS = "applicants"
    REVIEWS = "reviews"
    INSPECTIONS = "inspections"
    GATEWAY = "gateway"


@app.command()
def serve(
    what: Annotated[
        Servable, typer.Argument(help="Which service this process runs, or the HTTP gateway.")
    ],
    port: Annotated[
        int | None, typer.Option(help="Listen port (default from settings).", min=0, max=65535)
    ] = None,
    migrate: Annotated[
        bool | None,
        typer.Option(
            "--migrate/--no-migrate",
            help="Apply the service's migrations first (default: ECOPERMIT_AUTO_MIGRATE, on).",
        ),
    ] = None,
) -> None:
    """Run one gRPC service (health, reflection, its outbox relay), or the HTTP/JSON gateway,
    until SIGTERM.

    Examples: ecopermit serve applicants; ecopermit serve gateway --port 8080
    """
    if what is Servable.GATEWAY:
        _serve_gateway(port)
        return
    _serve_service(ServiceName(what.value), port, migrate)


def _serve_gateway(port: int | None) -> None:
    from ecopermit.runtime.telemetry import configure_telemetry
    from ecopermit.services.gateway.server import run_gateway

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    telemetry = configure_telemetry(settings, "gateway")
    try:
        asyncio.run(run_gateway(settings, port))
    finally:
        telemetry.shutdown()


def _serve_service(service: ServiceName, port: int | None, migrate: bool | None) -> None:
    from ecopermit.runtime import migrations
    from ecopermit.runtime.database import create_engine, session_factory
    from ecopermit.runtime.grpc.page_tokens import PageTokenSeal
    from ecopermit.runtime.grpc.server import serve_until_signalled, start_server
    from ecopermit.runtime.telemetry import configure_telemetry
    from ecopermit.runtime.tokens import TokenVerifier
    from ecopermit.services.registry import registrations, service_gauges, workflow_relay

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    if settings.auto_migrate if migrate is None else migrate:
        migrations.upgrade(service, settings)
    telemetry = configure_telemetry(settings, service.value)

    async def run() -> None:
        engine = create_engine(settings.database_url(service))
        sessions = session_factory(engine)
        relay = workflow_relay(service, sessions, settings)
        gauges = service_gauges(service, sessions, settings)
        background = [asyncio.create_task(relay.run())]
        background += [asyncio.create_task(gauge.run()) for gauge in gauges]
        running = await start_server(
            registrations(service, sessions, settings),
            host=settings.host,
            port=settings.listen_port(service) if port is None else port,
            verifier=TokenVerifier(settings),
            page_tokens=PageTokenSeal.from_settings(settings),
        )
        try:
            await serve_until_signalled(running, settings.shutdown_grace_seconds)
        finally:
            for task in background:
                task.cancel()
            await engine.dispose()

    try:
        asyncio.run(run())
    finally:
        telemetry.shutdown()


@app.command()
def worker() -> None:
    """Run the permit workflow worker until SIGTERM: PermitApplicationWorkflow and its activities.

    Needs Temporal (ECOPERMIT_TEMPORAL_ADDRESS) and the three services; serves gRPC health on
    ECOPERMIT_WORKER_PORT for probes.
    """
    from ecopermit.runtime.telemetry import configure_telemetry
    from ecopermit.workflows.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    telemetry = configure_telemetry(settings, "worker")
    try:
        asyncio.run(run_worker(settings))
    finally:
        telemetry.shutdown()


@app.command()
def migrate(
    service: Annotated[ServiceName, typer.Argument(help="Whose database to migrate.")],
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply a service's database migrations (the Kubernetes migration Job runs this)."""
    from ecopermit.runtime import migrations

    settings = load_settings()
    migrations.upgrade(service, settings, revision)
    console.print(f"{service.value}: at {migrations.current_revision(service, settings)}")


@app.command()
def demo(
    day_seconds: Annotated[
        float,
        typer.Option(help="Real seconds per statutory day on the demo calendar.", min=0.001),
    ] = 0.25,
    stall_timeout: Annotated[
        float,
        typer.Option(
            help="Give up when no application has moved for this many seconds (a busy "
            "machine is slow, not stuck: there is no limit on the whole run).",
            min=1,
        ),
    ] = 300,
    output: Annotated[
        Path | None, typer.Option(help="Where to write the results as JSON (default var/).")
    ] = None,
) -> None:
    """The main job: the 22 pending applications carried to decisions.

    Starts the stack on the demo calendar unless one is running, submits the data set, and lets
    scripted reviewers, a BAT expert, an inspector, decision makers and the public act through
    the public API. Ends with a table and a JSON file; exit code 0 only if every application
    reached a decision.
    """
    from ecopermit.demo.run import run_demo
    from ecopermit.runtime.telemetry import configure_telemetry

    settings = load_settings()
    telemetry = configure_telemetry(settings, "demo")
    results = output if output is not None else settings.data_dir / "demo-results.json"
    try:
        code = asyncio.run(run_demo(settings, console_out, day_seconds, stall_timeout, results))
    finally:
        telemetry.shutdown()
    raise typer.Exit(code)


@app.command()
def bench(
    n: Annotated[
        int, typer.Option("--n", help="Applications carried to decisions in each run.", min=1)
    ] = 1000,
    day_seconds: Annotated[
        float, typer.Option(help="Real seconds per statutory day in the runs.", min=0.001)
    ] = 0.5,
    requests: Annotated[
        int, typer.Option(help="Requests per method in the gRPC comparison.", min=1)
    ] = 2000,
    concurrency: Annotated[
        int, typer.Option(help="Requests in flight at once in the gRPC comparison.", min=1)
    ] = 16,
    lag_samples: Annotated[
        int, typer.Option(help="Completed tasks timed for the visibility lag.", min=1)
    ] = 50,
    upload_mib: Annotated[
        int,
        typer.Option(
            help="MiB of the document streamed through the gateway for its memory.", min=1
        ),
    ] = 20,
    signatures: Annotated[
        int, typer.Option(help="Signatures verified for the verification cost.", min=1)
    ] = 50,
    span_file_mib: Annotated[
        int, typer.Option(help="MiB of spans the ops pages are measured over.", min=1)
    ] = 100,
    stall_timeout: Annotated[
        float,
        typer.Option(
            help="Give up a pipeline run when no application has moved for this many seconds.",
            min=1,
        ),
    ] = 300,
    output_dir: Annotated[
        Path | None, typer.Option(help="Where bench.json and bench.md go (default var/bench).")
    ] = None,
) -> None:
    """Benchmarks, each beside a baseline measured in the same run, on fresh stacks on loopback.

    1. N applications carried to decisions through the public API, against bare Temporal
       workflows with the same counts of activities, timers and updates.
    2. SubmitApplication and GetApplication against a bare gRPC echo server.
    3. The lag from CompleteTask returning to the new stage showing.
    4. Run 1 again with no span exported.
    5. The gateway's memory while one large document streams through its upload route,
       against its own size just before.
    6. One ЭЦП verified as the services verify it, against a bare RSA verification.
    7. The ops pages over a span file of --span-file-mib, against reading it whole per request.
    8. The ops dashboard page over run 1's applications, against listing them all.

    Writes bench.json and bench.md. At the default 1000 on two cores this takes about 70
    minutes; try --n 100 first. A running `ecopermit up` is neither used nor disturbed.
    """
    from ecopermit.bench.run import BenchOptions, run_bench

    settings = load_settings()
    options = BenchOptions(
        applications=n,
        day_seconds=day_seconds,
        requests=requests,
        concurrency=concurrency,
        lag_samples=lag_samples,
        upload_mib=upload_mib,
        signatures=signatures,
        span_file_mib=span_file_mib,
        stall_seconds=stall_timeout,
    )
    report = asyncio.run(run_bench(options, console))
    directory = output_dir if output_dir is not None else settings.data_dir / "bench"
    as_json, as_markdown = report.write(directory)
    console_out.print(report.to_markdown())
    console.print(f"Results: {as_json} and {as_markdown}")


@app.command("codec-server")
def codec_server(
    port: Annotated[
        int | None, typer.Option(help="Port (default ECOPERMIT_CODEC_SERVER_PORT, 8089).")
    ] = None,
) -> None:
    """Decode the encrypted workflow payloads for ops, as Temporal's remote codec.

    Set it as the codec endpoint in the Temporal Web UI, or pass it to the CLI:
    temporal workflow show -w ID --codec-endpoint http://127.0.0.1:8089
    --codec-auth "Bearer $(ecopermit token --role ops --sub me)". Only ops tokens are served.
    """
    import uvicorn

    from ecopermit.codec_server import create_codec_app

    settings = load_settings()
    chosen = port if port is not None else settings.codec_server_port
    console.print(f"Codec endpoint: http://{settings.host}:{chosen} (ops tokens only)")
    uvicorn.run(create_codec_app(settings), host=settings.host, port=chosen, log_level="warning")


@app.command()
def traces(
    application: Annotated[
        str | None,
        typer.Argument(help="An application id; without it, the most recent traces."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="The span file (default: ECOPERMIT_TRACES_FILE, or var/traces.jsonl)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many recent traces to list.", min=1)] = 20,
) -> None:
    """Show an application's traces as timing waterfalls in the terminal.

    Every span of the submission's trace and of each later one (a task completed, an
    inspection recorded), read from the embedded stack's span file. Example:
    ecopermit traces 6f1c3e0a-5b2d-4c41-9a57-0e6b8f3d2a10
    """
    from rich.console import Console as Output

    from ecopermit.trace_view import show

    path = file if file is not None else load_settings().traces_path()
    raise typer.Exit(show(Output(), path, application, limit))


@app.command()
def up() -> None:
    """Start the embedded stack on loopback: Temporal dev server, the services, the worker and
    the gateway.

    Waits until each is healthy, prints where to look, restarts a component that exits (one
    that exits more than five times in a minute stops everything, exit code 1), and stops
    everything on Ctrl-C.
    Data lives under ECOPERMIT_DATA_DIR (default ./var), so a restart resumes where it stopped.
    """
    from ecopermit.stack import run_stack

    raise typer.Exit(asyncio.run(run_stack(load_settings(), console)))


@app.command()
def procedure(
    version: Annotated[
        str | None,
        typer.Argument(
            help="A rules version, e.g. kep-2026.2; without it, the one in force today."
        ),
    ] = None,
) -> None:
    """Print the rules of procedure as a table: each stage, who acts, its term and the term's
    legal source with its confidence tag (✔ read, ◐ secondary, ? not read, internal target).

    The README's procedure table is this output. Example: ecopermit procedure kep-2026.2
    """
    from datetime import date

    from ecopermit.workflows.procedure_table import markdown
    from ecopermit.workflows.rules_of_procedure import (
        LEGACY_WORKFLOW,
        RulesError,
        procedure_versions,
        version_in_force,
    )
    from ecopermit.workflows.statutory_rules import statutory_rules

    try:
        chosen = version_in_force(date.today()).version if version is None else version
        known = procedure_versions()
        if chosen not in known:
            raise RulesError(f"no rules of procedure {chosen!r}; known: {', '.join(known)}")
        if known[chosen].workflow == LEGACY_WORKFLOW:
            raise RulesError(f"{chosen} predates the statute's sequence; see its rules file")
        console_out.print(markdown(statutory_rules(chosen)), end="", markup=False, soft_wrap=True)
    except RulesError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from error
