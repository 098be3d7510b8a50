"""Registry-wide duplicate search with Splink 5 on DuckDB.

1. Read every unmerged person with ONE SQL query (`queries.active_persons_table`) into a
   DuckDB table (through Arrow); fold names (lower case, no accents) and derive blocking keys
   in DuckDB SQL.
2. Splink (Fellegi–Sunter) model, `dedupe_only`, with blocking rules so that only plausible
   pairs are ever compared (never all pairs): same ID; same phone and given-name initial; same
   birth date and surname or given-name initial; birth date with day and month swapped; same
   birth year, first surname and first given name; same surnames (also swapped) and first
   given name. Comparisons: given names (exact, Jaro–Winkler, first given name), surnames
   (exact, swapped, Jaro–Winkler straight or swapped, second surname missing on one side),
   birth date (exact, day/month swapped, one part differs), ID (exact, one edit), phone, sex.
3. Parameters are estimated deterministically: λ from deterministic rules, u by random
   sampling with a fixed seed, m by expectation maximisation on two blocking rules.
4. Predict; pairs with match probability >= `THRESHOLD` become pending `DuplicateCandidate`
   rows (bulk insert), with their reasons from `matching.compare`; pairs already in the table
   (pending or reviewed) are skipped.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
from django.db import transaction
from django.utils import translation

from . import matching
from .models import DuplicateCandidate, Source, Status
from .queries import active_persons_table

log = logging.getLogger(__name__)

THRESHOLD = 0.9  # Splink match probability needed to queue a pair
SEED = 2026
# After EM, every level keeps at least this m probability: a level never seen among the
# training matches (say, a typo in the birth date) weighs against a pair, but not infinitely.
M_FLOOR = 0.01

FOLD = (
    "nullif(trim(regexp_replace(regexp_replace(lower(strip_accents(coalesce({c}, ''))),"
    " '[^a-z0-9 ]+', ' ', 'g'), ' +', ' ', 'g')), '')"
)

PREPARE_SQL = f"""
CREATE OR REPLACE TABLE persons AS
WITH f AS (
    SELECT
        id AS unique_id,
        {FOLD.format(c="given_names")} AS given,
        {FOLD.format(c="first_surname")} AS first,
        {FOLD.format(c="second_surname")} AS second,
        nullif(upper(trim(sex)), '') AS sex,
        try_cast(birth_date AS DATE) AS birth_date,
        nullif(upper(regexp_replace(coalesce(id_number, ''), '[\\s.\\-]', '', 'g')), '') AS id_number,
        nullif(trim(phone), '') AS phone
    FROM raw_persons
)
SELECT
    *,
    split_part(given, ' ', 1) AS given1,
    year(birth_date) AS birth_year,
    CASE WHEN day(birth_date) <= 12 AND day(birth_date) <> month(birth_date)
         THEN make_date(year(birth_date), day(birth_date), month(birth_date)) END AS birth_swapped
