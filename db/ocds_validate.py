"""Validate an OCDS release package against the official 1.1.5 schema shipped in
``db/ocds_schema`` (Apache-2.0, see its README), offline.

The schemas are JSON Schema draft-04; the package schema refers to the release schema by URL,
which a ``referencing`` registry maps to the shipped file. ``date-time`` and ``uri`` formats are
checked when ``rfc3339-validator`` and ``rfc3987`` are installed (the test extra installs both):
without them jsonschema skips those formats silently.

``uniqueItems`` on ``releases`` makes the validator compare releases pairwise: validate
packages of hundreds of releases, not of hundreds of thousands.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

__all__ = ["RELEASE_SCHEMA_URL", "package_errors", "release_errors"]

RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("db").joinpath("ocds_schema", name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _validators() -> tuple[Draft4Validator, Draft4Validator]:
    release = _schema("release-schema.json")
    registry: Registry[Any] = Registry().with_resource(
        RELEASE_SCHEMA_URL, Resource.from_contents(release, default_specification=DRAFT4)
    )
    checker = FormatChecker()
    package = Draft4Validator(
        _schema("release-package-schema.json"), registry=registry, format_checker=checker
    )
    return package, Draft4Validator(release, registry=registry, format_checker=checker)


def _messages(validator: Draft4Validator, instance: Any) -> list[str]:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


def package_errors(package: Any) -> list[str]:
    """Every schema error of a release package, one line each (empty: valid)."""
    return _messages(_validators()[0], package)


def release_errors(release: Any) -> list[str]:
    """Every schema error of one release (the export checks releases one by one)."""
    return _messages(_validators()[1], release)
