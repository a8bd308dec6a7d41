"""Render the Couthenans council-minutes page (Jekyll/kramdown source, real text) to the HTML a
visitor gets, for the listing tests: ``tests/fixtures/realworld/listings/couthenans.html``.

ASSEMBLED: the markup is this script's (what kramdown makes of the same Markdown: ``##`` →
``<h2>``, ``- item`` → ``<ul><li>``, ``[text](url)`` → ``<a href>``), the text and links are the
page's, verbatim; ``{{ site.url }}`` becomes the site's address. Run:
``python tools/render_couthenans.py``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tests" / "fixtures" / "realworld" / "listings"
SITE = "https://www.couthenans.fr"
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def _inline(text: str) -> str:
    out, last = [], 0
    for match in _LINK.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        href = match.group(2).replace("{{ site.url }}", SITE)
        out.append(f'<a href="{html.escape(href)}">{html.escape(match.group(1))}</a>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def render(markdown: str) -> str:
    body = markdown.split("---", 2)[2]  # drop the front matter
    lines, in_list = (
        [
            "<!DOCTYPE html>",
            '<html lang="fr"><head><meta charset="utf-8">',
            "<title>Les compte-rendus des différentes réunions</title></head><body>",
        ],
        False,
    )
    for raw in body.splitlines():
        line = raw.strip()
        if line.startswith("- "):
            if not in_list:
                lines.append("<ul>")
                in_list = True
            lines.append(f"<li>{_inline(line[2:])}</li>")
            continue
        if in_list:
            lines.append("</ul>")
            in_list = False
        if line.startswith("## "):
            lines.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith("# "):
            lines.append(f"<h1>{_inline(line[2:])}</h1>")
        elif line:
            lines.append(f"<p>{_inline(line)}</p>")
    if in_list:
        lines.append("</ul>")
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"


def main() -> None:
    source = (FOLDER / "couthenans__compte_rendu.md").read_text(encoding="utf-8")
    (FOLDER / "couthenans.html").write_text(render(source), encoding="utf-8")


if __name__ == "__main__":
    main()
