"""A recording HTTP server on loopback for the wrapper's tests.

``recorder`` is a real HTTP server on loopback that records every request exactly as it
arrived and answers with scripted responses; it lets the wire format be asserted byte for byte.
Every request it receives is checked, at teardown, against Klaviyo's official spec for the
pinned revision (request body schema, query parameter enums, required headers).
"""

from __future__ import annotations

import functools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

API_KEY = "pk_test_0123456789abcdef0123"


@attrs.define
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@attrs.define
class Reply:
    status: int = 201
    body: bytes | None = None
    headers: dict[str, str] = attrs.field(factory=dict)


def profile_reply(status: int = 201, attributes: dict[str, Any] | None = None) -> Reply:
    """A well-formed profile document, as the real endpoint answers."""
    document = {
        "data": {
            "type": "profile",
            "id": "01JTESTPROFILE0000000000000",
            "attributes": attributes if attributes is not None else {"email": "ada@example.com"},
            "links": {"self": "http://127.0.0.1/api/profiles/01JTESTPROFILE0000000000000/"},
        }
    }
    return Reply(
        status,
        json.dumps(document).encode(),
        {
            "Content-Type": "application/vnd.api+json",
            "RateLimit-Limit": "750",
            "RateLimit-Remaining": "749",
            "RateLimit-Reset": "59",
        },
    )


class Recorder:
    """Loopback HTTP server recording requests; replies are scripted, default a 201."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.replies: list[Reply] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                split = urlsplit(self.path)
                with recorder._lock:
                    recorder.requests.append(
                        Recorded(
                            "POST",
                            split.path,
                            parse_qs(split.query, keep_blank_values=True),
                            split.query,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                        )
                    )
                    reply = recorder.replies.pop(0) if recorder.replies else profile_reply()
                self.send_response(reply.status)
                content = reply.body or b""
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def last(self) -> Recorded:
        return self.requests[-1]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@functools.cache
def official_validator(specs: Path, revision: str) -> Any:
    """A checker of request bodies against Klaviyo's own spec for ``revision``, or None."""
    import jsonschema
    import spec_tools

    folder = specs / revision
    for name in ("apis/create_or_update_profile.json", "stable.json"):
        if (folder / name).is_file():
            document = spec_tools.to_openapi31(spec_tools.load_document(folder / name))
            break
    else:
        return None
    _, _, operation = spec_tools.find_operation(document)
    content = operation["requestBody"]["content"]
    media_type, media = next(iter(content.items()))
    validator = jsonschema.Draft202012Validator(
        {**media["schema"], "components": document["components"]},
        format_checker=jsonschema.FormatChecker(),
    )
    parameters = {p["name"]: p for p in operation.get("parameters") or [] if "name" in p}

    def check(request: Recorded) -> list[str]:
        problems = [
            f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(request.json)
        ]
        if request.headers.get("content-type") != media_type:
            problems.append(f"content-type {request.headers.get('content-type')} != {media_type}")
        if "revision" not in request.headers:
            problems.append("no revision header")
        for name, values in request.query.items():
            parameter = parameters.get(name)
            if parameter is None:
                problems.append(f"unknown query parameter {name}")
                continue
            if len(values) != 1:
                problems.append(f"{name} repeated {len(values)} times (explode: false)")
            allowed = parameter["schema"].get("items", {}).get("enum")
            for value in values[0].split(","):
                if allowed and value not in allowed:
                    problems.append(f"{name}: {value} not in the spec's enum")
        return problems

    return check
