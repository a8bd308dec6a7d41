"""ZIP archives (DCE bundles, and the container inside DOCX/XLSX/ODT), judged before inflating.

The table of contents is read first and the archive is refused as a whole when it declares too
many members, too many bytes or a bomb-like ratio. Members are then read one by one into memory
through a streaming reader with a hard byte cap (the declared size can lie), never written to
disk, so a zip-slip name cannot escape anywhere; unsafe names and symbolic links are skipped
and named in the result.

Only stored and deflated members are read: :mod:`zipfile` inflates bzip2 and LZMA members
without an output limit per read (only zlib takes ``max_length``), so one small bzip2 member
grew a worker to its 1 GiB cap before the byte cap could see it. Such members, and members whose
declared sizes cannot be true (a stored member whose sizes differ, a deflated one beyond
deflate's 1032:1 ratio, compressed data longer than the archive), are skipped before any byte of
them is inflated. A second member with the same name is read too (DCE bundles repeat a file
name across folders flattened by the tool that zipped them; documents are content-addressed, so
nothing is overwritten): it is named ``name (2)``.
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from extract.result import Limits
from vocabulary.documents import DocumentStatus, ExtractionResult
from vocabulary.errors import VeilleurError

__all__ = ["ArchiveRefused", "Member", "TocReport", "check_toc", "decode_name", "iter_members"]

_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 93: "Zstandard"}
#: deflate's best possible ratio (RFC 1951: 258 bytes per 2-bit code at most), plus slack
_DEFLATE_MAX_RATIO = 1032
#: members smaller than this are never called bombs, whatever their ratio (a page of spaces)
_RATIO_FLOOR = 1024 * 1024


class ArchiveRefused(VeilleurError):
    """Raised by :func:`check_toc` when the table of contents breaks a cap; ``status`` is the
    document status to record (``too_large`` or ``corrupt``)."""

    def __init__(self, status: DocumentStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Member:
    name: str
    data: bytes


@dataclass
class TocReport:
    """What the table of contents said: members worth reading and what was skipped."""

    infos: list[tuple[zipfile.ZipInfo, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def decode_name(info: zipfile.ZipInfo) -> str:
    """The member name as its author wrote it.

    Without the UTF-8 flag, :mod:`zipfile` decodes as cp437; French Windows tools write cp850
    and many others write UTF-8 without setting the flag. Try UTF-8, then cp850.
    """
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp850")


def _unsafe(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts


def _size_lie(info: zipfile.ZipInfo, archive_size: int) -> str | None:
    """Why the member's declared sizes cannot be true, or None."""
    if info.compress_size > archive_size:
        return f"declares {info.compress_size} compressed bytes in a {archive_size}-byte archive"
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        return f"stored, but declares {info.file_size} bytes for {info.compress_size} stored"
    if info.file_size > info.compress_size * _DEFLATE_MAX_RATIO + 1024:
        return f"declares {info.file_size} bytes from {info.compress_size}: beyond deflate's ratio"
    return None


def _unique(name: str, seen: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)`` … when an earlier member had it."""
    candidate, n = name, 1
    while candidate in seen:
        n += 1
        candidate = f"{name} ({n})"
    seen.add(candidate)
    return candidate


def check_toc(zf: zipfile.ZipFile, limits: Limits, archive_size: int = 1 << 62) -> TocReport:
    """Judge the archive from its central directory alone. Raises :class:`ArchiveRefused`."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise ArchiveRefused(
            "too_large", f"members: {len(infos)} members, cap {limits.max_members}"
        )
    report = TocReport()
    seen: set[str] = set()
    declared = 0
    for info in infos:
        name = decode_name(info)
        if info.is_dir():
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            report.ignored.append(f"{name}: symbolic link ignored")
            continue
        if _unsafe(name):
            report.skipped.append(f"{name}: unsafe path skipped")
            continue
        if info.compress_type not in _METHODS:
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            report.skipped.append(f"{name}: {method} compression refused (stored/deflate only)")
            continue
        if info.flag_bits & 0x1:
            report.skipped.append(f"{name}: encrypted member")
            continue
        name = _unique(name, seen)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > limits.max_ratio:
            raise ArchiveRefused(
                "too_large",
                f"bomb: member {name} declares ratio {ratio:.0f}:1 ({info.file_size} bytes)",
            )
        if info.file_size > limits.max_member_bytes:
            raise ArchiveRefused("too_large", f"member: {name} declares {info.file_size} bytes")
        lie = _size_lie(info, archive_size)
        if lie:
            report.skipped.append(f"{name}: {lie}")
            continue
        declared += info.file_size
        report.infos.append((info, name))
    if declared > limits.max_archive_total_bytes:
        raise ArchiveRefused("too_large", f"archive: members declare {declared} bytes in total")
    return report


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bytes:
    """The member's bytes, read in chunks and cut off at its declared size (which
    :func:`check_toc` already capped): a lying header cannot make us inflate more."""
    cap = min(info.file_size, limits.max_member_bytes)
    buf = io.BytesIO()
    with zf.open(info) as stream:
        while True:
            chunk = stream.read(min(1 << 20, cap + 1 - buf.tell()))
            if not chunk:
                break
            buf.write(chunk)
            if buf.tell() > cap:
                raise ArchiveRefused(
                    "too_large", f"bomb: member {info.filename} inflates past its declared size"
                )
    return buf.getvalue()


def iter_members(
    data: bytes,
    limits: Limits,
    handle: Callable[[Member, int], ExtractionResult],
    *,
    depth: int = 0,
    prefix: str = "",
) -> ExtractionResult:
    """Open a ZIP, check its table of contents, and hand each member to ``handle(member, depth)``.

    Returns the archive's own result; ``handle`` results are merged by the caller-supplied
    function (see :mod:`extract.documents`), which receives members already read in memory.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return ExtractionResult("corrupt", f"corrupt: not a readable ZIP ({exc})")
    with zf:
        try:
            report = check_toc(zf, limits, len(data))
        except ArchiveRefused as exc:
            return ExtractionResult(exc.status, exc.reason)
        result = ExtractionResult("ok", page_count=0)
        problems = [prefix + s for s in report.skipped]
        result.warnings.extend(prefix + s for s in report.ignored)
        for info, name in report.infos:
            try:
                body = read_member(zf, info, limits)
            except ArchiveRefused as exc:
                problems.append(prefix + exc.reason)
                continue
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                problems.append(f"{prefix}{name}: unreadable ({exc})")
                continue
            sub = handle(Member(prefix + name, body), depth)
            _merge(result, sub, prefix + name, problems)
            if sub.status == "timeout":
                result.status, result.reason = "timeout", f"timeout: in member {prefix + name}"
                return result
        if problems:
            result.status = "partial"
            more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
            result.reason = "partial: " + "; ".join(problems[:5]) + more
        return result


def _merge(result: ExtractionResult, sub: ExtractionResult, name: str, problems: list[str]) -> None:
    result.pages.extend(sub.pages)
    result.page_count = (result.page_count or 0) + (sub.page_count or len(sub.pages))
    result.warnings.extend(sub.warnings)
    if sub.status == "ocr" and result.status == "ok":
        result.status = "ocr"
    elif sub.status not in ("ok", "ocr"):
        problems.append(f"{name}: {sub.status} ({sub.reason})")
