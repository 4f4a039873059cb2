"""Serving the sandbox: in a background thread (``Sandbox``) or in the foreground (``serve``)."""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import uvicorn
from klaviyo_profile_import import facts
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..pacing import reset_pacing
from .app import create_app
from .bulk_routes import job_view
from .config import (
    BULK_OPERATIONS,
    SINGLE_OPERATION,
    BulkJobConfig,
    FaultConfig,
    FaultStep,
    RateLimitConfig,
    SandboxConfig,
    faults_from,
    jobs_from,
    rate_limits_from,
)
from .state import SandboxState

#: Scopes of a key given with ``--api-key KEY`` alone: reading profiles back, and every
#: operation of the spec (bulk import jobs need the lists scopes too).
ALL_SCOPES: tuple[str, ...] = tuple(
    dict.fromkeys(
        ("profiles:read", *(scope for op in facts.OPERATIONS.values() for scope in op.scopes))
    )
)

_STARTUP_TIMEOUT = 10.0
_SHUTDOWN_TIMEOUT = 10.0


def _protocol_for(state: SandboxState) -> type[H11Protocol]:
    """uvicorn's h11 protocol, also recording each open connection in ``state`` so that a
    route can close its own connection without sending a response (a dropped connection)."""

    class _TrackingH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            peer = transport.get_extra_info("peername")
            if isinstance(peer, tuple) and len(peer) >= 2:
                state.connections[(str(peer[0]), int(peer[1]))] = transport
                self._sandbox_peer: tuple[str, int] | None = (str(peer[0]), int(peer[1]))
            else:
                self._sandbox_peer = None

        def connection_lost(self, exc: Exception | None) -> None:
            if self._sandbox_peer is not None:
                state.connections.pop(self._sandbox_peer, None)
            super().connection_lost(exc)

    return _TrackingH11Protocol


def _uvicorn_config(app: Starlette, state: SandboxState, **options: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        http=_protocol_for(state),
        lifespan="off",
        # Client addresses must be the real ones, which a dropped connection is looked up by.
        proxy_headers=False,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=2,
        **options,
    )


