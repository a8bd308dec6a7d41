"""OCR of one rendered page with Tesseract (Debian ``tesseract-ocr`` + ``tesseract-ocr-fra``).

Tesseract runs as a subprocess fed a PNG on stdin: a crash or a hang in it costs one page, not
the worker. ``OMP_THREAD_LIMIT=1`` because one single-threaded tesseract per core is faster
than its default OpenMP threading on a loaded box (measured: bench/documents_speed.py).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
from typing import Any

from vocabulary.errors import VeilleurError

__all__ = ["OcrError", "ocr_available", "ocr_image", "render_page_png"]

log = logging.getLogger(__name__)


class OcrError(VeilleurError, RuntimeError):
    """Raised when tesseract is missing, fails, or exceeds its per-page time."""


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def render_page_png(page: Any, dpi: int) -> bytes:
    """A pypdfium2 page rendered to a greyscale PNG at ``dpi`` (greyscale: a third of the RAM)."""
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        image = bitmap.to_pil()
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=1)
        image.close()
        return buf.getvalue()
    finally:
        bitmap.close()


def ocr_image(png: bytes, *, languages: str, dpi: int, timeout_s: float) -> str:
    """Text of one image. Raises :class:`OcrError` with a reason an analyst can read."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise OcrError("tesseract not installed (apt-get install tesseract-ocr tesseract-ocr-fra)")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        proc = subprocess.run(
            [exe, "stdin", "stdout", "-l", languages, "--dpi", str(dpi), "--psm", "3"],
            input=png,
            capture_output=True,
            timeout=timeout_s,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"tesseract took over {timeout_s:.0f} s") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"tesseract exit {proc.returncode}: {message[-1] if message else ''}")
    return proc.stdout.decode("utf-8", "replace")
