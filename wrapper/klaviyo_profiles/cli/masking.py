"""Masking the API key in everything the command line shows or writes.

The library never puts a key in a message; the command line also shows and writes text it
did not make (rows of the input file, answers of the server, paths), so it masks, as a last
line of defence, every key read in this process and anything shaped like a private key.

**Every form a key takes.** Text that quotes a value has usually encoded it: JSON escapes
``"`` and ``\\``, a Python repr doubles the backslash and escapes its quote, CSV doubles
quotes. A key holding such a character reads differently in each, so each form is masked
(:func:`remember_secret`), once and twice encoded (the JSON text of a row in a CSV cell).
Text the command line encodes itself is masked *before* it is encoded, so no form survives
whatever the encoding (the import's reader does so for cells and lines).

**Telling parts of a key.** A key's forms are masked whole; text can also hold part of one
in another case: a header that is the key without its ``pk_``, its first dozen characters,
the key in capitals. Every run of at least :data:`FRAGMENT_CHARACTERS` characters of a key
(of all of it, or of it without ``pk_`` when that is shorter), in any case of its ASCII
letters, is masked too (:func:`_mask_fragments`); shorter runs are left alone, so that
ordinary words sharing a few letters with a key stay as they are.

**A key cut short.** Text cut to a length (an excerpt of a row too large to keep, the
library's ``...`` after a shortened value, Rich's ``…``) may end inside a key, where the
mask cannot see it whole: :func:`excerpt` drops what may be the start of a key at its end,
and :func:`scrub` masks it before a cut marker.
"""

from __future__ import annotations

import json
import re
import string

__all__ = ["FRAGMENT_CHARACTERS", "MASK", "excerpt", "forget_secrets", "remember_secret", "scrub"]

#: What a key is replaced with.
MASK = "****"
#: A run of a key this long or longer is masked wherever it appears, in any case.
FRAGMENT_CHARACTERS = 12
#: A key whose part after ``pk_`` is shorter than this has no runs masked, only its forms:
#: runs of fewer characters are as likely to be ordinary words.
_SHORTEST_FRAGMENT = 8

# Every form of the keys read in this process, longest first (a key is masked whole rather
# than around a shorter form of itself).
_SECRETS: list[str] = []
# For each key, a part that every form of it holds: text holding none of them holds no key,
# and is passed over with one search per key rather than one per form.
_ANCHORS: list[str] = []
# Every form, one after the other: any four characters of a form are found in it.
_JOINED = ""
# For each key: the key with its ASCII letters in lower case, the shortest run masked, and
# the blocks of half that length it is cut into at (position, text): any such run holds
# one block whole, so text that holds no block holds no run.
_FRAGMENTS: list[tuple[str, int, tuple[tuple[int, str], ...]]] = []
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Characters some encoding writes otherwise: no anchor holds one.
_ENCODED_CHARACTERS = re.compile(r"[^\x21\x23-\x26\x28-\x5b\x5d-\x7e]+")

# Text shaped like a Klaviyo private key ("pk_" and a long run of key characters). Masked in
# every message even when it was never read as a key: a key pasted where a file name or an
# argument was expected would otherwise be echoed back by the error about it.
_KEY_SHAPED = re.compile(r"pk_[A-Za-z0-9_-]{12,}")
# The characters of such a key after "pk_".
_KEY_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
# Where text was cut short: the library's "..." after a shortened value, Rich's "…".
_CUT = re.compile(r"\.\.\.|\u2026")
# Shortest start of a known key masked before a cut marker: fewer characters say little,
# and ordinary words end in them ("p...").
_SHORTEST_CUT_PREFIX = 4


def _encoded_once(text: str) -> set[str]:
    backslashed = text.replace("\\", "\\\\")
    return {
        text,
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        backslashed,  # a repr in the quote the text does not hold
        backslashed.replace("'", "\\'"),  # a repr in single quotes
        backslashed.replace('"', '\\"'),  # a repr in double quotes
        text.replace('"', '""'),  # a CSV cell
    }


def _encoded_forms(secret: str) -> set[str]:
    """``secret`` as text quoting it reads: raw, JSON, a repr, a CSV cell; and each of those
    encoded once more."""
    forms = _encoded_once(secret)
    for form in list(forms):
        forms |= _encoded_once(form)
    return forms


def remember_secret(key: str) -> None:
    """Mask ``key`` (the forms it takes once stripped, and once encoded) in every later
    message."""
    for form in (key, key.strip(), key.rstrip("\r\n")):
        if len(form) >= 4:  # a shorter "key" would mask ordinary words
            _SECRETS.extend(_encoded_forms(form) - set(_SECRETS))
            anchor = max(_ENCODED_CHARACTERS.split(form), key=len)
            if anchor not in _ANCHORS:
                _ANCHORS.append(anchor)
    _SECRETS.sort(key=len, reverse=True)
    global _JOINED
    _JOINED = "\x00".join(_SECRETS)
    _remember_fragments(key.strip())