class Sandbox:
    """A sandbox served by uvicorn on ``127.0.0.1`` in a background thread.

    >>> with Sandbox() as sb:                                    # doctest: +SKIP
    ...     httpx.post(f"{sb.base_url}/api/profile-import", ...)

    ``port=0`` picks a free port. The methods mirror the admin surface under ``/sandbox/`` and
    act on the running sandbox directly, from any thread.
    """

    def __init__(self, config: SandboxConfig | None = None, *, port: int = 0) -> None:
        self.app = create_app(config)
        self.state: SandboxState = self.app.state.sandbox
        self._requested_port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # ---- lifecycle

    def start(self) -> Sandbox:
        """Bind, start serving and return once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("this sandbox is already running")
        self.state.jobs.reopen()
        # uvicorn binds the socket itself: handing it a pre-bound socket costs ~40 ms a request.
        server = uvicorn.Server(
            _uvicorn_config(self.app, self.state, host="127.0.0.1", port=self._requested_port)
        )
        self._server = server
        self._thread = threading.Thread(target=server.run, name="klaviyo-sandbox", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.005)
        self._port = int(server.servers[0].sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        """Stop serving and wait for the server thread to end."""
        self.state.jobs.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(_SHUTDOWN_TIMEOUT)
        self._server = None
        self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port being served."""
        if self._port is None:
            raise RuntimeError("the sandbox is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    # ---- the admin surface, in Python

    @property
    def config(self) -> SandboxConfig:
        """The configuration in force."""
        return self.state.config

    def profiles(self) -> list[dict[str, Any]]:
        """Every stored profile, as ``GET /sandbox/profiles`` lists them (bulk import jobs
        brought up to now first)."""
        self.state.jobs.advance()
        return [profile.to_dict() for profile in self.state.store.all()]

    def jobs(self) -> list[dict[str, Any]]:
        """Every bulk import job as of now, oldest first, as ``GET /sandbox/jobs`` lists them:
        ``id``, the job attributes (``status``, ``total_count``, ``completed_count``...) and
        ``lists``."""
        return [job.to_dict() for job in self.state.jobs.all()]

    def job(self, job_id: str) -> dict[str, Any] | None:
        """One job as of now with its import errors (``errors``: ``index``, ``code``,
        ``detail``, ``pointer``, ``original_payload``...), or ``None`` for an unknown id."""
        return job_view(self.state, job_id)

    def cancel_job(self, job_id: str) -> dict[str, Any] | None:
        """End a job now as ``cancelled`` (profiles done so far stay done); ``None`` for an
        unknown id."""
        job = self.state.jobs.cancel(job_id)
        return job.to_dict() if job is not None else None

    def finish_jobs(self) -> None:
        """Run every job to its end now, whatever the configured speed."""
        self.state.jobs.finish()

    def set_jobs(self, jobs: BulkJobConfig | None = None, **changes: Any) -> BulkJobConfig:
        """Switch how jobs run: a whole ``BulkJobConfig``, or changes to the current one
        (``queue_delay``, ``profiles_per_second``, ``concurrency``, ``cancel_after``,
        ``expires_after``, ``item_limit``, ``payload_limit_bytes``,
        ``item_payload_limit_bytes``). Jobs under way go on at the new speed."""
        base = jobs or self.state.config.jobs
        return self.state.update({"jobs": jobs_from(changes, base).to_dict()}).jobs

    def requests(self) -> list[dict[str, Any]]:
        """The log of requests to the Klaviyo routes (API keys left out), oldest first."""
        return self.state.requests()

    def reset(self) -> None:
        """Forget profiles, log and counters, and go back to the starting configuration; the
        client-side pacing of this process for ``base_url`` is forgotten too (see
        :func:`klaviyo_profiles.pacing.reset_pacing`), so clients start with fresh windows
        on both sides."""
        self.state.reset()
        if self._port is not None:
            reset_pacing(self.base_url)

    def set_faults(self, faults: FaultConfig | None = None, **changes: Any) -> FaultConfig:
        """Switch faults: a whole ``FaultConfig``, or changes to the current one
        (``seed``, ``error_rate``, ``error_statuses``, ``drop_rate``,
        ``drop_after_commit_rate``, ``cancel_rate``, ``latency``, ``script`` with steps such as
        ``503``, ``"drop"``, ``"drop_after_commit"``, ``"cancel"``, ``"pass"``, and
        ``operations``: the operation ids that draw faults, all when empty)."""
        base = faults or self.state.config.faults
        return self.state.update({"faults": faults_from(changes, base).to_dict()}).faults

    def set_rate_limits(
        self,
        limits: RateLimitConfig | None = None,
        *,
        operation: str = SINGLE_OPERATION,
        **changes: Any,
    ) -> RateLimitConfig:
        """Switch one operation's rate limits (Create or Update Profile unless ``operation``
        names another of ``facts.OPERATIONS``): a whole ``RateLimitConfig``, or changes to the
        current one (``burst_limit``, ``burst_period``, ``steady_limit``, ``steady_period``,
        ``enabled``)."""
        base = limits or self.state.config.rate_limits_for(operation)
        new = rate_limits_from(changes, base)
        if operation == SINGLE_OPERATION:
            return self.state.update({"rate_limits": new.to_dict()}).rate_limits
        update = {"operation_rate_limits": {operation: new.to_dict()}}
        return self.state.update(update).rate_limits_for(operation)

    def set_revisions(self, revisions: Sequence[str] | None) -> None:
        """Serve these revisions from now on (``None``: the default, see ``SandboxConfig``)."""
        self.state.update({"revisions": None if revisions is None else list(revisions)})


def serve(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 8080
) -> None:
    """Serve a sandbox in the foreground until interrupted (Ctrl-C)."""
    app = create_app(config)
    state: SandboxState = app.state.sandbox
    uvicorn.Server(_uvicorn_config(app, state, host=host, port=port)).run()


def _script_step(text: str) -> FaultStep:
    return int(text) if text.isdigit() else text


class _DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends a default only when it says something: an option whose default is ``None``
    says in its help what happens without it, and a flag is off unless given."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    """Options of ``python -m klaviyo_profiles.sandbox`` (also used by the command line)."""
    parser = argparse.ArgumentParser(
        prog="python -m klaviyo_profiles.sandbox",
        description="Serve a local stand-in for Klaviyo's Create or Update Profile endpoint "
        "and its bulk profile import jobs.",
        formatter_class=_DefaultsHelpFormatter,
    )
    limits = RateLimitConfig()
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=8080, help="port to serve on")
    parser.add_argument(
        "--revision",
        action="append",
        dest="revisions",
        metavar="YYYY-MM-DD",
        help=f"revision to serve, and only those given (repeatable; default {facts.REVISION} "
        "and any later one up to today, with its schema)",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY[=SCOPE,...]",
        help="accept only these keys, with these scopes (default: any key, every scope)",
    )
    parser.add_argument("--burst", type=int, default=limits.burst_limit, help="burst limit")
    parser.add_argument(
        "--burst-period",
        type=float,
        default=limits.burst_period,
        help="seconds of the burst window",
    )
    parser.add_argument("--steady", type=int, default=limits.steady_limit, help="steady limit")
    parser.add_argument(
        "--steady-period",
        type=float,
        default=limits.steady_period,
        help="seconds of the steady window",
    )
    parser.add_argument("--no-rate-limits", action="store_true", help="turn every rate limit off")
    bulk = facts.OPERATIONS.get(BULK_OPERATIONS[0]) if BULK_OPERATIONS else None
    spec_windows = (
        f"{bulk.burst_limit}/{bulk.burst_period_seconds}s and "
        f"{bulk.steady_limit}/{bulk.steady_period_seconds}s"
        if bulk is not None
        else "none"
    )
    parser.add_argument(
        "--bulk-burst",
        type=int,
        default=None,
        help=f"burst limit of each bulk import operation (default: the spec's, {spec_windows})",
    )
    parser.add_argument(
        "--bulk-burst-period",
        type=float,
        default=None,
        help="seconds of that burst window (default: the spec's)",
    )
    parser.add_argument(
        "--bulk-steady",
        type=int,
        default=None,
        help="steady limit of each bulk import operation (default: the spec's)",
    )
    parser.add_argument(
        "--bulk-steady-period",
        type=float,
        default=None,
        help="seconds of that steady window (default: the spec's)",
    )
    parser.add_argument(
        "--no-bulk-rate-limits",
        action="store_true",
        help="turn the bulk import operations' rate limits off",
    )
    jobs = BulkJobConfig()
    parser.add_argument(
        "--job-queue-delay",
        type=float,
        default=jobs.queue_delay,
        metavar="SECONDS",
        help="seconds a bulk import job stays queued before it may start",
    )
    parser.add_argument(
        "--job-speed",
        type=float,
        default=jobs.profiles_per_second,
        metavar="PROFILES_PER_SECOND",
        help="profiles a bulk import job processes per second",
    )
    parser.add_argument(
        "--job-concurrency",
        type=int,
        default=jobs.concurrency,
        metavar="N",
        help="bulk import jobs processed at once (later ones wait, queued)",
    )
    parser.add_argument(
        "--job-cancel-after",
        type=float,
        default=jobs.cancel_after,
        metavar="FRACTION",
        help="share of a job processed before a cancel fault ends it cancelled",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of injected faults")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of 5xx answers")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of dropped requests")
    parser.add_argument(
        "--cancel-rate", type=float, default=0.0, help="share of bulk import jobs cancelled"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument(
        "--fault-operation",
        action="append",
        dest="fault_operations",
        metavar="OPERATION_ID",
        help=f"only these operations draw faults (repeatable; default all: "
        f"{', '.join(facts.OPERATIONS)})",
    )
    parser.add_argument(
        "--fault-script",
        default="",
        metavar="STEP,...",
        help="faults for the first requests, e.g. 503,drop,pass,drop_after_commit",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """The ``SandboxConfig`` that parsed command-line options describe."""
    api_keys: dict[str, tuple[str, ...]] | None = None
    if args.api_keys:
        api_keys = {}
        for item in args.api_keys:
            key, _, scopes = item.partition("=")
            api_keys[key] = tuple(s for s in scopes.split(",") if s) if scopes else ALL_SCOPES
    script = tuple(_script_step(s.strip()) for s in args.fault_script.split(",") if s.strip())
    bulk_changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("burst_limit", args.bulk_burst),
            ("burst_period", args.bulk_burst_period),
            ("steady_limit", args.bulk_steady),
            ("steady_period", args.bulk_steady_period),
        )
        if value is not None
    }
    if args.no_rate_limits or args.no_bulk_rate_limits:
        bulk_changes["enabled"] = False
    return SandboxConfig(
        revisions=tuple(args.revisions) if args.revisions else None,
        api_keys=api_keys,
        rate_limits=RateLimitConfig(
            burst_limit=args.burst,
            burst_period=args.burst_period,
            steady_limit=args.steady,
            steady_period=args.steady_period,
            enabled=not args.no_rate_limits,
        ),
        operation_rate_limits={
            name: rate_limits_from(bulk_changes, RateLimitConfig.for_operation(name))
            for name in BULK_OPERATIONS
        },
        faults=FaultConfig(
            seed=args.seed,
            error_rate=args.error_rate,
            drop_rate=args.drop_rate,
            cancel_rate=args.cancel_rate,
            latency=args.latency,
            script=script,
            operations=tuple(args.fault_operations or ()),
        ),
        jobs=BulkJobConfig(
            queue_delay=args.job_queue_delay,
            profiles_per_second=args.job_speed,
            concurrency=args.job_concurrency,
            cancel_after=args.job_cancel_after,
        ),
    )


def cli_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m klaviyo_profiles.sandbox``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    print(
        f"Klaviyo sandbox (revision {config.revisions_text()}) on "
        f"http://{args.host}:{args.port}  -  admin: /sandbox/  -  Ctrl-C stops",
        flush=True,
    )
    serve(config, host=args.host, port=args.port)
    return 0
