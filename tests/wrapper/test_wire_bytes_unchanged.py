"""The bytes a fixed set of calls puts on the wire, and the errors a fixed set of inputs and
answers raises, are exactly those recorded in ``wire_bytes.json``.

Work on speed (request building, header merging, response parsing, lazy imports) must not
change what is sent or raised: every call below goes over real HTTP on loopback to a server
that keeps each request as it arrived (request line, headers in order, body), and the
recording is compared whole. The only header left out is ``Host``, which names the server's
port. Errors are compared by class and message.

The recording is regenerated, only when the wire format is meant to change, with
``python tests/wrapper/test_wire_bytes_unchanged.py > tests/wrapper/wire_bytes.json``.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from klaviyo_profiles import AsyncKlaviyoProfiles, KlaviyoError, KlaviyoProfiles, ProfileResult

RECORDING = Path(__file__).with_name("wire_bytes.json")
API_KEY = "pk_wire_0123456789abcdef0123"
#: Left out of the comparison: it names the loopback port, which changes from run to run.
VOLATILE = ("host",)

PROFILE = {
    "data": {
        "type": "profile",
        "id": "01JWIREPROFILE000000000000",
        "attributes": {"email": "ada@example.com", "first_name": "Ada"},
        "links": {"self": "http://127.0.0.1/api/profiles/01JWIREPROFILE000000000000/"},
    }
}
JOB = {
    "data": {
        "type": "profile-bulk-import-job",
        "id": "job-wire-1",
        "attributes": {
            "status": "complete",
            "total_count": 2,
            "completed_count": 1,
            "failed_count": 1,
            "created_at": "2026-11-29T06:00:00Z",
        },
    }
}
ERRORS_PAGE = {
    "data": [
        {
            "type": "import-error",
            "id": "err-1",
            "attributes": {
                "code": "invalid",
                "title": "Invalid input.",
                "detail": "The email is not valid.",
                "source": {"pointer": "/data/attributes/profiles/data/1/attributes/email"},
                "original_payload": {"email": "bad"},
            },
        }
    ],
    "links": {"self": "http://127.0.0.1/api/profile-bulk-import-jobs/job-wire-1/import-errors"},
}
RATE_HEADERS = {"RateLimit-Limit": "750", "RateLimit-Remaining": "749", "RateLimit-Reset": "59"}


def _answer(status: int, document: Any, headers: dict[str, str] | None = None) -> bytes:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    reason = {200: "OK", 201: "Created", 202: "Accepted"}.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/vnd.api+json"]
    lines += [f"{name}: {value}" for name, value in {**RATE_HEADERS, **(headers or {})}.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _default_answer(request_line: str) -> bytes:
    if request_line.startswith("POST /api/profile-import"):
        return _answer(201, PROFILE)
    if request_line.startswith("POST /api/profile-bulk-import-jobs"):
        return _answer(202, {"data": {**JOB["data"], "attributes": {"status": "queued"}}})
    if "/import-errors" in request_line:
        return _answer(200, ERRORS_PAGE)
    return _answer(200, JOB)


class RawServer:
    """A loopback HTTP/1.1 server that keeps every request's bytes as they arrived and
    answers each from a script (by default: what the endpoint it names answers)."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.script: list[bytes] = []
        self._lock = threading.Lock()
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        buffer = b""
        with connection:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    buffer += connection.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                with self._lock:
                    self.requests.append(head + b"\r\n\r\n" + body)
                    answer = (
                        self.script.pop(0)
                        if self.script
                        else _default_answer(head.split(b"\r\n")[0].decode())
                    )
                connection.sendall(answer)

    def close(self) -> None:
        self._socket.close()