FROM f
"""


@dataclass
class BatchResult:
    persons: int = 0
    pairs_scored: int = 0
    pairs_over_threshold: int = 0
    created: int = 0
    skipped_existing: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    pairs: list[tuple[uuid.UUID, uuid.UUID, float]] = field(default_factory=list)


def _jw(a: str, b: str, t: float) -> str:
    return f"jaro_winkler_similarity({a}, {b}) >= {t}"


def _close(a: str, b: str, t: float = 0.9) -> str:
    """Jaro-Winkler at least `t`, or one edit apart (short surnames: "saiz" / "sain")."""
    return f"({_jw(a, b, t)} OR damerau_levenshtein({a}, {b}) <= 1)"


def _settings():
    """The Splink model. Each level carries a prior m probability (how often true duplicates
    fall in it): EM starts from these and they remain if an EM session cannot run."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def level(creator, m: float, *, fix: bool = False):
        return creator.configure(m_probability=m, fix_m_probability=fix)

    def custom(sql: str, label: str, m: float):
        return level(cll.CustomLevel(sql, label), m)

    def comparison(name: str, *levels):
        return cl.CustomComparison(output_column_name=name, comparison_levels=list(levels))

    s2_both_missing = "second_l IS NULL AND second_r IS NULL"
    one_missing = "(second_l IS NULL) <> (second_r IS NULL)"
    given = comparison(
        "given",
        cll.NullLevel("given"),
        level(cll.ExactMatchLevel("given"), 0.75),
        custom(_close("given_l", "given_r", 0.92), "Jaro-Winkler >= 0.92 or one edit", 0.12),
        # "María José" / "María": pairs like these often lack other evidence that EM could
        # learn from (no birth date), so the prior is kept.
        level(cll.CustomLevel("given1_l = given1_r", "same first given name"), 0.06, fix=True),
        custom(_jw("given_l", "given_r", 0.8), "Jaro-Winkler >= 0.8", 0.04),
        level(cll.ElseLevel(), 0.02, fix=True),
    )
    surnames = comparison(
        "surnames",
        cll.NullLevel("first"),
        custom(f"first_l = first_r AND (second_l = second_r OR {s2_both_missing})", "exact", 0.6),
        custom("first_l = second_r AND second_l = first_r", "swapped", 0.08),
        custom(f"{_close('first_l', 'first_r')} AND "
               f"({_close('second_l', 'second_r')} OR {s2_both_missing})",
               "similar (Jaro-Winkler >= 0.9 or one edit) on both", 0.12),
        custom(f"{_close('first_l', 'second_r')} AND {_close('second_l', 'first_r')}",
               "similar, swapped", 0.03),
        custom(f"{one_missing} AND ({_close('first_l', 'first_r')} OR "
               f"{_close('coalesce(first_l, second_l)', 'coalesce(second_r, first_r)')} OR "
               f"{_close('coalesce(second_l, first_l)', 'coalesce(first_r, second_r)')})",
               "second surname missing on one side", 0.1),
        custom(_close("first_l", "first_r"), "first surname only", 0.04),
        level(cll.ElseLevel(), 0.03),
    )
    birth = comparison(
        "birth_date",
        cll.NullLevel("birth_date"),
        level(cll.ExactMatchLevel("birth_date"), 0.8),
        custom("birth_swapped_l = birth_date_r", "day and month swapped", 0.06),
        custom("(CAST(year(birth_date_l) = year(birth_date_r) AS INTEGER)"
               " + CAST(month(birth_date_l) = month(birth_date_r) AS INTEGER)"
               " + CAST(day(birth_date_l) = day(birth_date_r) AS INTEGER)) = 2",
               "one part differs", 0.08),
        # Siblings share surnames, phone and household: a birth date that is neither equal,
        # swapped nor one typo away must weigh heavily against a pair, whatever EM says.
        level(cll.ElseLevel(), 0.02, fix=True),
    )
    id_number = comparison(
        "id_number",
        cll.NullLevel("id_number"),
        level(cll.ExactMatchLevel("id_number"), 0.9),
        level(cll.DamerauLevenshteinLevel("id_number", 1), 0.05),
        level(cll.ElseLevel(), 0.05),
    )
    # A phone is shared by the whole household, so agreeing on it is weak evidence (fixed
    # m and u: random pairs rarely share a phone, but household members always do).
    phone = comparison(
        "phone",
        cll.NullLevel("phone"),
        cll.ExactMatchLevel("phone").configure(m_probability=0.7, u_probability=0.15,
                                               fix_m_probability=True, fix_u_probability=True),
        cll.ElseLevel().configure(m_probability=0.3, u_probability=0.85,
                                  fix_m_probability=True, fix_u_probability=True),
    )
    sex = comparison(
        "sex",
        cll.NullLevel("sex"),
        level(cll.ExactMatchLevel("sex"), 0.98, fix=True),
        level(cll.ElseLevel(), 0.02, fix=True),
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[given, surnames, birth, id_number, phone, sex],
        blocking_rules_to_generate_predictions=[
            block_on("id_number"),
            block_on("phone", "substr(given, 1, 1)"),
            block_on("birth_date", "substr(first, 1, 1)"),
            block_on("birth_date", "substr(given, 1, 1)"),
            "l.birth_swapped = r.birth_date AND substr(l.given, 1, 1) = substr(r.given, 1, 1)",
            block_on("birth_year", "first", "given1"),
            block_on("first", "second", "given1"),
            "l.first = r.second AND l.second = r.first AND l.given1 = r.given1",
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        max_iterations=20,
    )


def _load(con: duckdb.DuckDBPyConnection, territory_path: str | None) -> tuple[int, dict]:
    cols = active_persons_table(territory_path)
    ids = [str(v) for v in cols["id"]]
    raw = {
        "id": ids,
        "given_names": cols["given_names"],
        "first_surname": cols["first_surname"],
        "second_surname": cols["second_surname"],
        "sex": cols["sex"],
        "birth_date": [None if v in (None, "") else str(v) for v in cols["birth_date"]],
        "id_number": cols["id_number"],
        "phone": cols["phone"],
    }
    table = pa.table({k: pa.array(v, type=pa.string()) for k, v in raw.items()})
    con.register("raw_persons_arrow", table)
    con.execute("CREATE OR REPLACE TABLE raw_persons AS SELECT * FROM raw_persons_arrow")
    con.unregister("raw_persons_arrow")
    con.execute(PREPARE_SQL)
    return len(ids), raw


def _train(linker, db_api, n: int, *, em: bool = True):
    """Estimate λ, u and m; returns the trained linker (a fresh one if an EM session failed)."""
    from splink import Linker, block_on

    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("id_number"), block_on("given", "first", "second", "birth_date")], recall=0.7)
    training.estimate_u_using_random_sampling(max_pairs=min(5e6, max(1e5, n * 50.0)), seed=SEED)
    em_kwargs: dict[str, Any] = {}
    if n > 200_000:
        em_kwargs = {"max_pairs": 5e6, "record_sample_proportion": 0.05}
    rules = (block_on("birth_date"), block_on("first", "given1")) if em else ()
    for i, rule in enumerate(rules):
        saved = linker.misc.save_model_to_json()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, **em_kwargs)
        except ValueError as exc:
            # EM drove some m probability to exactly 0, which Splink 5 refuses, after changing
            # the model in place: carry on from the model as it was before this session.
            log.warning("duplicate search: EM session %d skipped (%s)", i + 1, exc)
            linker = Linker(db_api.register("persons", table_name=f"persons_em{i}"), saved,
                            log_level=logging.ERROR)
    return linker


