"""A guided tour of null-versus-unset, runnable anywhere: ``python -m klaviyo_profiles.demo``.

With no arguments it starts the embedded sandbox on a loopback port (no API key, no network)
and shows, step by step: a create (201), an update (200), a field cleared with ``None``, a field
left unchanged by leaving it out, reading the profile back after each step. Then the traps:
a bulk import job leaves a field given as null unchanged, so ``create_or_update_profiles``
sends such a row one by one (the rest in a job); and an error the API answers is typed, with a
pointer to the field at fault. With ``--base-url URL`` and ``$KLAVIYO_API_KEY`` it runs the
same steps against that server.
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

from ._generated import bulk_jobs_available
from .auth import API_KEY_ENV
from .bulk import BULK_OPERATION
from .client import KlaviyoProfiles
from .errors import APIStatusError, InvalidInputError, KlaviyoError
from .extras import MissingExtraError, require_extra
from .settings import check_base_url

__all__ = ["main", "run_demo"]

_DEMO_KEY = "pk_sandbox_demo_key_0000000000"
_SHOWN = ("email", "first_name", "last_name", "location", "properties")
_EMAIL = "ada@example.com"


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
        # Jobs start at once on the embedded sandbox, so the tour takes a second or two.
        sandbox.set_jobs(queue_delay=0.0)
        yield sandbox.base_url, _DEMO_KEY


def _headers(key: str) -> dict[str, str]:
    return {
        "Authorization": f"Klaviyo-API-Key {key}",
        "revision": facts.REVISION,
        "accept": facts.MEDIA_TYPE,
        "content-type": facts.MEDIA_TYPE,
    }


def _read_back(base_url: str, key: str, profile_id: str | None) -> dict[str, Any]:
    response = httpx.get(
        f"{base_url}/api/profiles/{profile_id}", headers=_headers(key), timeout=10.0
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
    if base_url is not None:
        # Checked before anything is shown: the banner names the server, and a URL the client
        # refuses (credentials in it, a query, plain http off loopback) is never printed.
        base_url = check_base_url(base_url, allow_insecure_http)
        # The email may already name a profile there (an earlier run of the tour).
        steps[0] = ("Create or update: 201 if the email matches no profile yet", steps[0][1])
    with (
        _target(base_url) as (url, key),
        KlaviyoProfiles(
            api_key=key, base_url=url, allow_insecure_http=allow_insecure_http
        ) as client,
    ):
        where = "the embedded sandbox" if base_url is None else url
        say(f"klaviyo-profiles demo: revision {facts.REVISION} on {where}")
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
            if number == 1 and not result.created:
                verb += " (the email already named a profile there)"
            say(f"   -> {result.status_code} {verb}, id {result.profile_id}")
            stored = _read_back(url, key, result.profile_id)
            say("   stored: " + json.dumps(stored, ensure_ascii=False))
        profile_id = result.profile_id
        traps = _Traps(client, url, key, profile_id, say, fast=base_url is None)
        return traps.run(len(steps) + 1)
    return 0


class _Traps:
    """The steps after the tour: what a job does with a null, how the many-profile call
    routes such a row, and what a typed error tells."""

    def __init__(
        self,
        client: KlaviyoProfiles,
        url: str,
        key: str,
        profile_id: str | None,
        say: Any,
        *,
        fast: bool,
    ) -> None:
        self.client, self.url, self.key, self.profile_id = client, url, key, profile_id
        self.say = say
        # The embedded sandbox finishes a job at once; a real account takes seconds or more.
        self.poll_interval = 0.05 if fast else 1.0

    def run(self, number: int) -> int:
        if bulk_jobs_available():
            if not self.job_ignores_a_null(number) or not self.routed_one_by_one(number + 1):
                return 1
            number += 2
        else:
            self.say()
            self.say(f"   (revision {facts.REVISION} has no bulk import jobs: their steps skipped)")
        return 0 if self.typed_error(number) else 1

    def show_stored(self) -> None:
        stored = _read_back(self.url, self.key, self.profile_id)
        self.say("   stored: " + json.dumps(stored, ensure_ascii=False))

    def job_ignores_a_null(self, number: int) -> bool:
        say = self.say
        row: dict[str, Any] = {
            "email": _EMAIL,
            "first_name": None,
            "properties": {"source": "bulk job"},
        }
        say()
        say(f"{number}. A bulk import job leaves a null unchanged: first_name=None in a job")
        say(f"   bulk_import_profiles([{row!r}])")
        try:
            self.client.bulk_import_profiles([row])
        except InvalidInputError as exc:  # refused before sending, which is the point
            say(f"   -> refused before sending, {type(exc).__name__}: {exc}")
        operation = facts.OPERATIONS[BULK_OPERATION]
        say(f"   the same row as a raw job request: POST {operation.path}")
        document = {
            "data": {
                "type": operation.resource_type,
                "attributes": {"profiles": {"data": [{"type": "profile", "attributes": row}]}},
            }
        }
        try:
            response = httpx.post(
                self.url + operation.path, headers=_headers(self.key), json=document, timeout=10.0
            )
            response.raise_for_status()
            job_id = str(response.json()["data"]["id"])
            job = self.client.wait_for_bulk_import_profiles_job(
                job_id, poll_interval=self.poll_interval, job_timeout=300
            )
        except (httpx.HTTPError, KlaviyoError, KeyError, ValueError) as exc:
            say(f"   failed: {type(exc).__name__}: {exc}")
            return False
        say(f"   -> job {job.status}: the property was set, first_name kept its value")
        self.show_stored()
        return True

    def routed_one_by_one(self, number: int) -> bool:
        say = self.say
        rows: list[dict[str, Any]] = [
            {"email": "grace@example.com", "first_name": "Grace"},
            {"email": _EMAIL, "first_name": None},
        ]
        say()
        say(f"{number}. create_or_update_profiles sends the row with a null one by one")
        say(f"   create_or_update_profiles({rows!r}, via='bulk')")
        outcomes = self.client.create_or_update_profiles(
            rows, via="bulk", poll_interval=self.poll_interval, job_timeout=300
        )
        for outcome in outcomes:
            if not outcome.ok:
                say(f"   failed: row {outcome.index}: {outcome.error}")
                return False
            if outcome.via == "bulk":
                say(f"   -> row {outcome.index}: in bulk import job {outcome.job_id}")
            elif outcome.result is not None:
                say(
                    f"   -> row {outcome.index}: one by one (Create or Update Profile), "
                    f"{outcome.result.status_code}: first_name cleared"
                )
        self.show_stored()
        return True

    def typed_error(self, number: int) -> bool:
        say = self.say
        say()
        say(f"{number}. An error the API answers is typed, and points at the field")
        say("   create_or_update_profile(email='not-an-email')")
        try:
            self.client.create_or_update_profile(email="not-an-email")
        except APIStatusError as exc:
            say(f"   -> {type(exc).__name__} (status_code {exc.status_code})")
            for error in exc.errors:
                say(f"   -> error.code {error.code!r}, error.pointer {error.pointer!r}")
                say(f"      error.detail {error.detail!r}")
            return True
        except KlaviyoError as exc:
            say(f"   failed: {exc}")
            return False
        say("   failed: the server accepted an invalid email")
        return False


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
    except InvalidInputError as exc:  # the URL; it is never shown
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
