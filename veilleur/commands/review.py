"""``veilleur serve`` (the web desk under waitress) and ``veilleur users`` (accounts)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import click
from sqlalchemy.orm import Session

from db.session import database_url, session_scope

__all__ = ["serve", "users"]

log = logging.getLogger(__name__)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=int, help="Waitress threads.")
@click.option("--database-url", envvar="DATABASE_URL", default=None, help="Default: DATABASE_URL.")
@click.option("--no-migrate", is_flag=True, help="Do not bring the schema up to date first.")
def serve(host: str, port: int, threads: int, database_url: str | None, no_migrate: bool) -> None:
    """Run the analysts' web interface with waitress.

    \b
    Examples:
      veilleur users add alice --role admin
      VEILLEUR_INSECURE_COOKIES=1 veilleur serve --port 8000   # plain http on localhost
      veilleur serve --host 127.0.0.1 --port 8000              # behind nginx (TLS)
    """
    from waitress import serve as waitress_serve

    from review.app import create_app
    from veilleur.commands import schema_for_writing
    from veilleur.requests import read_received

    _check_port(host, port)
    if not no_migrate:
        schema_for_writing(database_url)
    # files received for access requests are read by the shell's worker pool (review may not
    # import extract): the desk gets the reader as a setting
    documents = os.environ.get("VEILLEUR_DOCUMENTS_DIR", "var/documents")
    reader = partial(read_received, database_url, documents)
    app = create_app(database_url, {"REQUEST_DOCUMENT_PROCESSOR": reader})
    log.info("serve host=%s port=%d threads=%d", host, port, threads)
    click.echo(f"Veilleur review desk on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    waitress_serve(app, host=host, port=port, threads=threads, ident="veilleur")


@dataclass(frozen=True)
class _Users:
    url: str | None


def _check_port(host: str, port: int) -> None:
    """Refuse a port another program listens on before loading anything (waitress would
    report it as a traceback)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise click.UsageError(f"--host {host!r} is not an address of this machine") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        try:
            probe.bind(address)
        except OSError as exc:
            raise click.ClickException(
                f"cannot listen on {host}:{port} ({exc.strerror}): stop the program using it "
                f"or choose another --port"
            ) from None


@click.group()
@click.option("--database-url", envvar="DATABASE_URL", default=None, help="Default: DATABASE_URL.")
@click.pass_context
def users(ctx: click.Context, database_url: str | None) -> None:
    """Manage analyst accounts.

    \b
    Examples:
      veilleur users add alice --role analyst          # asks the password twice
      echo "$PW" | veilleur users add bob --password-stdin
      veilleur users passwd alice
      veilleur users disable bob
      veilleur users list
      veilleur users --database-url postgresql://veilleur@localhost/veilleur list
    """
    ctx.obj = _Users(database_url)


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _run(action: str, fn: Callable[[Session], object], write: bool = True) -> None:
    from db.migrate import require_schema
    from review.auth import UserError
    from veilleur.commands import schema_for_writing

    # resolve the URL here: get_engine(None) would cache whichever DATABASE_URL came first
    given = click.get_current_context().find_object(_Users)
    url = database_url(given.url if given else None)
    if write:
        schema_for_writing(url)
    else:
        require_schema(url)
    try:
        with session_scope(url) as s:
            fn(s)
    except UserError as exc:
        raise click.ClickException(f"{action}: {exc}") from exc


@users.command("add")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["analyst", "admin"]), default="analyst", show_default=True
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add(username: str, role: str, password_stdin: bool) -> None:
    """Create an account.  Example: veilleur users add alice --role admin"""
    from review.auth import add_user

    password = _password(password_stdin)
    _run("add", lambda s: add_user(s, username, password, role))
    click.echo(f"user {username} added ({role})")


@users.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def passwd(username: str, password_stdin: bool) -> None:
    """Set a new password (ends the user's open sessions).  Example: veilleur users passwd alice"""
    from review.auth import set_password

    password = _password(password_stdin)
    _run("passwd", lambda s: set_password(s, username, password))
    click.echo(f"password of {username} changed")


@users.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Re-enable instead.")
def disable(username: str, enable: bool) -> None:
    """Disable (or --enable) an account; a disabled user is logged out at the next request.
    Example: veilleur users disable bob"""
    from review.auth import set_active

    _run("disable", lambda s: set_active(s, username, enable))
    click.echo(f"user {username} {'enabled' if enable else 'disabled'}")


@users.command("list")
def list_() -> None:
    """List accounts.  Example: veilleur users list"""
    from review.auth import list_users

    def show(s: Session) -> None:
        for u in list_users(s):
            state = "active" if u.active else "disabled"
            click.echo(f"{u.username}\t{u.role}\t{state}\t{u.created_at:%Y-%m-%d}")

    _run("list", show, write=False)
