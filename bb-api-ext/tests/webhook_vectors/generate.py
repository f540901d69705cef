#!/usr/bin/env python3
"""Writes vectors.json: webhook delivery test vectors from an independent implementation.

The signatures AND the expected outcomes come from `standardwebhooks`, the Standard Webhooks
reference library for Python (the one Browserbase's docs show), run with its clock pinned to NOW.
Its outcome is mapped to the Rust `VerifyError` variant; when the signature holds, the envelope
rules (`id` and `type` required non-empty strings) decide between Ok and `InvalidEvent`.
One case the library cannot handle (it decodes bodies as UTF-8) is signed with Python's stdlib
`hmac`/`hashlib` instead, and says so in its `source` field.

Rerun (deterministic: the same library version writes the same file):

    python3 -m venv /tmp/sw && /tmp/sw/bin/pip install standardwebhooks==1.1.0
    /tmp/sw/bin/python bb-api-ext/tests/webhook_vectors/generate.py

then `cargo test -p bb-api-ext --test webhook_vectors`.
"""

import base64
import hashlib
import hmac
import json
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import standardwebhooks.webhooks as sw

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
TOLERANCE_SECS = 300  # the library's fixed tolerance


class _PinnedClock(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.fromtimestamp(NOW, tz=tz)


sw.datetime = _PinnedClock  # the library reads datetime.now() from its module globals


def secret(label: str, pad: bool = True) -> str:
    text = base64.b64encode(hashlib.sha256(label.encode()).digest()).decode()
    return "whsec_" + (text if pad else text.rstrip("="))


OLD = secret("bb-api-ext webhook vectors: old secret")
NEW = secret("bb-api-ext webhook vectors: new secret")
WRONG = secret("bb-api-ext webhook vectors: someone else's secret")
UNPADDED = secret("bb-api-ext webhook vectors: unpadded secret", pad=False)
assert len(UNPADDED.removeprefix("whsec_")) % 4 != 0, "the key text must lack padding"

EVENT_ID = "85e6ff2d-91de-468a-867c-e0d9e4587063"
RESOURCE_ID = "a3f1c2d4-7b90-4e51-9c8a-2f6d1e0b4c73"


def envelope(event_type="functions.invocations.completed", **extra) -> bytes:
    body = {"id": EVENT_ID, "type": event_type, "resourceId": RESOURCE_ID,
            "data": {"status": "COMPLETED", "results": {"title": "Example Domain"}}}
    body.update(extra)
    return json.dumps(body, separators=(",", ":")).encode()


BODY = envelope()


def lib_sign(secret_text: str, msg_id: str, ts: int, body: bytes) -> str:
    signed = sw.Webhook(secret_text).sign(
        msg_id, datetime.fromtimestamp(ts, tz=timezone.utc), body.decode())
    assert signed == stdlib_sign(secret_text, msg_id, ts, body), "library and stdlib disagree"
    return signed


def stdlib_sign(secret_text: str, msg_id: str, ts: int, body: bytes) -> str:
    key = base64.b64decode(secret_text.removeprefix("whsec_") + "==")
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


LIBRARY_TO_VARIANT = {
    "Missing required headers": "MissingHeader",
    "Invalid Signature Headers": "MalformedTimestamp",
    "Message timestamp too old": "TimestampTooOld",
    "Message timestamp too new": "TimestampTooNew",
    "No matching signature found": "NoMatchingSignature",
}


def library_verdict(secrets, headers, body):
    """'ok' if the library accepts the delivery with any of the secrets, else its message."""
    messages = []
    for s in secrets:
        try:
            sw.Webhook(s).verify(body, headers, json_parse=False)
            return "ok"
        except sw.WebhookVerificationError as e:
            messages.append(str(e))
    assert len(set(messages)) == 1, messages
    return messages[0]


def envelope_verdict(body: bytes):
    """The Rust crate's envelope rules: a JSON object with non-empty string `id` and `type`."""
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"error": "InvalidEvent"}
    if not isinstance(parsed, dict):
        return {"error": "InvalidEvent"}
    if not all(isinstance(parsed.get(k), str) and parsed.get(k) for k in ("id", "type")):
        return {"error": "InvalidEvent"}
    return {"ok": {"id": parsed["id"], "type": parsed["type"],
                   "resourceId": parsed.get("resourceId") or ""}}


cases = []
SIGNATURE_HOLDS = "stdlib hmac says the signature holds"


def case(name, secrets, headers, body, note, *, source="standardwebhooks", library=None):
    if library is None:
        library = library_verdict(secrets, headers, body)
    if library == "ok" or library.endswith(SIGNATURE_HOLDS):
        expect = envelope_verdict(body)
    else:
        expect = {"error": LIBRARY_TO_VARIANT[library]}
        if expect["error"] == "MissingHeader":
            missing = [h for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
                       if not headers.get(h)]
            assert len(missing) == 1, missing
            expect["header"] = missing[0]
    cases.append({
        "name": name,
        "note": note,
        "source": source,
        "secrets": secrets,
        "headers": headers,
        "body_base64": base64.b64encode(body).decode(),
        "library": library,
        "expect": expect,
    })


def headers(msg_id, ts, signature):
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}


sig = lib_sign(NEW, EVENT_ID, NOW, BODY)

case("valid", [NEW], headers(EVENT_ID, NOW, sig), BODY, "a delivery as Browserbase sends it")
build = envelope("functions.builds.failed", createdAt="2026-01-01T00:00:00Z")
case("valid_build_event_with_unknown_key", [NEW],
     headers(EVENT_ID, NOW, lib_sign(NEW, EVENT_ID, NOW, build)), build,
     "an envelope key this crate does not know is kept, not rejected")