def _lower(text: str) -> str:
    """``text`` with its ASCII letters in lower case, character for character (``str.lower``
    may change the length of other text: ``"\u0130".lower()`` is two characters)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _remember_fragments(key: str) -> None:
    lowered = _lower(key)
    rest = len(lowered) - 3 if lowered.startswith("pk_") else len(lowered)
    if rest < _SHORTEST_FRAGMENT:
        return
    size = min(FRAGMENT_CHARACTERS, rest)
    step = size // 2
    blocks = tuple(
        (start, lowered[start : start + step]) for start in range(0, len(lowered) - step + 1, step)
    )
    entry = (lowered, size, blocks)
    if entry not in _FRAGMENTS:
        _FRAGMENTS.append(entry)


def forget_secrets() -> None:
    """Forget every key remembered (for a process that runs commands for several keys, such
    as a test suite); text shaped like a key is still masked."""
    global _JOINED
    _SECRETS.clear()
    _ANCHORS.clear()
    _FRAGMENTS.clear()
    _JOINED = ""


def scrub(text: str) -> str:
    """``text`` with every API key seen in this process (in any of its encoded forms), and
    anything shaped like one, masked; and what may be the start of one before a cut marker."""
    if any(anchor in text for anchor in _ANCHORS):
        for secret in _SECRETS:
            if secret in text:
                text = text.replace(secret, MASK)
    if _FRAGMENTS:
        text = _mask_fragments(text)
    text = _KEY_SHAPED.sub(MASK, text)
    if "..." in text or "\u2026" in text:
        text = _mask_before_cuts(text)
    return text


def _mask_fragments(text: str) -> str:
    """``text`` with every run of :data:`FRAGMENT_CHARACTERS` or more characters of a key seen
    (fewer for a short key), in any case, masked."""
    lowered = _lower(text)
    spans: list[tuple[int, int]] = []
    for key, size, blocks in _FRAGMENTS:
        for start, block in blocks:
            found = lowered.find(block)
            while found >= 0:
                # Grow the match both ways along the key, from where the block sits in it.
                left, key_left = found, start
                while left > 0 and key_left > 0 and lowered[left - 1] == key[key_left - 1]:
                    left, key_left = left - 1, key_left - 1
                right, key_right = found + len(block), start + len(block)
                while (
                    right < len(lowered)
                    and key_right < len(key)
                    and lowered[right] == key[key_right]
                ):
                    right, key_right = right + 1, key_right + 1
                if right - left >= size:
                    spans.append((left, right))
                found = lowered.find(block, found + 1)
    if not spans:
        return text
    pieces: list[str] = []
    end = 0
    for left, right in sorted(spans):
        if left > end:
            pieces += [text[end:left], MASK]
        elif not pieces:
            pieces.append(MASK)
        end = max(end, right)
    pieces.append(text[end:])
    return "".join(pieces)


def excerpt(text: str, limit: int) -> str:
    """At most ``limit`` characters from the start of ``text``, scrubbed first (so a key
    crossing the cut is masked whole when ``text`` holds all of it), and never ending in what
    may be the start of a key."""
    shown = scrub(text)[:limit]
    return shown[: len(shown) - _key_start_before(shown, len(shown), 1)]


def _mask_before_cuts(text: str) -> str:
    pieces: list[str] = []
    start = 0
    for cut in _CUT.finditer(text):
        end = cut.start()
        # Not past the cut before: a key is not taken to run across a cut marker.
        size = min(_key_start_before(text, end, _SHORTEST_CUT_PREFIX), end - start)
        if size:
            pieces += [text[start : end - size], MASK]
            start = end
    pieces.append(text[start:])
    return "".join(pieces)


def _key_start_before(text: str, end: int, shortest: int) -> int:
    """How many characters before ``end`` in ``text`` may be the start of a key cut short:
    "pk_" and key characters, or the first ``shortest`` or more characters of a form of a
    key seen."""
    longest = 0
    # "pk_" and 12 key characters or more were masked already: only a shorter run is left.
    shaped = text.rfind("pk_", max(end - 15, 0), end)
    if shaped >= 0 and not text[shaped + 3 : end].strip(_KEY_CHARACTERS):
        longest = end - shaped
    if end >= shortest >= 4 and text[end - 4 : end] not in _JOINED:
        return longest  # its last four characters are in no key
    for secret in _SECRETS:
        # Where the secret could start so as to run past the end: at its first character.
        found = text.find(secret[0], max(end - len(secret), 0), end)
        while found >= 0:
            if secret.startswith(text[found:end]):
                size = end - found
                if size >= shortest:
                    longest = max(longest, size)
                break  # the earliest start is the longest part
            found = text.find(secret[0], found + 1, end)
    return longest
