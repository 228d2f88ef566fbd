"""Qlik's timestamp and duration notations, parsed a whole column at a time.

Qlik Sense writes every timestamp of its log files in the compact ISO 8601 form
``YYYYMMDDThhmmss.fffK`` — for example ``20110805T145657.000+0200``, 5 August 2011 at
14:56:57 GMT+2 — where ``K`` is the server's UTC offset at that moment ("Service log"
field table, help.qlik.com, Qlik Sense log file format). The offset travels with every
value, so such a timestamp means one instant whatever ``--timezone`` says. The extended form
(``2011-08-05T14:56:57.000+02:00``, ``Z`` for UTC) is read too, as exported CSV files and
newer versions use it.

A value **without** an offset (a QlikView log, a hand-made CSV) is local wall-clock time
in the site's time zone (``--timezone``, default UTC). A wall-clock time that a
daylight-saving change makes ambiguous is taken as the first (summer-time) occurrence, one
that does not exist is moved forward by the gap; both rules are pandas' and documented here
because they decide a session's hour twice a year.

Durations (``Session Duration``) are read as ``[d ]hh:mm:ss[.fff]`` (also .NET's
``d.hh:mm:ss``) or as a plain number of seconds.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["parse_durations", "parse_timestamps"]

_COMPACT = re.compile(r"^\d{8}T\d{6}")
_HAS_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
_DURATION_NAMED = r"^(?:(?P<d>\d+)[ .])?(?P<h>\d+):(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$"


def parse_timestamps(values: pd.Series, tz: ZoneInfo) -> pd.Series:
    """Parse Qlik timestamps into UTC instants; NaT where a value does not parse.

    ``values`` are strings. Values with an offset keep their instant; values without one
    are wall-clock time in ``tz``.
    """
    s = values.astype("string[pyarrow]").str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us, UTC]")
    if s.empty:
        return out
    has_offset = s.str.contains(_HAS_OFFSET, regex=True, na=False)
    compact = s.str.match(_COMPACT, na=False)

    def _aware(sel: pd.Series, fmt: str) -> None:
        if sel.any():
            parsed = pd.to_datetime(s[sel], format=fmt, errors="coerce", utc=True)
            out.loc[sel] = parsed.astype("datetime64[us, UTC]")

    _aware(has_offset & compact & s.str.contains(".", regex=False), "%Y%m%dT%H%M%S.%f%z")
    _aware(has_offset & compact & ~s.str.contains(".", regex=False), "%Y%m%dT%H%M%S%z")
    _aware(has_offset & ~compact, "ISO8601")

    naive = ~has_offset & s.notna() & (s != "")
    if naive.any():
        fmt = "ISO8601"
        raw = s[naive]
        is_compact = raw.str.match(_COMPACT, na=False)
        local = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
        if is_compact.any():
            c = raw[is_compact]
            local.loc[is_compact] = pd.to_datetime(c, format="mixed", errors="coerce").astype(
                "datetime64[us]"
            )
        if (~is_compact).any():
            local.loc[~is_compact] = pd.to_datetime(
                raw[~is_compact], format=fmt, errors="coerce"
            ).astype("datetime64[us]")
        aware = local.dt.tz_localize(
            tz, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward"
        )
        out.loc[naive] = aware.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    return out


def parse_durations(values: pd.Series) -> pd.Series:
    """Parse durations into float seconds; NaN where a value does not parse."""
    arr = pa.array(
        values.astype("string[pyarrow]").str.strip().to_numpy(dtype=object), type=pa.string()
    )
    plain = pc.match_substring_regex(arr, r"^\d+(?:\.\d+)?$")
    number = pc.if_else(plain, arr, pa.scalar(None, pa.string()))
    secs = pc.cast(number, pa.float64()).to_numpy(zero_copy_only=False)
    parts = pc.extract_regex(pc.if_else(plain, pa.scalar("", pa.string()), arr), _DURATION_NAMED)
    fields = {}
    for name in ("d", "h", "m", "s"):
        col = pc.struct_field(parts, name)
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        fields[name] = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    hms = (
        np.nan_to_num(fields["d"], nan=0.0) * 86400.0
        + fields["h"] * 3600.0
        + fields["m"] * 60.0
        + fields["s"]
    )
    out = np.where(np.isnan(secs), hms, secs)
    return pd.Series(out, index=values.index, dtype="float64")