unknown = envelope("functions.invocations.cancelled")
case("valid_unknown_event_type", [NEW],
     headers(EVENT_ID, NOW, lib_sign(NEW, EVENT_ID, NOW, unknown)), unknown,
     "an event type newer than this crate is accepted")
pretty = json.dumps({"id": EVENT_ID, "type": "functions.invocations.failed",
                     "resourceId": RESOURCE_ID, "data": {"message": "Zeitüberschreitung ✓"}},
                    indent=2, ensure_ascii=False).encode()
case("valid_pretty_printed_utf8", [NEW],
     headers(EVENT_ID, NOW, lib_sign(NEW, EVENT_ID, NOW, pretty)), pretty,
     "the raw bytes are signed: whitespace and non-ASCII text as sent")
case("tampered_body", [NEW], headers(EVENT_ID, NOW, sig),
     BODY.replace(b"invocations.completed", b"invocations.failed"),
     "the body was changed after signing")
case("tampered_id", [NEW], headers("85e6ff2d-91de-468a-867c-e0d9e4587064", NOW, sig), BODY,
     "the webhook-id header was changed after signing")
case("tampered_timestamp", [NEW], headers(EVENT_ID, NOW + 1, sig), BODY,
     "the webhook-timestamp header was changed (within the tolerance) after signing")
for offset, name, note in [
    (-TOLERANCE_SECS, "timestamp_at_past_edge", "exactly the tolerance in the past"),
    (-TOLERANCE_SECS - 1, "old_timestamp", "one second past the tolerance"),
    (TOLERANCE_SECS, "timestamp_at_future_edge", "exactly the tolerance in the future"),
    (TOLERANCE_SECS + 1, "future_timestamp", "one second beyond the tolerance, in the future"),
    (-86_400, "day_old_timestamp", "a captured delivery replayed a day later"),
]:
    ts = NOW + offset
    case(name, [NEW], headers(EVENT_ID, ts, lib_sign(NEW, EVENT_ID, ts, BODY)), BODY, note)
other_body = envelope("functions.invocations.running")
case("several_signatures_one_valid", [NEW],
     headers(EVENT_ID, NOW, " ".join([lib_sign(WRONG, EVENT_ID, NOW, BODY),
                                       lib_sign(NEW, EVENT_ID, NOW, other_body), sig])),
     BODY, "the header lists several v1 signatures; the last one is valid")
case("other_versions_only", [NEW],
     headers(EVENT_ID, NOW, sig.replace("v1,", "v2,") + " " + sig.replace("v1,", "v1a,")), BODY,
     "the valid tag, but under versions v2 and v1a, which are ignored")
case("wrong_secret", [NEW], headers(EVENT_ID, NOW, lib_sign(WRONG, EVENT_ID, NOW, BODY)), BODY,
     "signed with another endpoint's secret")
case("empty_body", [NEW], headers(EVENT_ID, NOW, lib_sign(NEW, EVENT_ID, NOW, b"")), b"",
     "an empty body, validly signed: the signature holds, the envelope does not")
raw = b'{"id":"' + EVENT_ID.encode() + b'","type":"functions.builds.failed","data":"\xff\xfe\x00"}'
case("non_utf8_body", [NEW], headers(EVENT_ID, NOW, stdlib_sign(NEW, EVENT_ID, NOW, raw)), raw,
     "body bytes that are not UTF-8, validly signed: HMAC over the raw bytes holds, the JSON does not",
     source="stdlib hmac/hashlib: the library decodes bodies as UTF-8 and cannot verify this",
     library="not run; " + SIGNATURE_HOLDS)
case("rotation_verifier_has_both_secrets", [OLD, NEW],
     headers(EVENT_ID, NOW, sig), BODY,
     "during a rotation the verifier holds the old and the new secret; signed with the new")
case("rotation_header_has_both_signatures", [NEW],
     headers(EVENT_ID, NOW, lib_sign(OLD, EVENT_ID, NOW, BODY) + " " + sig), BODY,
     "the sender signs with old and new secrets; the verifier knows only the new one")
case("rotation_old_secret_only", [NEW],
     headers(EVENT_ID, NOW, lib_sign(OLD, EVENT_ID, NOW, BODY)), BODY,
     "signed only with a secret the verifier no longer holds")
case("unpadded_secret", [UNPADDED],
     headers(EVENT_ID, NOW, lib_sign(UNPADDED, EVENT_ID, NOW, BODY)), BODY,
     "a secret whose base64 lacks its '=' padding")
case("malformed_timestamp", [NEW], headers(EVENT_ID, "yesterday", sig), BODY,
     "webhook-timestamp is not a number")
case("missing_signature_header",
     [NEW], {"webhook-id": EVENT_ID, "webhook-timestamp": str(NOW)}, BODY,
     "no webhook-signature header")
case("missing_id_header",
     [NEW], {"webhook-timestamp": str(NOW), "webhook-signature": sig}, BODY,
     "no webhook-id header")
no_type = json.dumps({"id": EVENT_ID, "resourceId": RESOURCE_ID}).encode()
case("signed_but_not_an_event", [NEW],
     headers(EVENT_ID, NOW, lib_sign(NEW, EVENT_ID, NOW, no_type)), no_type,
     "validly signed JSON without `type`: the signature holds, the envelope does not")

out = {
    "generator": "bb-api-ext/tests/webhook_vectors/generate.py",
    "library": f"standardwebhooks {version('standardwebhooks')} (PyPI)",
    "now": NOW,
    "tolerance_secs": TOLERANCE_SECS,
    "cases": cases,
}
path = Path(__file__).with_name("vectors.json")
path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print(f"wrote {len(cases)} cases to {path}")
