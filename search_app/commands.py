"""The site's commands of `speechsearch`: serve the site, manage accounts."""

from __future__ import annotations

from pathlib import Path

import click

from indexer.cli_common import data_dir_option, settings_from


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
    import waitress

    from search_app import create_app

    settings = settings_from(ctx, data_dir)
    app = create_app({"DATA_DIR": str(settings.data_dir),
                      "LANGUAGES": ",".join(settings.languages)})
    workers = int(app.config["JOB_WORKERS"])
    if workers and not app.config.get("BROKER_URL"):
        from search_app.jobs.embedded import EmbeddedRunner

        EmbeddedRunner(app, workers).start()
    click.echo(f"Serving {settings.data_dir} on http://{host}:{port}/ (Ctrl-C stops)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="speechsearch")


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
    import csv
    import io

    from search_app import create_app
    from search_app.codes import as_utc
    from search_app.models import User, db

    settings = settings_from(ctx, data_dir)
    app = create_app({"DATA_DIR": str(settings.data_dir)})
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
    from search_app import create_app
    from search_app.account import send_newsletter_issue

    settings = settings_from(ctx, data_dir)
    app = create_app({"DATA_DIR": str(settings.data_dir)})
    with app.app_context():
        sent = send_newsletter_issue(subject, body_file.read_text(encoding="utf-8"))
    click.echo(f"sent to {sent} subscriber(s)")
