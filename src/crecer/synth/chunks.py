"""Making chunks, in this process or in generator processes while this one writes.

`make_chunk` is the whole of one chunk: families, then each household's field work. It reads
nothing from the database and depends only on (world, seed, chunk number, size), so chunks can
be made in any process, in any order, and still give the same rows. `Chunks.run` hands the rows
over in chunk order: made inline (`workers=0`) or by `workers` generator processes through
bounded queues, so that generating chunk k+1 overlaps with writing chunk k on a 2-core machine.
"""

from __future__ import annotations

import multiprocessing
import pickle
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import translation

from .activity import ActivityMaker
from .families import FamilyMaker
from .process import work
from .values import Clock
from .world import World
from .writer import Sink

LANGUAGE = "es"  # the data set's language (reasons, notes made with gettext)
QUEUE_BATCHES = 8  # batches of rows waiting between a generator process and the writer


@dataclass
class ChunkResult:
    number: int
    truth: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    population: Counter = field(default_factory=Counter)
    receipts: Counter = field(default_factory=Counter)
    digest: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    peak_memory_mb: float = 0.0  # of the generator process that made it (0: made inline)


def own_peak_memory_mb() -> float:
    """This process's peak resident memory since it started its program (Linux VmHWM; unlike
    getrusage, not inflated by the parent's size at fork time)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_chunk(world: World, clock: Clock, k: int, size: int, *, chunk_size: int,
               duplicate_share: float, emit: Callable[[str, list[tuple]], None],
               batch: int = 20_000) -> ChunkResult:
    sink = Sink(None, batch=batch, on_rows=emit)
    with translation.override(LANGUAGE):  # texts made with gettext: the same in every process
        fam = FamilyMaker(world, k, clock, sink, number_base=k * chunk_size,
                          chunk_size=chunk_size).make(size, duplicate_share)
        act = ActivityMaker(world, k, clock, sink)
        for home in fam.homes:
            act.household(home)
    sink.flush()
    return ChunkResult(k, fam.truth, fam.population, act.receipts, fam.digest, dict(sink.counts))


def run_jobs(payload: bytes, queue) -> None:  # pragma: no cover - in a generator process
    """Make the chunks of `payload` and put their rows and results on `queue`."""
    try:
        world, clock, jobs, chunk_size, duplicate_share = pickle.loads(payload)
        for k, size in jobs:
            result = make_chunk(world, clock, k, size, chunk_size=chunk_size,
                                duplicate_share=duplicate_share,
                                emit=lambda table, rows, k=k: queue.put(("rows", k, table, rows)))
            result.peak_memory_mb = round(own_peak_memory_mb(), 1)
            queue.put(("done", k, result))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        queue.put(("error", -1, traceback.format_exc()))


class Chunks:
    """Chunks in order: `run(k, on_rows)` makes chunk k (or takes it from the generator
    process making it), calls `on_rows(table, rows)` for each batch and returns its result.
    Use as a context manager: the generator processes are stopped on the way out."""

    def __init__(self, world: World, clock: Clock, sizes: list[int], *, chunk_size: int,
                 duplicate_share: float, workers: int) -> None:
        self.world, self.clock, self.sizes = world, clock, sizes
        self.chunk_size, self.duplicate_share = chunk_size, duplicate_share
        self.workers = min(max(workers, 0), len(sizes))
        self.queues: list = []
        self.procs: list = []

    def __enter__(self) -> Chunks:
        if self.workers:
            # Fresh interpreters ("spawn"), not forks: a forked child would share this
            # process's open database connection (SQLite's docs forbid carrying one across a
            # fork; a PostgreSQL socket would be shared too).
            ctx = multiprocessing.get_context("spawn")
            self.queues = [ctx.Queue(maxsize=QUEUE_BATCHES) for _ in range(self.workers)]
            for w in range(self.workers):
                jobs = [(k, n) for k, n in enumerate(self.sizes) if k % self.workers == w]
                payload = pickle.dumps((self.world, self.clock, jobs, self.chunk_size,
                                        self.duplicate_share))
                proc = ctx.Process(target=work, daemon=True, name=f"crecer-synth-{w}",
                                   args=(payload, self.queues[w]))
                proc.start()
                self.procs.append(proc)
        return self

    def run(self, k: int, on_rows: Callable[[str, list[tuple]], None]) -> ChunkResult:
        if not self.workers:
            return make_chunk(self.world, self.clock, k, self.sizes[k],
                              chunk_size=self.chunk_size,
                              duplicate_share=self.duplicate_share, emit=on_rows)
        queue = self.queues[k % self.workers]
        while True:
            message = queue.get()
            if message[0] == "error":
                raise RuntimeError(f"synth generator process failed:\n{message[2]}")
            if message[0] == "done":
                return message[2]
            on_rows(message[2], message[3])

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            if exc[0] is not None:
                proc.terminate()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for queue in self.queues:
            queue.close()
            queue.cancel_join_thread()
