"""`crecer demo`: create the data folder, migrate, load demo data if empty, serve."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command


def run_demo(*, host: str, port: int, password: str, serve: bool = True) -> int:
    from crecer.accounts.models import User

    print(f"Crecer data folder: {settings.DATA_DIR}", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    from crecer.core.i18n import ensure_compiled

    ensure_compiled()
    if not User.objects.exists():
        import os

        from crecer.demo.generator import generate

        households = int(os.environ.get("CRECER_DEMO_HOUSEHOLDS", "3000"))
        generate(password=password, progress=True, households=households,
                 duplicates=max(households // 10, 1))
    from crecer.demo.generator import DEMO_ACCOUNTS

    url = f"http://{host}:{port}/"
    print(f"\nCrecer is running at {url}")
    print(f"Demo accounts (password: {password}):")
    for username, role, where in DEMO_ACCOUNTS:
        print(f"  {username:<14} {role:<18} {where}", flush=True)
    if not serve:
        return 0
    from waitress import serve as waitress_serve

    from crecer.config.wsgi import application

    waitress_serve(application, host=host, port=port, threads=8, _quiet=True)
    return 0