def floor_m(model: dict[str, Any], floor: float = M_FLOOR) -> dict[str, Any]:
    """Raise every non-null level's m probability to at least `floor` (levels EM could not
    train get `floor`), then rescale each comparison's m probabilities to sum to 1."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for lv in levels:
            lv["m_probability"] = max(lv.get("m_probability") or 0.0, floor)
        total = sum(lv["m_probability"] for lv in levels)
        for lv in levels:
            lv["m_probability"] /= total
    return model


def find_pairs(*, territory_path: str | None = None, threshold: float = THRESHOLD,
               em: bool = True) -> tuple[BatchResult, dict[str, Any]]:
    """Score pairs with Splink; returns the result (with `pairs`) and the raw columns."""
    from splink import DuckDBAPI, Linker

    result = BatchResult()
    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    try:
        n, raw = _load(con, territory_path)
        result.persons = n
        result.timings["load"] = time.perf_counter() - t0
        if n < 2:
            return result, raw
        db_api = DuckDBAPI(connection=con)
        persons = db_api.register("persons")
        linker = Linker(persons, _settings(), log_level=logging.ERROR)
        t1 = time.perf_counter()
        linker = _train(linker, db_api, n, em=em)
        model = floor_m(linker.misc.save_model_to_json())
        linker = Linker(db_api.register("persons", table_name="persons_predict"), model,
                        log_level=logging.ERROR)
        result.timings["train"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        predictions = linker.inference.predict(threshold_match_probability=threshold,
                                               warning_mode="never")
        rows = con.execute(
            f"SELECT unique_id_l, unique_id_r, match_probability FROM {predictions.physical_name}"
            " ORDER BY match_probability DESC, unique_id_l, unique_id_r").fetchall()
        result.timings["predict"] = time.perf_counter() - t2
        for a, b, p in rows:
            ua, ub = uuid.UUID(a), uuid.UUID(b)
            if ub < ua:
                ua, ub = ub, ua
            result.pairs.append((ua, ub, float(p)))
        result.pairs_over_threshold = len(result.pairs)
    finally:
        con.close()
    return result, raw


def run(*, territory_path: str | None = None, threshold: float = THRESHOLD) -> BatchResult:
    """Find duplicate pairs across the registry and queue the new ones for review."""
    t0 = time.perf_counter()
    result, raw = find_pairs(territory_path=territory_path, threshold=threshold)
    index = {uuid.UUID(i): k for k, i in enumerate(raw["id"])}
    fields = ["given_names", "first_surname", "second_surname", "sex", "birth_date",
              "id_number", "phone"]

    def record(pk: uuid.UUID) -> matching.Record:
        k = index[pk]
        return matching.Record.from_data({f: raw[f][k] for f in fields})

    t1 = time.perf_counter()
    pairs = result.pairs
    existing: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for start in range(0, len(pairs), 500):
        chunk = pairs[start:start + 500]
        existing |= {
            (uuid.UUID(str(a)), uuid.UUID(str(b))) for a, b in DuplicateCandidate.objects.filter(
                person_a__in=[a for a, _b, _p in chunk]).values_list("person_a", "person_b")}
    new = []
    with translation.override("en"):  # reasons are stored in English, shown translated
        for a, b, p in pairs:
            if (a, b) in existing:
                result.skipped_existing += 1
                continue
            reasons = matching.compare(record(a), record(b)).reasons
            new.append(DuplicateCandidate(person_a_id=a, person_b_id=b, score=round(p, 4),
                                          reasons=reasons, source=Source.BATCH,
                                          status=Status.PENDING))
    with transaction.atomic():
        DuplicateCandidate.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    result.created = len(new)
    result.timings["save"] = time.perf_counter() - t1
    result.seconds = time.perf_counter() - t0
    log.info("duplicate search: %s persons, %s pairs, %s new, %.1fs", result.persons,
             len(pairs), result.created, result.seconds)
    return result

