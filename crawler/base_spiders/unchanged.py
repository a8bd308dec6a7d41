"""Records a re-crawl need not parse: the digest of a record as the source sent it.

Most of a nightly crawl re-reads records it stored the night before (the watermark's overlap,
late corrections of a window). Storing such a record changes nothing, yet parsing it, checking
it and handing it through every pipeline was most of an unchanged re-crawl's time. So each
notice remembers ``record_digest``: a digest of its record as received, of the code that turns
records into notices and of the rules that flagged it. A record whose digest is stored already
is counted as seen and unchanged, and skipped before it is parsed.

The digest changes, and the record is parsed again, whenever any of its inputs changes: the
payload (any field, even one the parser ignores), the parsing code (every source file of the
packages that read records: ``vocabulary``, ``spiders``, ``crawler``, their TOML files
included), the spider's declaration (a config entry's keys), or the rules' version. After an
upgrade, the first crawl therefore parses everything once more and stores the new digests.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

__all__ = ["code_fingerprint", "parsing_fingerprint", "record_digest"]

#: the packages whose code decides what a record becomes
_PARSING_PACKAGES = ("vocabulary", "spiders", "crawler")


def code_fingerprint(folders: Iterable[Path]) -> bytes:
    """A digest of every Python and TOML file under ``folders``, with their paths."""
    digest = hashlib.blake2b(digest_size=16)
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
                digest.update(f"{folder.name}/{path.relative_to(folder).as_posix()}".encode())
                digest.update(path.read_bytes())
    return digest.digest()


@lru_cache(maxsize=1)
def _parsing_code() -> bytes:
    return code_fingerprint(
        Path(str(importlib.import_module(package).__file__)).parent for package in _PARSING_PACKAGES
    )


def parsing_fingerprint(declaration: Iterable[tuple[str, Any]], rules_version: str) -> bytes:
    """What a record's digest depends on besides the record: the parsing code, the spider's
    declaration (``(key, value)`` pairs) and the rules' version."""
    digest = hashlib.blake2b(_parsing_code(), digest_size=16)
    digest.update(orjson.dumps(sorted(declaration), default=repr))
    digest.update(rules_version.encode())
    return digest.digest()


#: a top-level string at least this long is hashed apart (see ``record_digest``)
_LONG_TEXT = 512


def record_digest(record: Any, fingerprint: bytes) -> str | None:
    """The digest of one record as received, under a ``parsing_fingerprint`` (None when the
    record cannot be written out, see below). Keys are taken
    in the order the source sent them (a portal writes them in its schema's order): a payload
    reordered is parsed once more, which stores nothing new, and sorting them cost three
    times the rest of the digest.

    A record's long top-level strings (BOAMP's ``donnees``, several KB of French) are hashed
    apart through ``str.encode``: orjson writing a non-ASCII string makes CPython keep a UTF-8
    copy inside that string for as long as it lives, and a notice in flight keeps its record's
    strings alive (26 MiB at the peak of a 20 000-record first crawl)."""
    digest = hashlib.sha256(fingerprint)  # sha256 runs on the CPU's SHA extensions where
    if isinstance(record, dict) and any(  # present: twice blake2b's speed here
        isinstance(value, str) and len(value) >= _LONG_TEXT for value in record.values()
    ):
        short: dict[Any, Any] = {}
        for key, value in record.items():
            if isinstance(value, str) and len(value) >= _LONG_TEXT:
                name, text = str(key).encode(), value.encode("utf-8", "surrogatepass")
                digest.update(b"\x00%d:%s\x00%d:" % (len(name), name, len(text)))
                digest.update(text)
                short[key] = None  # its place in the order, its text hashed above
            else:
                short[key] = value
        record = short
    payload = _written(record)
    if payload is None:
        return None
    digest.update(payload)
    return digest.hexdigest()[:32]


def _written(record: Any) -> bytes | None:
    try:
        return orjson.dumps(record, default=repr)
    except orjson.JSONEncodeError:
        # what orjson will not write (an integer beyond 64 bits, which Python's json reader
        # keeps whole in a TED search answer; nesting deeper than 254) goes through the
        # standard library's writer; a record neither can write has no digest: it is read
        # every time, as before digests
        try:
            return json.dumps(record, default=repr, ensure_ascii=False).encode()
        except (ValueError, TypeError, RecursionError):
            return None