def _shown(raw: bytes) -> dict[str, Any]:
    """One request as the recording keeps it: request line, headers in order (but the
    volatile ones), body as text."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [line for line in lines[1:] if line.partition(":")[0].strip().lower() not in VOLATILE]
    return {"request": lines[0], "headers": headers, "body": body.decode("utf-8")}


def _error(call: Callable[[], Any]) -> dict[str, Any]:
    """The error ``call`` raises, or what it returns (as its repr, and a result's typed
    profile and attributes too, which are parsed from the answer)."""
    try:
        value = call()
    except (KlaviyoError, ValueError) as exc:
        found = {"error": type(exc).__name__, "message": str(exc)}
        for name in ("status_code", "retry_after", "errors"):
            if hasattr(exc, name):
                found[name] = _stable(repr(getattr(exc, name)))
        return found
    shown = [repr(value)]
    if isinstance(value, ProfileResult):
        shown += [repr(value.profile), repr(value.attributes)]
    return {"error": None, "result": [_stable(text) for text in shown]}


def _stable(text: str) -> str:
    # A default repr names the object's address, which changes from run to run.
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)


def _sync_calls(server: RawServer) -> Iterator[tuple[str, Callable[[], Any]]]:
    client = KlaviyoProfiles(
        api_key=API_KEY, base_url=server.base_url, retry_policy=None, rate_limits=False
    )
    tagged = client.with_options(default_headers={"X-Team": "growth"}, timeout=12)
    yield (
        "keywords, nulls at every depth, non-ASCII",
        lambda: client.create_or_update_profile(
            email="zoë@example.com",
            first_name="Zoë",
            last_name=None,
            phone_number="+15005550006",
            kx="kx-token",
            location={"city": "Zürich", "region": None, "latitude": 47.37},
            properties={"plan": "pro", "score": 1.5, "tags": ["a", "ü"], "gone": None},
        ),
    )
    yield (
        "body= passed through",
        lambda: client.create_or_update_profile(
            body={
                "data": {
                    "type": "profile",
                    "attributes": {"email": "ada@example.com", "title": None},
                    "meta": {"patch_properties": {"append": {"tags": "new"}}},
                }
            }
        ),
    )
    yield (
        "query parameters, extra headers",
        lambda: client.create_or_update_profile(
            email="ada@example.com",
            additional_fields=["subscriptions", "predictive_analytics"],
            extra_headers={"X-Request-Id": "abc-123"},
        ),
    )
    yield ("nulls omitted", lambda: client.create_or_update_profile(
        email="ada@example.com", first_name=None, location={"city": None, "zip": "8001"},
        nulls="omit",
    ))  # fmt: skip
    yield ("a copy's headers and timeout", lambda: tagged.create_or_update_profile(id="01J"))
    paced = KlaviyoProfiles(api_key=API_KEY, base_url=server.base_url)
    yield ("paced, with retries", lambda: paced.create_or_update_profile(email="ada@example.com"))
    # A caller's pool: its own headers, and then its cookies and query parameters, go too.
    pool = httpx.Client(headers={"X-Pool": "1", "Accept": "*/*"}, timeout=9)
    own = KlaviyoProfiles(api_key=API_KEY, base_url=server.base_url, http_client=pool)
    yield ("a caller's pool", lambda: own.create_or_update_profile(email="ada@example.com"))
    yield ("a caller's pool, again", lambda: own.create_or_update_profile(email="bob@example.com"))
    pool.headers["X-Pool"] = "2"
    yield ("its headers changed", lambda: own.create_or_update_profile(email="ada@example.com"))
    pool.cookies.set("session", "s1")
    pool.params = httpx.QueryParams({"tag": "t1"})
    yield ("its cookies and parameters", lambda: own.create_or_update_profile(id="01J"))
    yield (
        "a bulk import job started",
        lambda: client.bulk_import_profiles(
            [{"email": "ada@example.com", "first_name": "Ada"}, {"email": "bad"}],
            lists=["Y6nRLr"],
        ),
    )
    yield ("a job read", lambda: client.get_bulk_import_profiles_job("job-wire-1"))
    yield (
        "a job's import errors",
        lambda: list(client.get_errors_for_bulk_import_profiles_job("job-wire-1", page_size=50)),
    )
    yield ("closed", client.close)


async def _async_calls(server: RawServer) -> None:
    async with AsyncKlaviyoProfiles(
        api_key=API_KEY, base_url=server.base_url, retry_policy=None, rate_limits=False
    ) as client:
        await client.create_or_update_profile(
            email="ada@example.com", first_name="Ada", properties={"n": 3}
        )
        await client.create_or_update_profile(email="ada@example.com", extra_headers={"X-A": "1"})
        await client.bulk_import_profiles([{"email": "ada@example.com"}])
        await client.get_bulk_import_profiles_job("job-wire-1")


def _refused_inputs(client: KlaviyoProfiles) -> Iterator[tuple[str, Callable[[], Any]]]:
    yield "email not text", lambda: client.create_or_update_profile(email=123)  # type: ignore[arg-type]
    yield "unknown location field", lambda: client.create_or_update_profile(
        email="ada@example.com", location={"planet": "Mars"}  # type: ignore[typeddict-unknown-key]
    )  # fmt: skip
    yield "NaN in properties", lambda: client.create_or_update_profile(
        email="ada@example.com", properties={"score": float("nan")}
    )  # fmt: skip
    yield "body without data", lambda: client.create_or_update_profile(body={})  # type: ignore[typeddict-item]
    yield "unknown additional field", lambda: client.create_or_update_profile(
        email="ada@example.com", additional_fields=["subscription"]
    )  # fmt: skip
    yield "header the client sets", lambda: client.create_or_update_profile(
        email="ada@example.com", extra_headers={"Authorization": "x"}
    )  # fmt: skip
    yield "bad timeout", lambda: client.create_or_update_profile(email="a@b.co", timeout=-1)
    yield "a null in a job", lambda: client.bulk_import_profiles(
        [{"email": "ada@example.com", "first_name": None}]
    )  # fmt: skip
    yield "empty job id", lambda: client.get_bulk_import_profiles_job("")


#: Answers the server gives, in order, to one call each; the error each call raises.
ANSWERS: list[tuple[str, bytes]] = [
    (
        "400 with errors",
        _answer(
            400,
            {
                "errors": [
                    {
                        "id": "e1",
                        "status": 400,
                        "code": "invalid",
                        "title": "Invalid input.",
                        "detail": "The phone number is not valid.",
                        "source": {"pointer": "/data/attributes/phone_number"},
                    }
                ]
            },
        ),
    ),
    ("401", _answer(401, {"errors": [{"status": 401, "code": "not_authenticated"}]})),
    ("429 with Retry-After", _answer(429, {"errors": []}, {"Retry-After": "7"})),
    ("500 not JSON", _answer(500, b"<html>oops</html>")),
    ("201 not JSON", _answer(201, b"not json")),
]


def record() -> dict[str, Any]:
    """Every call's requests and every error, as ``wire_bytes.json`` keeps them."""
    recording: dict[str, Any] = {"calls": [], "async": [], "refused": [], "answers": []}
    server = RawServer()
    try:
        for name, call in _sync_calls(server):
            before = len(server.requests)
            outcome = _error(call)
            recording["calls"].append(
                {
                    "call": name,
                    **outcome,
                    "requests": [_shown(raw) for raw in server.requests[before:]],
                }
            )
        before = len(server.requests)
        asyncio.run(_async_calls(server))
        recording["async"] = [_shown(raw) for raw in server.requests[before:]]
        with KlaviyoProfiles(
            api_key=API_KEY, base_url=server.base_url, retry_policy=None, rate_limits=False
        ) as client:
            before = len(server.requests)
            for name, call in _refused_inputs(client):
                recording["refused"].append({"input": name, **_error(call)})
            # Refused before sending: nothing reached the server.
            recording["sent_for_refused"] = len(server.requests) - before
            for name, answer in ANSWERS:
                server.script.append(answer)
                outcome = _error(lambda: client.create_or_update_profile(email="ada@example.com"))
                recording["answers"].append({"answer": name, **outcome})
    finally:
        server.close()
    return recording


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return record()


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return dict(json.loads(RECORDING.read_text(encoding="utf-8")))


def test_each_call_sends_the_recorded_bytes(
    recorded: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert [call["call"] for call in recorded["calls"]] == [
        call["call"] for call in expected["calls"]
    ]
    for got, want in zip(recorded["calls"], expected["calls"], strict=True):
        assert got == want, got["call"]


def test_async_calls_send_the_recorded_bytes(
    recorded: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert recorded["async"] == expected["async"]


def test_refused_inputs_raise_the_recorded_errors_and_send_nothing(
    recorded: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert recorded["refused"] == expected["refused"]
    assert recorded["sent_for_refused"] == expected["sent_for_refused"] == 0


def test_error_answers_raise_the_recorded_errors(
    recorded: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert recorded["answers"] == expected["answers"]


if __name__ == "__main__":
    json.dump(record(), sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
