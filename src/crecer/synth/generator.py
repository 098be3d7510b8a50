"""`generate()`: write a national-size synthetic data set into the configured database.

The work is cut in chunks of persons (50,000 by default). Each chunk draws from its own
generators, seeded from (seed, chunk number), so a chunk can be made on its own and the whole
data set is the same for the same seed, size and reference date, whatever the batch sizes.
Each chunk is written in one transaction through `writer` (COPY on PostgreSQL, executemany on
SQLite); nothing is held in memory beyond one chunk's families.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import random
import resource
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.core import audit
from crecer.core.models import AuditAction
from crecer.registry.models import Household, Person
from crecer.territory.models import OrgUnit

from .activity import YEARS
from .chunks import Chunks
from .finance import save_finance
from .population import estimates
from .staff import save_workforce
from .values import Clock, Uuids
from .wipe import wipe
from .world import ROOT_CODE, World, load_programmes, save_staff, save_territory
from .writer import TABLES, Sink, writer_for_connection

MIN_PERSONS, MAX_PERSONS = 1_000, 20_000_000
GROUND_TRUTH = "synth-duplicates.csv"
INDEX_FILE = "synth-indexes.json"  # indexes dropped during a load, in case it is killed
# Tables written in bulk (chunk by chunk, and the workforce and finance tables before the
# chunks): their non-unique indexes are dropped for the load and rebuilt once at the end.
CHUNK_TABLES = ["households", "persons", "person_roles", "relationships", "enrolments",
                "contacts", "stock_movements", "deliveries", "referrals", "referral_events",
                "compliance_checks", "workers", "training_sessions", "attendances",
                "completions", "budgets", "expenditures"]


class SynthRefused(RuntimeError):
    """The database already holds registry data and `replace` was not given."""


@dataclass
class Report:
    persons: int
    seed: int
    reference_date: dt.date
    backend: str
    chunks: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # short table name -> rows written
    units: dict[str, int] = field(default_factory=dict)  # territory: regions, provinces, ...
    deleted: dict[str, int] = field(default_factory=dict)  # --replace: rows removed per table
    planted_duplicates: int = 0
    ground_truth: Path | None = None
    digest: str = ""  # SHA-256 over every person's id and identifying fields, chunk by chunk
    seconds: float = 0.0
    rows_per_second: float = 0.0
    peak_memory_mb: float = 0.0  # this process (the writer)
    peak_memory_generator_mb: float = 0.0  # the largest generator process, if any
    cpu_seconds: float = 0.0  # user + system time of this process
    generator_cpu_seconds: float = 0.0  # of the generator processes
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        out = [f"synth: {self.persons:,} persons, seed {self.seed}, reference date "
               f"{self.reference_date}, {self.backend}, {self.chunks} chunks"]
        if self.deleted:
            out.append("  deleted first (--replace): " + ", ".join(
                f"{t} {n:,}" for t, n in sorted(self.deleted.items())))
        out.append("  territory: " + ", ".join(f"{k} {v:,}" for k, v in self.units.items()))
        width = max(len(t) for t in self.counts)
        for table, n in self.counts.items():
            out.append(f"  {table:<{width}} {n:>13,}")
        out.append(f"  {'total rows':<{width}} {self.rows:>13,}")
        generator = (f", generator process {self.peak_memory_generator_mb:,.0f} MB"
                     if self.peak_memory_generator_mb else "")
        out.append(f"  {self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s, peak memory "
                   f"{self.peak_memory_mb:,.0f} MB{generator}")
        out.append(f"  CPU time: this process {self.cpu_seconds:,.1f} s"
                   + (f", generator processes {self.generator_cpu_seconds:,.1f} s"
                      if self.generator_cpu_seconds else ""))
        out.append(f"  planted near-duplicates: {self.planted_duplicates:,} "
                   f"(ground truth: {self.ground_truth})")
        out.append(f"  digest: {self.digest}")
        out += [f"  note: {n}" for n in self.notes]
        return out


def peak_memory_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def chunk_sizes(persons: int, chunk_size: int) -> list[int]:
    n = math.ceil(persons / chunk_size)
    return [min(chunk_size, persons - k * chunk_size) for k in range(n)]


def generate(*, persons: int, seed: int = 1, progress: Callable[[str], None] | None = print,
             replace: bool = False, chunk_size: int = 50_000, duplicate_share: float = 0.02,
             reference_date: dt.date | None = None, data_dir: Path | None = None,
             workers: int = 1) -> Report:
    """Write `persons` persons (planted near-duplicates included) and everything around them.

    Refuses (SynthRefused) when the registry already holds households or persons, unless
    `replace`: then the previous synthetic data set is deleted first; other data is kept.
    """
    say = progress or (lambda _line: None)
    if not MIN_PERSONS <= persons <= MAX_PERSONS:
        raise ValueError(_("The number of persons must be between %(lo)s and %(hi)s.")
                         % {"lo": f"{MIN_PERSONS:,}", "hi": f"{MAX_PERSONS:,}"})
    busy = Household.objects.exists() or Person.objects.exists() \
        or OrgUnit.objects.filter(code=ROOT_CODE).exists()
    if busy and not replace:
        raise SynthRefused(_("The registry is not empty. Run with --replace to delete the "
                             "previous synthetic data set first (other data is kept), or use an "
                             "empty database."))
    started = time.perf_counter()
    cpu0, child_cpu0 = cpu_seconds(), cpu_seconds(resource.RUSAGE_CHILDREN)
    today = reference_date or timezone.localdate()
    writer = writer_for_connection()
    report = Report(persons=persons, seed=seed, reference_date=today, backend=writer.vendor)
    folder = Path(data_dir or settings.DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    report.notes += writer.begin_load()
    try:
        _restore_indexes(writer, folder, say)

        def load() -> None:
            _load(report, writer, say, seed=seed, today=today, chunk_size=chunk_size,
                  duplicate_share=duplicate_share, folder=folder, started=started,
                  workers=workers)

        _with_indexes_dropped(report, writer, say, folder, started, replace=replace, load=load)
    finally:
        report.notes += writer.end_load()
    report.seconds = round(time.perf_counter() - started, 2)
    report.rows_per_second = round(report.rows / max(report.seconds, 1e-6))
    report.peak_memory_mb = round(peak_memory_mb(), 1)
    report.cpu_seconds = round(cpu_seconds() - cpu0, 1)
    if workers:
        report.generator_cpu_seconds = round(
            cpu_seconds(resource.RUSAGE_CHILDREN) - child_cpu0, 1)
    for line in report.lines():
        say(line)
    return report


def _load(report: Report, writer, say, *, seed: int, today: dt.date, chunk_size: int,
          duplicate_share: float, folder: Path, started: float, workers: int) -> None:
    clock = Clock(settings.TIME_ZONE, writer.datetime_suffix)
    counts: Counter = Counter()
    world = World.for_seed(seed, today)
    with transaction.atomic():
        save_territory(world)
        load_programmes(world)
        sink = Sink(writer)
        user_names = save_staff(
            world, sink, persons=report.persons, duplicate_share=duplicate_share,
            date_joined=clock.utc(today - dt.timedelta(days=365 * YEARS + 30), 9 * 3600))
        save_workforce(world, sink, clock, user_names)
        save_finance(world, sink, clock, persons=report.persons, duplicate_share=duplicate_share)
    counts.update(sink.counts)
    report.units = dict(world.unit_counts)
    say("territory: " + ", ".join(f"{k} {v:,}" for k, v in world.unit_counts.items())
        + f"; users {sink.counts['users']:,}; workers {sink.counts['workers']:,}, training "
        f"sessions {sink.counts['training_sessions']:,}, attendances "
        f"{sink.counts['attendances']:,}; budgets {sink.counts['budgets']:,}, expenditures "
        f"{sink.counts['expenditures']:,} ({time.perf_counter() - started:.1f} s)")
    report.ground_truth = folder / GROUND_TRUTH
    _chunks(report, writer, say, world, clock, counts, chunk_size=chunk_size,
            duplicate_share=duplicate_share, started=started, workers=workers)
    report.counts = {t: counts[t] for t in TABLES}


def _with_indexes_dropped(report: Report, writer, say, folder: Path, started: float, *,
                          replace: bool, load: Callable[[], None]) -> None:
    """Drop the loaded tables' secondary indexes, delete the previous data set (`replace`),
    load, rebuild the indexes by sorting. On SQLite outside a transaction the delete runs after
    the drop with foreign-key enforcement off (every dependent row is deleted explicitly), so it
    maintains no index; elsewhere it runs first, as foreign-key checks need those indexes."""
    fast_wipe = writer.vendor == "sqlite" and not connection.in_atomic_block
    if replace and not fast_wipe:
        _wipe(report, say, started)
    index_file = folder / INDEX_FILE
    t0 = time.perf_counter()
    saved = writer.drop_indexes(CHUNK_TABLES)
    index_file.write_text(json.dumps(saved), encoding="utf-8")
    say(f"dropped {len(saved)} secondary indexes for the load ({time.perf_counter() - t0:.1f} s)")
    try:
        if replace and fast_wipe:
            with writer.foreign_keys_off():
                _wipe(report, say, started)
        load()
    except BaseException:
        if connection.in_atomic_block:  # the caller's transaction takes the drop back too
            index_file.unlink(missing_ok=True)
        else:  # what was written so far is committed: give it its indexes back
            writer.create_indexes(saved)
            index_file.unlink(missing_ok=True)
        raise
    t0 = time.perf_counter()
    made = writer.create_indexes(saved)
    index_file.unlink(missing_ok=True)
    say(f"rebuilt {made} secondary indexes in {time.perf_counter() - t0:.1f} s")
    writer.analyze([t for t in TABLES if report.counts.get(t)])


def _wipe(report: Report, say, started: float) -> None:
    deleted = wipe()
    report.deleted = dict(deleted)
    if deleted:
        say(f"deleted the previous synthetic data set ({sum(deleted.values()):,} rows) "
            f"in {time.perf_counter() - started:.1f} s")


def _restore_indexes(writer, folder: Path, say) -> None:
    """Indexes left dropped by a load that was killed: create them again."""
    path = folder / INDEX_FILE
    if path.exists():
        made = writer.create_indexes([tuple(x) for x in json.loads(path.read_text("utf-8"))])
        path.unlink()
        say(f"restored {made} indexes left dropped by an interrupted load")


def _chunks(report: Report, writer, say, world: World, clock: Clock, counts: Counter, *,
            chunk_size: int, duplicate_share: float, started: float, workers: int) -> None:
    sizes = chunk_sizes(report.persons, chunk_size)
    report.chunks = len(sizes)
    population: Counter = Counter()
    receipts: Counter = Counter()
    digest = hashlib.sha256()
    with report.ground_truth.open("w", newline="", encoding="utf-8") as fh:
        truth_csv = csv.writer(fh)
        truth_csv.writerow(["original_id", "duplicate_id", "role", "noise", "placement"])
        with Chunks(world, clock, sizes, chunk_size=chunk_size,
                    duplicate_share=duplicate_share, workers=workers) as chunks:
            for k in range(len(sizes)):
                t0 = time.perf_counter()
                written: Counter = Counter()

                def write(table: str, rows: list[tuple], written=written) -> None:
                    writer.write(table, rows)
                    written[table] += len(rows)

                with transaction.atomic():
                    result = chunks.run(k, write)
                truth_csv.writerows(result.truth)
                population.update(result.population)
                receipts.update(result.receipts)
                digest.update(result.digest.encode())
                report.planted_duplicates += len(result.truth)
                report.peak_memory_generator_mb = max(report.peak_memory_generator_mb,
                                                      result.peak_memory_mb)
                counts.update(written)
                rows, secs = sum(written.values()), time.perf_counter() - t0
                say(f"chunk {k + 1}/{len(sizes)}: persons {written['persons']:,}, households "
                    f"{written['households']:,}, contacts {written['contacts']:,}, referrals "
                    f"{written['referrals']:,}, deliveries {written['deliveries']:,}, checks "
                    f"{written['compliance_checks']:,}: {rows:,} rows in {secs:.1f} s "
                    f"({rows / secs:,.0f} rows/s); total {sum(counts.values()):,} rows, "
                    f"{time.perf_counter() - started:.0f} s")
    sink = Sink(writer)
    with transaction.atomic():
        estimates(world, population, sink)
        _receipts(world, receipts, clock, sink, chunk=len(sizes))
        sink.flush()
        audit.record(actor=None, action=AuditAction.IMPORT,
                     obj=OrgUnit.objects.get(pk=world.root_id), territory_path=world.root_path,
                     changes={"synth": [None, {
                         "persons": report.persons, "seed": report.seed,
                         "reference_date": report.reference_date.isoformat()}]},
                     note="synthetic data set (crecer synth)")
    counts.update(sink.counts)
    say(f"population estimates {sink.counts['population_estimates']:,}, stock receipts "
        f"{sink.counts['stock_movements']:,}")
    report.digest = digest.hexdigest()


def _receipts(world: World, receipts: Counter, clock: Clock, sink: Sink, *, chunk: int) -> None:
    """Stock received by each municipality at the start of each quarter: what it handed out
    that quarter and 15 % more, so balances stay positive."""
    uuids = Uuids(random.Random(f"synth:{world.seed}:receipts"), chunk, world.salt)
    manager = world.national_manager[0]
    for (muni_id, item_id, quarter), qty in sorted(receipts.items()):
        created = clock.utc(quarter, 9 * 3600)
        received = math.ceil(qty * 1.15)
        sink.add("stock_movements", (
            uuids.new(), created, created, item_id, muni_id, "receipt", received,
            quarter.isoformat(), f"Remesa {quarter.year}-T{(quarter.month - 1) // 3 + 1} (synth)",
            manager))

