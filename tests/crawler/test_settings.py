"""Every setting the crawler and the spiders read is declared in crawler/settings.py, and every
declared value carries a comment saying why."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler import settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "crawler" / "settings.py"
_READ = re.compile(r"settings\.get(?:bool|int|float|list|dict)?\(\s*\"([A-Z][A-Z0-9_]*)\"")


def _settings_read() -> list[tuple[str, str]]:
    found = []
    for package in ("crawler", "spiders"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in _READ.findall(path.read_text(encoding="utf-8")):
                found.append((str(path.relative_to(ROOT)), name))
    return sorted(set(found))


def _declared_without_comment() -> list[str]:
    """Top-level names assigned in settings.py with no comment on their line or in their
    paragraph (the lines since the last blank line) before them."""
    lines = SETTINGS_FILE.read_text(encoding="utf-8").splitlines()
    bare = []
    for node in ast.parse("\n".join(lines)).body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        for target in targets:
            if not isinstance(target, ast.Name) or not target.id.isupper():
                continue
            start = node.lineno - 1
            paragraph = []
            for line in reversed(lines[:start]):
                if not line.strip():
                    break
                paragraph.append(line)
            own = lines[start : node.end_lineno or node.lineno]
            if not any(line.lstrip().startswith("#") for line in paragraph) and not any(
                "#" in line for line in own
            ):
                bare.append(target.id)
    return bare


def test_the_scan_finds_settings() -> None:
    assert ("crawler/extensions.py", "VEILLEUR_PROGRESS_INTERVAL") in _settings_read()


@pytest.mark.parametrize(("module", "name"), _settings_read())
def test_setting_read_is_declared(module: str, name: str) -> None:
    assert hasattr(settings, name), f"{module} reads {name}: declare it in crawler/settings.py"


def test_every_declared_setting_says_why() -> None:
    assert _declared_without_comment() == []


def _generator_callbacks() -> list[tuple[str, str]]:
    """(source, method) of every generator method of the sources' spider classes, each
    function once (the sources a config file declares share their base's)."""
    import inspect

    from crawler.registry import source_names, spider_class

    found: dict[str, tuple[str, str]] = {}
    for name in source_names():
        for attribute, member in inspect.getmembers(spider_class(name), inspect.isfunction):
            if inspect.isgeneratorfunction(member):
                found.setdefault(f"{member.__module__}.{member.__qualname__}", (name, attribute))
    return sorted(found.values())


def test_the_callbacks_scrapy_no_longer_checks_are_generator_methods() -> None:
    # WARN_ON_GENERATOR_RETURN_VALUE is off for speed; the check below stands in for it
    assert settings.WARN_ON_GENERATOR_RETURN_VALUE is False
    assert ("boamp", "parse_page") in _generator_callbacks()


@pytest.mark.parametrize(("source", "method"), _generator_callbacks())
def test_no_spider_generator_returns_a_value(source: str, method: str) -> None:
    """What Scrapy's per-page check warned about, once here: a callback that is a generator
    and returns a value would have that value silently dropped."""
    from scrapy.utils.misc import is_generator_with_return_value

    from crawler.registry import spider_class

    assert not is_generator_with_return_value(getattr(spider_class(source), method))


def test_no_crawl_loads_scrapys_remote_code_server() -> None:
    from scrapy.settings import Settings
    from scrapy.utils.conf import build_component_list

    project = Settings()
    project.setmodule(settings, priority="project")
    loaded = build_component_list(project.getwithbase("EXTENSIONS"))
    assert "scrapy.extensions.remote_control.RemoteControl" not in loaded


def test_a_crawls_extensions_are_built_without_importing_the_remote_control() -> None:
    """Scrapy imports every module its EXTENSIONS setting names, even one set to None; the
    remote control's imports aiohttp's client and server at every crawl's start."""
    script = (
        "import sys\n"
        "from scrapy.settings import Settings\n"
        "from scrapy.utils.conf import build_component_list\n"
        "from crawler import settings\n"
        "project = Settings()\n"
        "project.setmodule(settings, priority='project')\n"
        "build_component_list(project.get_component_priority_dict_with_base('EXTENSIONS'))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('aiohttp', 'scrapy.extensions.remote'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
