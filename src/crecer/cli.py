"""The `crecer` command.

    crecer demo [--data-dir DIR] [--port N] [--demo-password P]
    crecer synth --persons N [--seed S] [--replace]   (synthetic national data set)
    crecer token create --user U
    crecer worker
    crecer serve [--host H] [--port N] [--threads T]   (the web server, without demo data)
    crecer indicators refresh [--full] | load-catalogue | import-targets FILE.csv
    crecer <any django management command> ...

Every command finds its data through --data-dir or CRECER_DATA_DIR, and uses
PostgreSQL instead of SQLite when DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import os
import sys


def _setup(data_dir: str | None) -> None:
    if data_dir:
        os.environ["CRECER_DATA_DIR"] = data_dir
    os.environ.setdefault("CRECER_DATA_DIR", "crecer-data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crecer.config.settings")
    import django

    django.setup()


def _pop_data_dir(argv: list[str]) -> tuple[str | None, list[str]]:
    out, data_dir, it = [], None, iter(argv)
    for arg in it:
        if arg == "--data-dir":
            data_dir = next(it, None)
        elif arg.startswith("--data-dir="):
            data_dir = arg.split("=", 1)[1]
        else:
            out.append(arg)
    return data_dir, out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    data_dir, argv = _pop_data_dir(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    _setup(data_dir)
    from django.core.management import call_command, execute_from_command_line

    if command == "demo":
        from crecer.demo.run import run_demo

        parser = argparse.ArgumentParser(prog="crecer demo")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--demo-password", default=os.environ.get("CRECER_DEMO_PASSWORD", "crecer-demo"))
        parser.add_argument("--no-serve", action="store_true", help="prepare the data and exit")
        args = parser.parse_args(rest)
        return run_demo(host=args.host, port=args.port, password=args.demo_password,
                        serve=not args.no_serve)
    if command == "synth":
        from crecer.synth.command import main as synth

        return synth(rest)
    if command == "token":
        parser = argparse.ArgumentParser(prog="crecer token")
        parser.add_argument("action", choices=["create"])
        parser.add_argument("--user", required=True)
        parser.add_argument("--name", default="cli")
        args = parser.parse_args(rest)
        from crecer.accounts.models import ApiToken, User

        user = User.objects.filter(username=args.user).first()
        if user is None:
            print(f"crecer: no user named {args.user!r}", file=sys.stderr)
            return 2
        _token, raw = ApiToken.issue(user, name=args.name)
        print(raw)
        return 0
    if command == "serve":
        parser = argparse.ArgumentParser(prog="crecer serve")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        args = parser.parse_args(rest)
        from waitress import serve

        from crecer.config.wsgi import application

        serve(application, host=args.host, port=args.port, threads=args.threads)
        return 0
    if command == "worker":
        call_command("db_worker", *rest)
        return 0
    execute_from_command_line(["crecer", command, *rest])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
