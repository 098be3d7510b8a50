"""Column values in the form Django writes them, made fast: UUIDs as 32 hex digits (what the
UUIDField stores on SQLite; PostgreSQL's uuid type reads the same text), dates as ISO text,
datetimes in UTC ("YYYY-MM-DD HH:MM:SS", with "+00" on PostgreSQL), JSON as `json.dumps` text.

National IDs and phones come from bijections of a person's global number, so that chunks made
independently never collide.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

ID_TYPE = "OTHER"  # registry.models.IdType.OTHER: the synthetic country's own document
ID_COUNTRY = "XS"  # ISO 3166 user-assigned code: a country that does not exist
# +999 is reserved by the ITU for a future global service: no real phone has it, so a synthetic
# data set can never text a real person even if a real SMS gateway is configured.
PHONE_PREFIX = "+9997"
NOISE_PHONE_PREFIX = "+9996"
_ID_MOD = 10**8
_ID_MUL, _ID_ADD = 73_211_917, 20_262_027  # multiplier coprime with 10: a bijection mod 10^8
_PH_MUL, _PH_ADD = 91_876_543, 31_415_926


def national_id(region: int, number: int) -> str:
    """A 10-digit ID: two digits of region, eight of a permuted serial (unique per number)."""
    return f"{region % 100:02d}{(number * _ID_MUL + _ID_ADD) % _ID_MOD:08d}"


def phone(number: int) -> str:
    return f"{PHONE_PREFIX}{(number * _PH_MUL + _PH_ADD) % _ID_MOD:08d}"


class NoisePhones:
    """What `demo.noise.make_duplicate` asks of its `people` argument: a new phone number."""

    def __init__(self, base: int) -> None:
        self.next = base

    def phone(self) -> str:
        self.next += 1
        return f"{NOISE_PHONE_PREFIX}{(self.next * _PH_MUL + _PH_ADD) % _ID_MOD:08d}"


class Uuids:
    """Version-4 UUIDs from a seeded generator. The first 32 bits carry the chunk number (as a
    UUIDv7 carries its time), so each chunk's rows land together in the primary-key index."""

    def __init__(self, rng: random.Random, chunk: int, salt: int) -> None:
        self._bits = rng.getrandbits
        self._prefix = ((salt + chunk) & 0xFFFFFFFF) << 96

    def new(self) -> str:
        value = self._prefix | self._bits(96)
        value = (value & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
        value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
        return f"{value:032x}"


def dashed(hex32: str) -> str:
    """The canonical text of a UUID (what `str(uuid)` gives), for JSON lists and CSV files."""
    h = hex32
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Clock:
    """Local times of the configured time zone written as UTC text, the way Django stores an
    aware datetime. `suffix` is "" for SQLite and "+00" for PostgreSQL."""

    def __init__(self, tz_name: str, suffix: str) -> None:
        self._tz = zoneinfo.ZoneInfo(tz_name)
        self._midnights: dict[dt.date, int | None] = {}  # local midnight, UTC seconds
        self._days: dict[int, str] = {}
        self.suffix = suffix

    def _midnight(self, day: dt.date) -> int | None:
        """Local midnight in UTC seconds, or None on a day when the offset changes."""
        early = dt.datetime.combine(day, dt.time(0), tzinfo=self._tz).utcoffset()
        late = dt.datetime.combine(day, dt.time(23, 59), tzinfo=self._tz).utcoffset()
        value = None if early != late else \
            day.toordinal() * 86400 - int((early or dt.timedelta(0)).total_seconds())
        self._midnights[day] = value
        return value

    def utc(self, day: dt.date, seconds: int) -> str:
        """`seconds` after local midnight of `day`, as stored UTC text."""
        base = self._midnights[day] if day in self._midnights else self._midnight(day)
        if base is None:  # daylight-saving change that day: the exact, slower way
            local = dt.datetime.combine(day, dt.time(), tzinfo=self._tz) \
                + dt.timedelta(seconds=seconds)
            moment = local.astimezone(dt.UTC)
            return f"{moment:%Y-%m-%d %H:%M:%S}{self.suffix}"
        ordinal, rest = divmod(base + seconds, 86400)
        text = self._days.get(ordinal)
        if text is None:
            text = self._days[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{text} {hours:02d}:{minutes:02d}:{secs:02d}{self.suffix}"


def month_periods(end: dt.date, months: int) -> list[tuple[str, dt.date, dt.date]]:
    """The `months` calendar months before the one of `end`: ("YYYY-MM", first day, last day),
    oldest first."""
    out = []
    first = end.replace(day=1)
    for _i in range(months):
        last = first - dt.timedelta(days=1)
        first = last.replace(day=1)
        out.append((f"{first:%Y-%m}", first, last))
    return out[::-1]
