"""The site's commands of `speechsearch`: serve the site, manage accounts, remove a video."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask

from indexer.cli_common import data_dir_option, settings_from
from indexer.jobs.embedded import EmbeddedRunner
from indexer.reindex import prepare_index

from . import create_app
from .account import send_newsletter_issue
from .auth import find_user
from .body_limits import create_limited_server
from .clock import now
from .models import ROLES, User, as_utc, db
from .passwords import broken_rules, hash_secret
from .removal import RemovalError, remove_video


def app_for(ctx: click.Context, data_dir: Path | None) -> Flask:
    """The site's app for a command: its database, its data dir (for the jobs and the index)."""
    settings = settings_from(ctx, data_dir)
    return create_app({"DATA_DIR": str(settings.data_dir),
                       "LANGUAGES": ",".join(settings.languages)})


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True,
              help="Port to listen on.")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Worker threads of the WSGI server.")
@data_dir_option
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int,
          data_dir: Path | None) -> None:
    """Serve the search site and JSON API (waitress, a production WSGI server).

    Without SPEECHSEARCH_BROKER_URL it also runs queued indexing jobs (SPEECHSEARCH_JOB_WORKERS
    at once, default 1; 0 leaves them to `speechsearch worker`).

        speechsearch serve --port 5000
    """
    app = app_for(ctx, data_dir)
    archive = app.extensions["archive"]
    # After an upgrade, the index rebuilt; after a crash, interrupted rewrites finished.
    rebuilt = prepare_index(archive.settings, archive.gazetteer)
    if rebuilt:
        click.echo(f"Index rebuilt in this version's format: {rebuilt.videos} videos, "
                   f"{rebuilt.segments} passages.")
    workers = int(app.config["JOB_WORKERS"])
    if workers and not app.config.get("BROKER_URL"):
        EmbeddedRunner(app.extensions["jobs"], workers).start()
    click.echo(f"Serving {app.config['DATA_DIR']} on http://{host}:{port}/ (Ctrl-C stops)")
    # Waitress drops X-Forwarded-* by default; with PROXY_FIX, the app's ProxyFix reads them.
    # Bodies over their route's limit are refused from the headers (body_limits.py); a client
    # silent for a minute is dropped (waitress's default: two).
    server = create_limited_server(
        app, host=host, port=port, threads=threads, ident="speechsearch", channel_timeout=60,
        clear_untrusted_proxy_headers=not app.config["PROXY_FIX"])
    server.run()


@click.group()
def users() -> None:
    """Manage the site's accounts (SPEECHSEARCH_DATABASE_URL, else SQLite in the data dir)."""


@users.command("newsletter-export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the CSV to this file instead of standard output.")
@data_dir_option
@click.pass_context
def newsletter_export(ctx: click.Context, output: Path | None, data_dir: Path | None) -> None:
    """Export the newsletter subscribers as CSV (email, subscribed_since, language).

        speechsearch users newsletter-export -o subscribers.csv
    """
    app = app_for(ctx, data_dir)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "subscribed_since", "language"])
    with app.app_context():
        query = db.select(User).where(User.newsletter_since.is_not(None)).order_by(User.email)
        for user in db.session.execute(query).scalars():
            since = as_utc(user.newsletter_since).replace(microsecond=0).isoformat()
            writer.writerow([user.email, since, user.locale])
    if output:
        output.write_text(buffer.getvalue(), encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(buffer.getvalue(), nl=False)


@users.command("newsletter-send")
@click.option("--subject", required=True, help="Subject line of the newsletter.")
@click.option("--body", "body_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Text file with the body; every mail gets a one-click unsubscribe link.")
@data_dir_option
@click.pass_context
def newsletter_send(ctx: click.Context, subject: str, body_file: Path,
                    data_dir: Path | None) -> None:
    """Send a newsletter issue to every subscriber (links use SPEECHSEARCH_PUBLIC_URL).

        speechsearch users newsletter-send --subject "New in the archive" --body issue.txt
    """
    app = app_for(ctx, data_dir)
    with app.app_context():
        sent = send_newsletter_issue(subject, body_file.read_text(encoding="utf-8"))
    click.echo(f"sent to {sent} subscriber(s)")


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True,
                        confirmation_prompt="Repeat the password")


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True,
              help="archivist: may upload media, edit metadata, remove videos, see the jobs.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of "
                   "prompting for it twice.")
@data_dir_option
@click.pass_context
def add_user(ctx: click.Context, email: str, role: str, password_stdin: bool,
             data_dir: Path | None) -> None:
    """Create an account, verified at once (no mailed code).

        speechsearch users add desk@example.org --role archivist
    """
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from None
    app = app_for(ctx, data_dir)
    with app.app_context():
        exists = find_user(email) is not None
    if exists:  # said before the password is asked for
        raise click.ClickException(f"an account with {email} already exists; change its role "
                                   f"with: speechsearch users set-role {email} {role}")
    password = read_password(password_stdin)
    # Outside the app context: the rules are said in English, not in a request's language.
    if broken := broken_rules(password):
        raise click.ClickException(f"the password needs: {', '.join(broken)}")
    with app.app_context():
        moment = now()
        db.session.add(User(email=email, password_hash=hash_secret(password), role=role,
                            created_at=moment, verified_at=moment))
        db.session.commit()
    click.echo(f"created {email} ({role}), verified: it can log in now")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@data_dir_option
@click.pass_context
def set_role(ctx: click.Context, email: str, role: str, data_dir: Path | None) -> None:
    """Make an account an archivist, or a member again.

        speechsearch users set-role desk@example.org archivist
    """
    app = app_for(ctx, data_dir)
    with app.app_context():
        user = find_user(email)
        if user is None:
            raise click.ClickException(f"no account with the e-mail {email.strip().lower()}")
        before, user.role = user.role, role
        db.session.commit()
        email = user.email
    click.echo(f"{email} is now {'an' if role == 'archivist' else 'a'} {role}"
               + (" (unchanged)" if before == role else f" (was {before})"))


@click.command()
@click.argument("video_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True,
              help="Remove even while a job is working on the video (a job stuck as running "
                   "after its worker died).")
@data_dir_option
@click.pass_context
def remove(ctx: click.Context, video_id: str, yes: bool, force: bool,
           data_dir: Path | None) -> None:
    """Remove a video: its search index entries, transcript, jobs, and its media file if it is
    stored inside the data dir (a file indexed from elsewhere is left in place).

        speechsearch remove 4f1c2a9be0d3c817
    """
    app = app_for(ctx, data_dir)
    if not yes:
        click.confirm(f"Remove video {video_id} from the archive?", abort=True)
    try:
        with app.app_context():
            removal = remove_video(app.extensions["archive"].settings, video_id, force=force)
    except RemovalError as exc:  # said outside the app context: in English
        raise click.ClickException(f"nothing removed: {exc}") from None
    click.echo(f"removed {video_id} {removal.title!r}: {removal.segments} index entries, "
               f"transcript {'deleted' if removal.transcript else 'none'}, "
               f"{removal.jobs} job(s)")
    for path in removal.media_removed:
        click.echo(f"deleted media file {path}")
    for path in removal.media_kept:
        click.echo(f"kept {path}: it is outside the data dir")
