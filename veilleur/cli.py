"""The ``veilleur`` command. Subcommands live in their own modules and load on first use, so
``veilleur --help`` stays fast and a broken optional part never blocks the others.

Each entry of ``COMMANDS`` maps a subcommand to ``module:attribute`` (a click command or group).

Errors a user can fix never reach them as a traceback: :class:`LazyGroup` turns every
:class:`~vocabulary.errors.VeilleurError` and the known database, time-zone, file and socket
errors into one line that names the fix, with exit status 2 (:mod:`veilleur.failures` writes
the lines). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import os
import sys

import click

__all__ = ["COMMANDS", "OneLineError", "cli", "main"]


class OneLineError(click.ClickException):
    """A mistake the user can fix (configuration, database, arguments): one line, exit 2."""

    exit_code = 2


COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module:attribute, one-line help shown by `veilleur --help`: the first line of
    # the command's docstring, held equal by tests/veilleur/test_help.py)
    "demo": (
        "veilleur.commands.demo:demo",
        "Replay recorded portal answers offline into a fresh database.",
    ),
    "crawl": (
        "veilleur.commands.crawl:crawl",
        "Crawl one source into the database; exit code 1 when the run is not ok.",
    ),
    "crawlall": (
        "veilleur.commands.crawl:crawlall",
        "Crawl every enabled source, one subprocess each; exit code 1 if one failed.",
    ),
    "flagged": (
        "veilleur.commands.query:flagged",
        "List flagged notices, newest first, as a table (the desk's queue, same filters).",
    ),
    "rescan": (
        "veilleur.commands.query:rescan",
        "Re-apply the current rules to every stored notice and its documents (no crawl).",
    ),
    "status": (
        "veilleur.commands.status:status",
        "Health of every source, next runs, jobs and access requests needing action.",
    ),
    "show": (
        "veilleur.commands.show:show",
        "Print a notice and the whole timeline of its purchase, each link with its reason.",
    ),
    "parse": (
        "veilleur.commands.parse:parse",
        "Print the notices SOURCE makes of one response body FILE, as JSON lines.",
    ),
    "export": (
        "veilleur.commands.query:export",
        "Export notices as CSV, JSON, JSON lines or an OCDS release package.",
    ),
    "db": (
        "veilleur.commands.db:db",
        "Database schema: upgrade, show the current revision, write a migration.",
    ),
    "classify": (
        "veilleur.commands.rules:classify",
        'Classify JSONL ({"id","title"?,"text"} per line), text files or documents.',
    ),
    "rules": (
        "veilleur.commands.rules:rules",
        "Test, explain, evaluate and report on the surveillance rules.",
    ),
    "extract": (
        "veilleur.commands.documents:extract",
        "Print the text, status and page count of local files (PDF, ZIP, DOCX, ODT, XLSX …).",
    ),
    "documents": (
        "veilleur.commands.documents:documents",
        "List stored documents with their status, reason and the notices linking them.",
    ),
    "schedule": (
        "veilleur.schedule:schedule_command",
        "Run the nightly scheduler in the foreground (crawls, then digests).",
    ),
    "run-nightly": (
        "veilleur.schedule:run_nightly_command",
        "Do one night's work once: crawl every enabled source, then send the due digests.",
    ),
    "groups": (
        "veilleur.commands.digest:groups",
        "Manage local groups: who receives what, for which territory, how often.",
    ),
    "digest": (
        "veilleur.commands.digest:digest",
        "Build and send the digests of due groups (or preview them with --dry-run or --out).",
    ),
    "feeds": (
        "veilleur.commands.digest:feeds",
        "Write Atom feeds: all.atom and one <group>.atom per active group.",
    ),
    "serve": ("veilleur.commands.review:serve", "Run the analysts' web interface with waitress."),
    "picture": (
        "veilleur.commands.picture:picture",
        "Buyers, vendors and where flagged notices are (the desk's map and party pages).",
    ),
    "prices": (
        "veilleur.commands.picture:prices",
        "Read price schedules (BPU, DQE …) of stored documents: what was bought.",
    ),
    "users": ("veilleur.commands.review:users", "Manage analyst accounts."),
    "verdict": (
        "veilleur.commands.verdict:verdict",
        "Record a verdict on a notice, with the desk's rules and trail.",
    ),
    "request": (
        "veilleur.commands.request:request",
        "Draft an access request (CADA) for a notice, as letters to edit and send.",
    ),
    "requests": (
        "veilleur.commands.requests:requests",
        "Follow access requests (CADA) from sending to the CADA's opinion.",
    ),
}


def _no_banner(record: logging.LogRecord) -> bool:
    """Scrapy's start-up banner (its version, a dict of library versions, the settings it
    overrides) is for -vv: a crawl's log starts with what the crawl does."""
    return not (record.levelno < logging.WARNING and record.name in _BANNER_LOGGERS)


_BANNER_LOGGERS = frozenset({"scrapy.utils.log", "scrapy.crawler", "scrapy.addons"})


class LazyGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["veilleur.argv"] = list(args)  # the database a failure message names
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a bad argument: the line that names it, no usage text
            where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
            raise OneLineError(exc.format_message() + where) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            from veilleur.failures import one_line

            message = one_line(exc, ctx.meta.get("veilleur.argv", []))
            if message is None:
                raise
            raise OneLineError(message) from None

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
    level = max(logging.WARNING - 10 * verbose, logging.DEBUG)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr
    )
    if level > logging.DEBUG:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_no_banner)
    ctx.ensure_object(dict)


def main() -> None:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    atexit.register(_leave_without_teardown)  # the first registered: the last to run
    try:
        cli(prog_name="veilleur")
    except SystemExit as done:
        _exit_status[0] = done.code if isinstance(done.code, int) else int(done.code is not None)
        raise
    except KeyboardInterrupt:
        _exit_status[0] = 130  # what a shell reports for a command ended by Ctrl-C
        raise


#: the command's exit status once it has finished; 1 (Python's own) for an uncaught exception
_exit_status = [1]


def _leave_without_teardown() -> None:
    """End the process once every exit handler has run, without tearing the interpreter down.

    Freeing every module of Scrapy, Twisted and SQLAlchemy one by one took about 0.3 s at the
    end of each command (a quarter of an empty crawl) and writes nothing: by now the threads
    are joined, the exit handlers (log files, temporary directories, child processes) have run,
    and the database has each transaction committed or rolled back."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # closed, or a reader gone (a broken pipe): nothing more can be said
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(_exit_status[0])


if __name__ == "__main__":
    main()
