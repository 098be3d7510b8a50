"""`crecer demo`: create the data folder, migrate, load demo data if empty, serve."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command


def _indent(message: str) -> None:
    print(f"    {message}", flush=True)


def run_demo(*, host: str, port: int, password: str, serve: bool = True) -> int:
    from crecer.accounts.models import User

    print(f"Crecer data folder: {settings.DATA_DIR}", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    from crecer.core.i18n import ensure_compiled

    ensure_compiled()
    if not User.objects.exists():
        import os

        from crecer.demo.generator import generate

        # The demo's own refresh runs at the end of loading; no refresh per change meanwhile.
        auto_refresh = settings.CRECER_INDICATORS_AUTO_REFRESH
        settings.CRECER_INDICATORS_AUTO_REFRESH = False
        households = int(os.environ.get("CRECER_DEMO_HOUSEHOLDS", "3000"))
        generate(password=password, progress=True, households=households,
                 duplicates=max(households // 10, 1))
        from crecer.demo.fieldwork import seed_fieldwork  # programmes, enrolments, contacts

        print(f"  demo data: field work {seed_fieldwork(password=password)}", flush=True)
        from crecer.deliveries.catalogue import load_items
        from crecer.referrals.demo import seed_referrals

        load_items()
        print(f"  demo data: referrals {seed_referrals(password=password)}", flush=True)
        from crecer.demo.operations import seed_compliance, seed_deliveries

        print(f"  demo data: deliveries {seed_deliveries()}", flush=True)
        print(f"  demo data: co-responsibilities {seed_compliance()}", flush=True)
        from crecer.demo.wide import seed_wide_fieldwork  # field work in every municipality

        print(f"  demo data: wide field work {seed_wide_fieldwork(password=password)}",
              flush=True)
        from crecer.demo.finance import seed_finance
        from crecer.demo.workforce import seed_workforce

        print(f"  demo data: workforce and training {seed_workforce()}", flush=True)
        print(f"  demo data: finance {seed_finance()}", flush=True)
        from crecer.demo.tablero import seed_tablero

        print(f"  demo data: tablero {seed_tablero(progress=_indent)}", flush=True)
        from crecer.demo.implementation import seed_implementation
        from crecer.demo.planning import seed_planning
        from crecer.demo.scaleup import seed_scaleup

        print(f"  demo data: scale-up phases {seed_scaleup()}", flush=True)
        print(f"  demo data: implementation and committees {seed_implementation()}", flush=True)
        print(f"  demo data: diagnosis, plans, evaluations, risks {seed_planning()}", flush=True)
        settings.CRECER_INDICATORS_AUTO_REFRESH = auto_refresh
    from crecer.demo.generator import DEMO_ACCOUNTS

    url = f"http://{host}:{port}/"
    print(f"\nCrecer is running at {url}")
    print(f"Demo accounts (password: {password}):")
    for username, role, where in DEMO_ACCOUNTS:
        print(f"  {username:<14} {role:<18} {where}", flush=True)
    if not serve:
        return 0
    import atexit
    import os
    import signal
    import subprocess
    import sys

    from waitress import serve as waitress_serve

    from crecer.config.wsgi import application

    # A background worker for tasks (imports, duplicate batch job), stopped with the demo.
    worker = subprocess.Popen([sys.executable, "-m", "crecer.cli", "worker"],
                              env={**os.environ, "CRECER_DATA_DIR": str(settings.DATA_DIR)})
    atexit.register(worker.terminate)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that atexit runs
    print(f"Background worker started (pid {worker.pid}).", flush=True)

    waitress_serve(application, host=host, port=port, threads=8, _quiet=True)
    return 0
