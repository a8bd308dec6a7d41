"""The ``veilleur`` command. Subcommands live in their own modules and load on first use, so
``veilleur --help`` stays fast and a broken optional part never blocks the others.

Each entry of ``COMMANDS`` maps a subcommand to ``module:attribute`` (a click command or group).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import click

__all__ = ["COMMANDS", "cli", "main"]

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module:attribute, one-line help shown by `veilleur --help`)
    "demo": (
        "veilleur.commands.demo:demo",
        "Replay recorded BOAMP responses into a fresh database.",
    ),
    "crawl": ("veilleur.commands.crawl:crawl", "Crawl one source into the database."),
    "crawlall": ("veilleur.commands.crawl:crawlall", "Crawl every enabled source."),
    "flagged": ("veilleur.commands.query:flagged", "List flagged notices as a table."),
    "rescan": ("veilleur.commands.query:rescan", "Re-apply the current rules to stored notices."),
    "status": ("veilleur.commands.query:status", "Health and last runs of every source."),
    "show": ("veilleur.commands.show:show", "A notice and the whole story of its purchase."),
    "parse": ("veilleur.commands.parse:parse", "Print the notices a source makes of one file."),
    "export": (
        "veilleur.commands.query:export",
        "Export notices as CSV, JSON, JSON lines or OCDS.",
    ),
    "db": ("veilleur.commands.db:db", "Database schema: upgrade, current revision."),
    "classify": (
        "veilleur.commands.rules:classify",
        "Classify JSONL, text files or documents (read as extract does).",
    ),
    "rules": ("veilleur.commands.rules:rules", "Test, explain, evaluate and report on rules."),
    "extract": ("veilleur.commands.documents:extract", "Print text, status, pages of files."),
    "documents": ("veilleur.commands.documents:documents", "List stored documents by status."),
    "schedule": ("veilleur.schedule:schedule_command", "Run the nightly scheduler."),
    "run-nightly": ("veilleur.schedule:run_nightly_command", "Do one night's work once."),
    "groups": ("veilleur.commands.digest:groups", "Manage local groups and their territories."),
    "digest": ("veilleur.commands.digest:digest", "Build and send (or preview) group digests."),
    "feeds": ("veilleur.commands.digest:feeds", "Write Atom feeds per group and for everything."),
    "serve": ("veilleur.commands.review:serve", "Run the analysts' web interface."),
    "picture": (
        "veilleur.commands.picture:picture",
        "Refresh buyers, vendors and the map's rows from stored notices.",
    ),
    "prices": (
        "veilleur.commands.picture:prices",
        "Read price schedules (BPU, DQE) of stored documents: what was bought.",
    ),
    "users": ("veilleur.commands.review:users", "Manage analyst accounts."),
    "verdict": (
        "veilleur.commands.verdict:verdict",
        "Record an analyst's verdict on a notice (the desk's rules and trail).",
    ),
    "request": (
        "veilleur.commands.request:request",
        "Draft an access request (CADA) for a notice.",
    ),
    "requests": ("veilleur.commands.requests:requests", "Follow access requests to the documents."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attr = entry[0].split(":")
        module = importlib.import_module(module_name)
        command = getattr(module, attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry[0]} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help texts come from the table so `--help` imports nothing heavy.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Veilleur: a watch on public procurement of surveillance technology.

    \b
    Examples:
      veilleur demo                      # offline demo from recorded BOAMP responses
      veilleur crawl boamp --since 2024-01-01
      veilleur flagged --category videosurveillance --departement 13
    Set DATABASE_URL to use PostgreSQL (default: SQLite file var/veilleur.sqlite).
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    ctx.ensure_object(dict)


def main() -> None:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    cli(prog_name="veilleur")


if __name__ == "__main__":
    main()
