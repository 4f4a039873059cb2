"""The API key never appears in logs (DEBUG included), reprs, errors or warnings."""

from __future__ import annotations

import json
import logging
import warnings

import pytest
from klaviyo_profiles import APIStatusError, KlaviyoProfiles
from klaviyo_profiles.auth import KlaviyoApiKeyAuth
from wire_recorder import Recorder, Reply

SECRET = "pk_SECRET_do_not_leak_7f3a9c2e1b"


def test_key_is_in_no_log_record_repr_error_or_warning(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    for name in ("httpx", "httpcore", "klaviyo_profiles"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    recorder.replies.append(
        Reply(
            401,
            json.dumps(
                {"errors": [{"id": "1", "code": "not_authenticated", "title": "t", "detail": "d"}]}
            ).encode(),
        )
    )
    texts: list[str] = []
    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")
        client = KlaviyoProfiles(
            api_key=SECRET,
            base_url=recorder.base_url,
            retry_policy=None,
            rate_limits=False,
            revision="2024-10-15",  # provokes mismatch and retirement warnings
        )
        texts += [repr(client), str(client), repr(client._auth)]
        with pytest.raises(APIStatusError) as caught:
            client.create_or_update_profile(email="ada@example.com")
        error = caught.value
        texts += [
            str(error),
            repr(error),
            repr(error.request),
            repr(error.response.request.headers),
        ]
        result = client.create_or_update_profile(email="ada@example.com")
        texts += [repr(result), str(result)]
        client.close()
    texts += [str(w.message) for w in caught_warnings]
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    assert recorder.requests[0].headers["authorization"] == f"Klaviyo-API-Key {SECRET}"
    assert caplog.records, "DEBUG logging should have produced records to inspect"
    leaks = [text for text in texts if SECRET in text or SECRET[-12:] in text]
    assert leaks == []


def test_repr_shows_at_most_a_masked_tail() -> None:
    assert repr(KlaviyoApiKeyAuth(SECRET)) == f"KlaviyoApiKeyAuth(key='****{SECRET[-4:]}')"
    assert repr(KlaviyoApiKeyAuth("pk_short")) == "KlaviyoApiKeyAuth(key='****')"
