"""A guided tour of null-versus-unset, runnable anywhere: ``python -m klaviyo_profiles.demo``.

With no arguments it starts the embedded sandbox on a loopback port (no API key, no network)
and shows, step by step: a create (201), an update (200), a field cleared with ``None``, a field
left unchanged by leaving it out, reading the profile back after each step. With
``--base-url URL`` and ``$KLAVIYO_API_KEY`` it runs the same steps against that server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
from klaviyo_profile_import import facts

from .auth import API_KEY_ENV
from .client import KlaviyoProfiles
from .errors import KlaviyoError
from .extras import MissingExtraError, require_extra

__all__ = ["main", "run_demo"]

_DEMO_KEY = "pk_sandbox_demo_key_0000000000"
_SHOWN = ("email", "first_name", "last_name", "location", "properties")


@contextlib.contextmanager
def _target(base_url: str | None) -> Iterator[tuple[str, str]]:
    if base_url is not None:
        key = os.environ.get(API_KEY_ENV)
        if not key:
            raise SystemExit(f"--base-url needs an API key in ${API_KEY_ENV}")
        yield base_url, key
        return
    require_extra("sandbox", "the demo on the embedded sandbox (no --base-url)")
    from .sandbox import Sandbox

    with Sandbox() as sandbox:
        yield sandbox.base_url, _DEMO_KEY


def _read_back(base_url: str, key: str, profile_id: str | None) -> dict[str, Any]:
    response = httpx.get(
        f"{base_url}/api/profiles/{profile_id}",
        headers={
            "Authorization": f"Klaviyo-API-Key {key}",
            "revision": facts.REVISION,
            "accept": facts.MEDIA_TYPE,
        },
        timeout=10.0,
    )
    response.raise_for_status()
    attributes: dict[str, Any] = response.json()["data"]["attributes"]
    return {name: attributes.get(name) for name in _SHOWN}


def run_demo(
    base_url: str | None = None, out: Any = None, *, allow_insecure_http: bool = False
) -> int:
    """Run the tour, printing to ``out`` (default stdout); returns an exit status."""
    out = out or sys.stdout

    def say(text: str = "") -> None:
        print(text, file=out)

    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "Create: the email matches no profile yet",
            {
                "email": "ada@example.com",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "location": {"city": "London", "country": "United Kingdom"},
                "properties": {"plan": "pro"},
            },
        ),
        (
            "Update: only the city changes; the country stays",
            {"email": "ada@example.com", "location": {"city": "Paris"}},
        ),
        ("Clear: last_name=None sends null", {"email": "ada@example.com", "last_name": None}),
        (
            "Leave alone: first_name is not given, so it keeps its value",
            {"email": "ada@example.com", "properties": {"plan": "enterprise"}},
        ),
    ]
    with _target(base_url) as (url, key):
        where = "the embedded sandbox" if base_url is None else url
        say(f"klaviyo-profiles demo: revision {facts.REVISION} on {where}")
        with KlaviyoProfiles(
            api_key=key, base_url=url, allow_insecure_http=allow_insecure_http
        ) as client:
            for number, (title, arguments) in enumerate(steps, start=1):
                say()
                say(f"{number}. {title}")
                say(f"   create_or_update_profile({_call(arguments)})")
                try:
                    result = client.create_or_update_profile(**arguments)
                except KlaviyoError as exc:
                    say(f"   failed: {exc}")
                    return 1
                verb = "created" if result.created else "updated"
                say(f"   -> {result.status_code} {verb}, id {result.profile_id}")
                stored = _read_back(url, key, result.profile_id)
                say("   stored: " + json.dumps(stored, ensure_ascii=False))
    return 0


def _call(arguments: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in arguments.items())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m klaviyo_profiles.demo``."""
    parser = argparse.ArgumentParser(prog="python -m klaviyo_profiles.demo", description=__doc__)
    parser.add_argument("--base-url", help=f"run against this server with ${API_KEY_ENV}")
    args = parser.parse_args(argv)
    try:
        return run_demo(args.base_url)
    except MissingExtraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
