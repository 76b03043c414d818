"""The replay (回放) of case histories into evaluation counters: one definition, in SQL.

Every counter of every evaluated object is a sum of *emissions*: an event of a case adds
``n`` to one counter of one object on one local day. The emissions of a case depend only
on its own events (read in ``seq`` order) and on its facts (channel, area codes, matter),
so the aggregates are a sum over cases, a refresh adds ``emissions(all events) −
emissions(events already counted)`` for the cases with new events, and a recompute sums
the emissions of every case. All three, and the drill-down to the cases behind a number,
run the statement built here, on SQLite and on PostgreSQL alike.

How the statement works, in three steps:

1. ``ev``: one narrow row per event — action and role as small codes, the instant in
   microseconds since the epoch, the clock the event sets (the stage its ``data.stage``
   names when the data also holds ``due_at``, with that due instant; or, for an approved
   extension with ``until``, the handling clock with the new due), the department of a
   dispatch and a few bits read from the data. Each data key is read once.
2. ``w``: ten window aggregates over each case's events in order, each "the latest
   earlier event of some sort", packed as ``seq × 2^k + value`` so that ``max`` picks
   the latest one: the latest clock set (its stage and due), the last suspension, the
   last filing and report (day and actor), the last dispatch (instant, department,
   dispatcher), receipt and return. From them each event knows whether it was on time
   (an action judged by a stage is late when the latest clock set before it is that
   stage's and it came after the due), the department then holding the case, whether it
   is the first filing, and to whom and on which day an outcome known only later is
   booked. Such an outcome is counted when the act happens and taken back (−1, on the
   act's day) by the event that reverses it: a dispatch counts as accurate until a
   rework (返工) follows it (standards §5.2: 准确派遣数 = 应派遣数 − 返工数), a handling
   period that turned red counts as overdue and not handled until it is handled. So
   every count only ever depends on the events up to the watermark.
3. Emissions are first counted per *family* of objects (staff actor, department, area,
   hotspot) with the action and a few flags, then mapped to counters with the rule table
   ``RULES`` — so the large step only counts and the mapping reads a small result.

Two parts are not window aggregates. Red lights (超期) need a second window (the day and
department of the first red light since the handling clock last started), so they run
as a separate statement over the cases that ever went red on handling — which the first
statement marks (``F_MARK`` rows) as it counts. A handling clock that was suspended
(挂账) is moved by the pauses in working time: those judgements are made in Python with
the work calendars (``shifted_on_time``), for the few events concerned, and read by the
statement from a temporary table.

Day: the local day in China Standard Time (UTC+8, no daylight saving since 1991).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from urbangrid.calendars import worktime
from urbangrid.calendars.services import spec_for_calendar
from urbangrid.evaluation import indicators as ind
from urbangrid.organisations.models import Department

# --- Codes ---------------------------------------------------------------------------------

ACTIONS = (  # the usual ones first: the CASE that codes them tries them in this order
    "dispatch",
    "report",
    "accept",
    "file",
    "receive",
    "report_handled",
    "send_check",
    "check",
    "close",
    "send_verify",
    "verify",
    "callback",
    "light_changed",
    "return",
    "rework",
    "cancel",
    "not_accept",
    "approve_extension",
    "approve_suspension",
    "resume",
    "send_back",
    "reopen",
    "self_handle",
)
A = {name: code for code, name in enumerate(ACTIONS, start=1)}  # 0: any other action
STAGES = ("accept", "verify", "file", "dispatch", "handle", "check", "close")
S = {name: code for code, name in enumerate(STAGES, start=1)}
ROLES = ind.STAFF_KINDS  # inspector, operator, shift_leader, dispatcher
R = {name: code for code, name in enumerate(ROLES, start=1)}

JUDGED = {  # action → the stage whose clock judges it "on time"
    "send_verify": "accept",
    "verify": "verify",
    "accept": "accept",
    "file": "file",
    "dispatch": "dispatch",
    "report_handled": "handle",
    "send_check": "check",
    "check": "check",
    "close": "close",
}

# Bits of ``x`` (read from the event's data) and of the flags ``fl`` of a counted row.
X_FROM_TO_DISPATCH = 1  # cancel: from status to_dispatch
X_NORMAL_CLOSE = 1  # close: closing type normal (or not given)
X_RED = 1  # light_changed: the handling light turned red
X_REACHED, X_SOLVED = 1, 2  # callback
X_SAT = {answer: 4 << i for i, answer in enumerate(ind.SATISFACTION_ANSWERS)}
ON_TIME = 1 << 8
PUBLIC = 1 << 9  # the case was not reported by an inspector
FIRST_FILING = 1 << 10
BY_INSPECTOR = 1 << 11  # the event's actor role is inspector

# Families of counted rows.
F_STAFF = 1  # key: actor (and role, for cancellations)
F_STAFF_LATER = 2  # staff outcomes booked on an earlier day: ``a`` is a LATER_* code
F_DEPT = 3  # key: the department holding the case
F_RESPONSE = 4  # the first receipt of a dispatch: ``a`` = index of the first bucket met
F_AREA = 5  # key: the case's grid, community, street and district
F_HOTSPOT = 6  # reports by grid and matter
F_HOUR = 8  # reports by matter: ``a`` = the local hour
F_RED = 7  # red lights: ``a`` = RED_*; key: department and the areas
F_MARK = 9  # a handling light turned red: key = the case (no counter: read back by
# ``count_into`` to know the cases the red-light statement must replay)

LATER_VALID_REPORT, LATER_FILING_CANCELLED, LATER_FILING_SENT_BACK, LATER_NOT_ACCURATE = 1, 2, 3, 4
RED_START, RED_HANDLED = 1, 2

K42 = 1 << 42  # seq × K42 + milliseconds (or + another 42-bit value)
K32 = 1 << 32  # seq × K32 + (small integer + 1)
K25 = 1 << 25  # (day + 1) × K25 + (user id + 1): a day and a user in 42 bits
K8, K17, K20, K28, K45 = 1 << 8, 1 << 17, 1 << 20, 1 << 28, 1 << 45  # a counted row's key
K16 = 1 << 16  # seq × K16 + stage × K10 + the microseconds within the millisecond
K10 = 1 << 10
US_PER_DAY = 86_400_000_000
UTC8 = 8 * 3_600_000_000
# The packing holds for events numbered below 2^21 in their case (real cases have tens),
# instants before the year 2109, user ids below 2^25 and department ids below 2^32.
DAY = f"((t + {UTC8}) / {US_PER_DAY})"  # the local day number of an event


# --- The rule table: counted rows → counters ------------------------------------------------


@dataclass(frozen=True)
class Rule:
    family: int
    a: int  # action code (or LATER_*/RED_* code)
    kind: str  # object kind; "@role" = the actor's role; "@area" = every area level
    counter: str
    need: int = 0  # flag bits that must all be set
    forbid: int = 0  # flag bits that must all be clear
    n: int = 1


def _rules() -> list[Rule]:
    rules: list[Rule] = []

    def staff(action: str, kind: str, counter: str, need: int = 0, forbid: int = 0) -> None:
        rules.append(Rule(F_STAFF, A[action], kind, counter, need, forbid))

    for action in ("report", "self_handle"):
        staff(action, ind.INSPECTOR, "reports", BY_INSPECTOR)
    staff("self_handle", ind.INSPECTOR, "self_handled", BY_INSPECTOR)
    for action, kind, counter, on_time in (
        ("send_verify", ind.OPERATOR, "send_verify", "send_verify_on_time"),
        ("verify", ind.INSPECTOR, "verify_tasks", "verify_on_time"),
        ("accept", ind.OPERATOR, "accepts", "accepts_on_time"),
        ("file", ind.SHIFT_LEADER, "filed", "filed_on_time"),
        ("dispatch", ind.DISPATCHER, "dispatches", "dispatches_on_time"),
        ("send_check", ind.OPERATOR, "send_checks", "send_checks_on_time"),
        ("check", ind.INSPECTOR, "check_tasks", "check_on_time"),
        ("close", ind.SHIFT_LEADER, "closes", "closes_on_time"),
    ):
        staff(action, kind, counter)
        staff(action, kind, on_time, ON_TIME)
    staff("dispatch", ind.DISPATCHER, "dispatches_accurate")
    staff("not_accept", ind.OPERATOR, "not_accepts")
    staff("cancel", "@role", "cancels")
    staff("send_back", ind.DISPATCHER, "send_backs")
    for code, kind, counter, n in (
        (LATER_VALID_REPORT, ind.INSPECTOR, "valid_reports", 1),
        (LATER_FILING_CANCELLED, ind.SHIFT_LEADER, "filings_cancelled", 1),
        (LATER_FILING_SENT_BACK, ind.SHIFT_LEADER, "filings_sent_back", 1),
        (LATER_NOT_ACCURATE, ind.DISPATCHER, "dispatches_accurate", -1),
    ):
        rules.append(Rule(F_STAFF_LATER, code, kind, counter, n=n))

    def dept_and_areas(action: str, counter: str, need: int = 0, forbid: int = 0) -> None:
        rules.append(Rule(F_DEPT, A[action], ind.DEPARTMENT, counter, need, forbid))
        rules.append(Rule(F_AREA, A[action], "@area", counter, need, forbid))

    dept_and_areas("dispatch", "to_handle")
    dept_and_areas("report_handled", "handled")
    dept_and_areas("report_handled", "handled_on_time", ON_TIME)
    dept_and_areas("report_handled", "handled_late", 0, ON_TIME)
    dept_and_areas("close", "closed")
    dept_and_areas("close", "closed_on_time", X_NORMAL_CLOSE)
    dept_and_areas("rework", "reworks")
    dept_and_areas("callback", "callbacks")
    dept_and_areas("callback", "reached", X_REACHED)
    dept_and_areas("callback", "solved", X_REACHED | X_SOLVED)
    for answer, bit in X_SAT.items():
        dept_and_areas("callback", f"sat_{answer}", X_REACHED | bit)
    for action, counter in (
        ("return", "returns"),
        ("approve_extension", "extensions"),
        ("approve_suspension", "suspensions"),
    ):
        rules.append(Rule(F_DEPT, A[action], ind.DEPARTMENT, counter))
    for action in ("report", "self_handle"):
        rules.append(Rule(F_AREA, A[action], "@area", "reports"))
        rules.append(Rule(F_AREA, A[action], "@area", "public_reports", PUBLIC))
    rules.append(Rule(F_AREA, A["file"], "@area", "filed", FIRST_FILING))
    rules.append(Rule(F_AREA, A["file"], "@area", "public_filed", FIRST_FILING | PUBLIC))
    rules.append(Rule(F_AREA, A["reopen"], "@area", "reopens"))
    for kind in (ind.DEPARTMENT, "@area"):
        rules.append(Rule(F_RED, RED_START, kind, "overdue"))
        rules.append(Rule(F_RED, RED_START, kind, "overdue_unhandled"))
        rules.append(Rule(F_RED, RED_HANDLED, kind, "overdue_unhandled", n=-1))
    return rules


RULES: tuple[Rule, ...] = tuple(_rules())


# --- Dialects ------------------------------------------------------------------------------


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _us(value: Any) -> int | None:
    """SQLite ``ug_us(text)``: an ISO instant (naive = UTC) in µs since the epoch."""
    if value is None or value == "":
        return None
    moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


class Dialect:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.pg = vendor == "postgresql"

    def us(self, column: str) -> str:
        """A timestamp column in microseconds since the epoch."""
        if self.pg:
            # date_part is a float8 (much cheaper than the numeric EXTRACT): the two
            # roundings stay under half a microsecond while |seconds| < 2^32, so the
            # rounded value is exact for any instant from 1834 to 2106.
            return f"round(date_part('epoch', {column}) * 1000000)::bigint"
        return f"ug_us({column})"

    def us_text(self, expr: str) -> str:
        """ISO text (NULL or '' → NULL) in microseconds since the epoch."""
        if self.pg:
            return self.us(f"CAST(NULLIF({expr}, '') AS timestamptz)")
        return f"ug_us({expr})"

    def json_text(self, expr: str) -> str:
        """The text of a JSON scalar (a string unquoted; JSON null → NULL)."""
        if self.pg:
            return f"({expr} #>> '{{}}')"
        return f"({expr} ->> '$')"

    def integer(self, expr: str) -> str:
        return f"CAST({expr} AS {'bigint' if self.pg else 'INTEGER'})"

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS {'text' if self.pg else 'TEXT'})"

    @property
    def fence(self) -> str:
        """Ends a subquery the planner must not merge into its parent (each of its
        expressions is then computed once per row, not once per use)."""
        return "OFFSET 0" if self.pg else "LIMIT -1 OFFSET 0"

    def date(self, day_number: str) -> str:
        if self.pg:
            return f"(DATE '1970-01-01' + CAST({day_number} AS integer))"
        return f"date(({day_number}) * 86400, 'unixepoch')"


def prepare(conn: BaseDatabaseWrapper = default_connection) -> Dialect:
    """The dialect of ``conn`` (SQLite: register ``ug_us`` on the connection)."""
    conn.ensure_connection()
    if conn.vendor == "sqlite":
        conn.connection.create_function("ug_us", 1, _us, deterministic=True)
    return Dialect(conn.vendor)


# --- The statement -------------------------------------------------------------------------


def _case(column: str, mapping: Mapping[str, int]) -> str:
    whens = " ".join(f"WHEN '{name}' THEN {code}" for name, code in mapping.items())
    return f"CASE {column} {whens} ELSE 0 END"


def events_sql(d: Dialect, selection: str) -> str:
    """Step 1: one narrow row per event of the selected cases (``selection`` is a
    condition on ``e``; parameter ``%(upto)s`` bounds the event ids).

    The inner query reads the columns and codes the action and role once; the outer one
    reads only the data keys the action needs (each once): the clock the event sets —
    ``ck`` the stage (an approved extension with ``until`` sets the handling clock) and
    ``cdue`` its due instant (NULL: no deadline) —, the department of a dispatch and the
    bits ``x``."""
    falsy = "('false', '0', '0.0', '\"\"', 'null', '[]', '{}')"
    reached = f"(j -> 'reached' IS NOT NULL AND j -> 'reached' NOT IN {falsy})"
    sat = " + ".join(
        f"CASE WHEN j ->> 'satisfaction' = '{answer}' THEN {bit} ELSE 0 END"
        for answer, bit in X_SAT.items()
    )
    extended = f"a = {A['approve_extension']} AND NULLIF(j ->> 'until', '') IS NOT NULL"
    starts = f"jd IS NOT NULL AND a <> {A['light_changed']}"
    return f"""
    SELECT cid, seq, eid, a, u, rl, t,
      CASE WHEN {extended} THEN {S["handle"]}
           WHEN {starts} THEN {_case("j ->> 'stage'", S)} END AS ck,
      CASE WHEN {extended} THEN {d.us_text("j ->> 'until'")}
           WHEN {starts} THEN {d.us_text(d.json_text("jd"))} END AS cdue,
      CASE WHEN {extended} THEN 1 ELSE 0 END AS xt,
      CASE WHEN a = {A["dispatch"]} THEN {d.integer("j -> 'department' ->> 'id'")} END AS dd,
      CASE a
        WHEN {A["cancel"]} THEN CASE WHEN fs = 'to_dispatch' THEN 1 ELSE 0 END
        WHEN {A["close"]} THEN CASE WHEN j -> 'closing_type' IS NULL
          OR j ->> 'closing_type' = 'normal' THEN 1 ELSE 0 END
        WHEN {A["light_changed"]} THEN CASE WHEN j ->> 'stage' = 'handle'
          AND j ->> 'to' = 'red' THEN 1 ELSE 0 END
        WHEN {A["callback"]} THEN CASE WHEN {reached} THEN 1 ELSE 0 END
          + CASE WHEN j -> 'solved' = 'true' THEN 2 ELSE 0 END + {sat}
        ELSE 0 END AS x
    FROM (
      SELECT e.case_id AS cid, e.seq AS seq, e.id AS eid, {_case("e.action", A)} AS a,
        e.actor_id AS u, {_case("e.actor_role", R)} AS rl, {d.us("e.at")} AS t,
        e.from_status AS fs, e.data AS j, e.data -> 'due_at' AS jd
      FROM cases_caseevent e
      WHERE ({selection}) AND e.id <= %(upto)s
      ORDER BY e.case_id, e.seq {d.fence}) e0
    ORDER BY cid, seq {d.fence}"""


WINDOW = "PARTITION BY cid ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"


def _latest(condition: str, value: str = "0", k: int = 1) -> str:
    """The ``value`` of the latest earlier event meeting ``condition``, packed with its
    seq as ``seq × k + value`` (0 ≤ value < k)."""
    return f"max(CASE WHEN {condition} THEN seq * {k} + {value} END) OVER p"


def window_sql(events: str, *, red: bool = False) -> str:
    """Step 2: the latest earlier events each event needs (one window, ten aggregates):

    * ``c_ms``, ``c_rs``: the latest clock set (a stage started, or the handling clock
      extended): its due in milliseconds; its stage and the due's remaining microseconds;
    * ``susp``: the latest suspension; ``rcv``, ``ret``: the latest receipt and return;
    * ``f_pk``, ``r_pk``: the latest filing and report: day and actor (for a report, the
      actor only when an inspector);
    * ``d_ms``, ``d_rd``, ``d_who``: the latest dispatch: its instant, department and
      dispatcher."""
    reports = f"a IN ({A['report']}, {A['self_handle']})"
    by_inspector = f"CASE WHEN rl = {R[ind.INSPECTOR]} THEN COALESCE(u + 1, 0) ELSE 0 END"
    dispatch = f"a = {A['dispatch']}"
    cols = [
        f"{_latest('ck > 0', 'COALESCE(cdue / 1000, 0)', K42)} AS c_ms",
        f"{_latest('ck > 0', f'ck * {K10} + COALESCE(cdue %% 1000, 0)', K16)} AS c_rs",
        f"{_latest(f'a = {A["approve_suspension"]}')} AS susp",
        f"{_latest(f'a = {A["file"]}', f'({DAY} + 1) * {K25} + COALESCE(u + 1, 0)', K42)} AS f_pk",
        f"{_latest(reports, f'({DAY} + 1) * {K25} + {by_inspector}', K42)} AS r_pk",
        f"{_latest(dispatch, 't / 1000', K42)} AS d_ms",
        f"{_latest(dispatch, f'(t %% 1000) * {K32} + COALESCE(dd + 1, 0)', K42)} AS d_rd",
        f"{_latest(dispatch, 'COALESCE(u + 1, 0)', K32)} AS d_who",
        f"{_latest(f'a = {A["receive"]}')} AS rcv",
        f"{_latest(f'a = {A["return"]}')} AS ret",
    ]
    if red:
        resets = f"a IN ({A['return']}, {A['report_handled']}) OR (ck = {S['handle']} AND xt = 0)"
        cols += [
            f"{_latest(f'a = {A["light_changed"]} AND x = 1')} AS cand",
            f"{_latest(resets)} AS reset",
        ]
    return f"SELECT ev.*, {', '.join(cols)} FROM ({events}) ev WINDOW p AS ({WINDOW})"


def _low(pk: str, k: int) -> str:
    """The packed value of ``pk`` (``seq × k + value``)."""
    return f"(({pk}) %% {k})"


def _unpack_id(pk: str, k: int) -> str:
    """An id packed as ``id + 1`` (0: none) → the id or NULL."""
    return f"(NULLIF(({pk}) %% {k}, 0) - 1)"


def _pk_day(pk: str) -> str:
    """The day of a ``(day + 1) × K25 + …`` pack."""
    return f"(({pk}) %% {K42} / {K25} - 1)"


def _day_of_ms(ms: str) -> str:
    return f"((({ms}) * 1000 + {UTC8}) / {US_PER_DAY})"


def judged_sql(d: Dialect, windowed: str, *, red: bool = False, clocks: bool = False) -> str:
    """Each event with its day, department, on-time flag and what it books later.

    An event of an action in ``JUDGED`` is on time unless the latest clock set before it
    is its stage's and has a due it is later than."""
    judged_stage = " ".join(f"WHEN {A[a]} THEN {S[s]}" for a, s in JUDGED.items())
    stage = f"({_low('w.c_rs', K16)} / {K10})"
    due = f"(NULLIF({_low('w.c_ms', K42)}, 0) * 1000 + {_low('w.c_rs', K10)})"
    paused = f"w.a = {A['report_handled']} AND {stage} = {S['handle']} AND w.susp > w.c_ms / {K42}"
    d_seq = f"(w.d_ms / {K42})"
    extra = ""
    if red:
        extra += ", w.cand, w.reset"
    if clocks:
        extra += ", w.ck, w.xt, w.c_ms, w.c_rs"
    return f"""
    SELECT w.cid, w.seq, w.eid, w.a, w.u, w.rl, w.x, w.t,
      (w.t + {UTC8}) / {US_PER_DAY} AS dn,
      CASE WHEN w.a = {A["dispatch"]} THEN w.dd
           WHEN w.d_ms IS NULL OR COALESCE(w.ret, 0) > {d_seq} THEN NULL
           ELSE {_unpack_id("w.d_rd", K32)} END AS dept,
      CASE WHEN {paused} THEN {{paused_on_time}}
           ELSE CASE WHEN (CASE w.a {judged_stage} END) IS NULL THEN 0
             WHEN (CASE w.a {judged_stage} END) = {stage} AND w.t > {due} THEN 0
             ELSE 1 END END AS ok,
      CASE WHEN {paused} THEN 1 ELSE 0 END AS paused,
      CASE WHEN w.a = {A["file"]} AND w.f_pk IS NULL THEN 1 ELSE 0 END AS first_filing,
      CASE
        WHEN w.a = {A["file"]} AND w.f_pk IS NULL AND {_low("w.r_pk", K25)} > 0
          THEN {LATER_VALID_REPORT}
        WHEN w.a = {A["cancel"]} AND w.x = 1 AND w.f_pk IS NOT NULL
          THEN {LATER_FILING_CANCELLED}
        WHEN w.a = {A["send_back"]} AND w.f_pk IS NOT NULL THEN {LATER_FILING_SENT_BACK}
        WHEN w.a = {A["rework"]} AND w.d_ms IS NOT NULL THEN {LATER_NOT_ACCURATE}
      END AS later,
      CASE WHEN w.a = {A["file"]} THEN {_pk_day("w.r_pk")}
           WHEN w.a IN ({A["cancel"]}, {A["send_back"]}) THEN {_pk_day("w.f_pk")}
           ELSE {_day_of_ms(_low("w.d_ms", K42))} END AS later_dn,
      CASE WHEN w.a = {A["file"]} THEN {_unpack_id("w.r_pk", K25)}
           WHEN w.a IN ({A["cancel"]}, {A["send_back"]}) THEN {_unpack_id("w.f_pk", K25)}
           ELSE {_unpack_id("w.d_who", K32)} END AS later_who,
      CASE WHEN w.a = {A["receive"]} AND w.d_ms IS NOT NULL AND COALESCE(w.rcv, 0) < {d_seq}
           THEN w.t - ({_low("w.d_ms", K42)} * 1000 + {_low("w.d_rd", K42)} / {K32})
           END AS response_us,
      {_unpack_id("w.d_rd", K32)} AS d_dept{extra}
    FROM ({windowed}) w {d.fence}"""


def _bucket(expr: str) -> str:
    whens = " ".join(
        f"WHEN {expr} <= {minutes * 60_000_000} THEN {i}"
        for i, minutes in enumerate(ind.RESPONSE_BUCKETS)
    )
    return f"CASE {whens} END"


COUNTED_COLUMNS = "cid, fam, dn, a, fl, ki, g, cm, s, d, n"


def counted_sql(
    d: Dialect, selection: Selection, *, by_case: bool = False, paused: bool = False
) -> str:
    """Steps 1–3: the counted rows (``COUNTED_COLUMNS``) of the selected cases."""
    judged = judged_sql(d, window_sql(events_sql(d, selection.on("e.case_id"))))
    judged = judged.replace(
        "{paused_on_time}",
        "COALESCE((SELECT o.on_time FROM eval_shifted o WHERE o.eid = w.eid), 1)"
        if paused
        else "1",
    )
    cid = "j.cid" if by_case else "0"
    public = f"CASE WHEN j.ch <> '{ind.INSPECTOR}' THEN {PUBLIC} ELSE 0 END"
    by_inspector = f"CASE WHEN j.rl = {R[ind.INSPECTOR]} THEN {BY_INSPECTOR} ELSE 0 END"
    on_time = f"j.ok * {ON_TIME}"
    hour = f"((j.t + {UTC8}) %% {US_PER_DAY}) / 3600000000"
    members = []  # (family, action): the families an event of an action counts in
    for family in (F_STAFF, F_DEPT, F_AREA):
        members += [(family, a) for a in sorted({r.a for r in RULES if r.family == family})]
    members += [(f, A[x]) for f in (F_HOTSPOT, F_HOUR) for x in ("report", "self_handle")]
    members += [(F_STAFF_LATER, A[x]) for x in ("file", "cancel", "send_back", "rework")]
    members += [(F_RESPONSE, A["receive"]), (F_MARK, A["light_changed"])]

    def by_family(values: Mapping[int, str], default: str = "NULL") -> str:
        whens = " ".join(f"WHEN {f} THEN {v}" for f, v in values.items())
        return f"CASE f.fam {whens} ELSE {default} END"

    role = f"CASE WHEN j.a = {A['cancel']} THEN j.rl * 4096 ELSE 0 END"
    day = by_family({F_STAFF_LATER: "j.later_dn", F_RESPONSE: "j.later_dn"}, "j.dn")
    what = by_family(
        {
            F_STAFF_LATER: "j.later",
            F_RESPONSE: _bucket("j.response_us"),
            F_HOTSPOT: "0",
            F_HOUR: hour,
        },
        "j.a",
    )
    flags = by_family(
        {
            F_STAFF: f"{on_time} + {by_inspector} + {role}",
            F_DEPT: f"{on_time} + j.x",
            F_AREA: f"{on_time} + j.x + {public} + j.first_filing * {FIRST_FILING}",
        },
        "0",
    )
    key = by_family(
        {
            F_STAFF: "j.u",
            F_STAFF_LATER: "j.later_who",
            F_DEPT: "j.dept",
            F_RESPONSE: "j.d_dept",
            F_MARK: "j.cid",
            F_HOTSPOT: "j.cmt",
            F_HOUR: "j.cmt",
        }
    )
    grid = by_family({F_AREA: "j.cg", F_HOTSPOT: "j.cg"})
    # fam, day, what and flags packed in one key: hashing fewer columns is cheaper.
    packed = f"((f.fam * {K17} + {day}) * {K8} + {what}) * {K20} + {flags}"
    return f"""
    SELECT cid, k / {K45} AS fam, k / {K28} %% {K17} AS dn, k / {K20} %% {K8} AS a,
      k %% {K20} AS fl, ki, g, cm, s, d, n
    FROM (
      WITH f(fam, a) AS (VALUES {_values(members)})
      SELECT {cid} AS cid, {packed} AS k, {key} AS ki,
        {grid} AS g,
        {by_family({F_AREA: "j.ccm"})} AS cm,
        {by_family({F_AREA: "j.cs"})} AS s,
        {by_family({F_AREA: "j.cd"})} AS d,
        count(*) AS n
      FROM (
        SELECT j.*, c.channel AS ch, c.grid_code AS cg, c.community_code AS ccm,
          c.street_code AS cs, c.district_code AS cd, c.matter_id AS cmt
        FROM ({judged}) j JOIN cases_case c ON c.id = j.cid AND {selection.on("c.id")}
        {d.fence}) j
      JOIN f ON f.a = j.a
      WHERE CASE f.fam
        WHEN {F_STAFF} THEN j.u IS NOT NULL
        WHEN {F_STAFF_LATER} THEN j.later IS NOT NULL AND j.later_who IS NOT NULL
          AND j.later_dn IS NOT NULL
        WHEN {F_DEPT} THEN j.dept IS NOT NULL
        WHEN {F_RESPONSE} THEN j.response_us <= {ind.RESPONSE_BUCKETS[-1] * 60_000_000}
          AND j.d_dept IS NOT NULL
        WHEN {F_AREA} THEN j.a <> {A["file"]} OR j.first_filing = 1
        WHEN {F_MARK} THEN j.x = 1
        ELSE 1 = 1 END
      GROUP BY 1, 2, 3, 4, 5, 6, 7) q"""


RED = "r.action = 'light_changed' AND r.data ->> 'stage' = 'handle' AND r.data ->> 'to' = 'red'"
SUSPENDED = "r.action = 'approve_suspension'"


def _having(condition: str, selection: Selection, only: Sequence[int] | None) -> str:
    """The selected cases with an event meeting ``condition`` (on ``r``): ``only`` when
    the caller already knows them."""
    if only is not None:
        return Selection(ids=tuple(only)).on("e.case_id")
    cases = (
        f"SELECT r.case_id FROM cases_caseevent r WHERE {condition} "
        f"AND r.id <= %(upto)s AND {selection.on('r.case_id')}"
    )
    return f"{selection.on('e.case_id')} AND e.case_id IN ({cases})"


def cases_having(condition: str, upto: int, conn: BaseDatabaseWrapper) -> list[int]:
    """Every case with an event up to ``upto`` meeting ``condition`` (``RED``,
    ``SUSPENDED``): few, and found through the index on the action."""
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT r.case_id FROM cases_caseevent r "
            f"WHERE {condition} AND r.id <= %s ORDER BY 1",
            [upto],
        )
        return [int(row[0]) for row in cursor.fetchall()]


def red_sql(
    d: Dialect, selection: Selection, *, by_case: bool = False, only: Sequence[int] | None = None
) -> str:
    """The counted rows of red lights (family ``F_RED``) of the selected cases that ever
    went red on handling (``only`` those, if given): a handling period that turned red
    counts ``overdue`` (and ``overdue_unhandled`` until handling is reported) on its
    first red day, for the department then holding the case."""
    # Only the events the red lights depend on: the lights, the handling clock's starts
    # and ends, and the dispatches and returns that say who holds the case.
    relevant = (
        "(e.action IN ('dispatch', 'return', 'report_handled', 'light_changed') "
        "OR e.data ->> 'stage' = 'handle')"
    )
    events = events_sql(d, f"{_having(RED, selection, only)} AND {relevant}")
    judged = judged_sql(d, window_sql(events, red=True), red=True).replace("{paused_on_time}", "1")
    start = (
        f"j.a = {A['light_changed']} AND j.x = 1 "
        "AND (j.cand IS NULL OR (j.reset IS NOT NULL AND j.cand < j.reset))"
    )
    handled = (
        f"j.a = {A['report_handled']} AND j.cand IS NOT NULL "
        "AND (j.reset IS NULL OR j.cand > j.reset)"
    )
    segments = f"""
      SELECT j.cid, j.seq, j.dn, j.dept,
        CASE WHEN {start} THEN {RED_START} WHEN {handled} THEN {RED_HANDLED} END AS what,
        max(CASE WHEN {start} THEN j.seq * {K32} + j.dn + 1 END) OVER p AS seg_day,
        max(CASE WHEN {start} THEN j.seq * {K32} + COALESCE(j.dept + 1, 0) END) OVER p
          AS seg_dept
      FROM ({judged}) j WINDOW p AS ({WINDOW})"""
    cid = "g.cid" if by_case else "0"
    cases = (selection if only is None else Selection(ids=tuple(only))).on("c.id")
    return f"""
    SELECT {cid} AS cid, {F_RED} AS fam,
      CASE g.what WHEN {RED_START} THEN g.dn ELSE {_unpack_id("g.seg_day", K32)} END AS dn,
      g.what AS a, 0 AS fl,
      CASE g.what WHEN {RED_START} THEN g.dept ELSE {_unpack_id("g.seg_dept", K32)} END AS ki,
      c.grid_code AS g, c.community_code AS cm, c.street_code AS s, c.district_code AS d,
      count(*) AS n
    FROM ({segments}) g JOIN cases_case c ON c.id = g.cid AND {cases}
    WHERE g.what IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"""


def _values(rows: Iterable[Sequence[Any]]) -> str:
    def lit(v: Any) -> str:
        return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"

    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


def mapped_sql(d: Dialect, stage: str, *, by_case: bool = False) -> str:
    """Counted rows in ``stage`` → (cid, day, kind, key, counter, value), summed."""
    rules = _values((r.family, r.a, r.kind, r.counter, r.need, r.forbid, r.n) for r in RULES)
    buckets = _values((i, f"responded_{m}") for i, m in enumerate(ind.RESPONSE_BUCKETS))
    roles = _values((code, kind) for kind, code in R.items())
    hours = _values((h, f"h{h:02d}") for h in range(24))
    weekdays = _values((w, f"wd{w}") for w in range(7))
    city = f"substr(d, 1, {ind.AREA_CODE_LENGTH[ind.CITY]})"
    match = "r.fam = st.fam AND r.a = st.a AND (st.fl & r.need) = r.need AND (st.fl & r.forbid) = 0"
    cid = "cid" if by_case else "0"
    areas = f"fam IN ({F_AREA}, {F_RED})"
    # The area rows rolled up level by level (each from the one below, keeping the codes
    # above it), so every level sums a smaller set of rows.
    return f"""
    WITH rules(fam, a, kind, counter, need, forbid, n) AS (VALUES {rules}),
      buckets(i, counter) AS (VALUES {buckets}),
      roles(code, kind) AS (VALUES {roles}),
      hours(h, counter) AS (VALUES {hours}),
      weekdays(w, counter) AS (VALUES {weekdays}),
      st AS (SELECT {cid} AS cid, fam, dn, a, fl, ki, g, cm, s, d, n FROM {stage} stg),
      m AS (SELECT st.*, t.code AS matter FROM st JOIN catalog_catalogtype t ON t.id = st.ki
            WHERE st.fam IN ({F_HOTSPOT}, {F_HOUR})),
      l4 AS (SELECT cid, fam, dn, a, fl, cm, s, d, sum(n) AS n FROM st WHERE {areas}
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8),
      l3 AS (SELECT cid, fam, dn, a, fl, s, d, sum(n) AS n FROM l4 GROUP BY 1, 2, 3, 4, 5, 6, 7),
      l2 AS (SELECT cid, fam, dn, a, fl, d, sum(n) AS n FROM l3 GROUP BY 1, 2, 3, 4, 5, 6),
      l1 AS (SELECT cid, fam, dn, a, fl, {city} AS d, sum(n) AS n FROM l2
             GROUP BY 1, 2, 3, 4, 5, 6),
      area AS (
        SELECT cid, fam, dn, a, fl, '{ind.GRID}' AS kind, g AS key, n FROM st WHERE {areas}
        UNION ALL SELECT cid, fam, dn, a, fl, '{ind.COMMUNITY}', cm, n FROM l4
        UNION ALL SELECT cid, fam, dn, a, fl, '{ind.STREET}', s, n FROM l3
        UNION ALL SELECT cid, fam, dn, a, fl, '{ind.DISTRICT}', d, n FROM l2
        UNION ALL SELECT cid, fam, dn, a, fl, '{ind.CITY}', d, n FROM l1)
    SELECT cid, {d.date("dn")} AS day, kind, key, counter, sum(n) AS value FROM (
      SELECT st.cid, st.dn, COALESCE(ro.kind, r.kind) AS kind, {d.text("st.ki")} AS key,
        r.counter, st.n * r.n AS n
      FROM st JOIN rules r ON {match} AND r.kind <> '@area'
      LEFT JOIN roles ro ON r.kind = '@role' AND ro.code = st.fl / 4096
      WHERE st.ki IS NOT NULL AND (r.kind <> '@role' OR ro.kind IS NOT NULL)
      UNION ALL
      SELECT st.cid, st.dn, st.kind, st.key, r.counter, st.n * r.n
      FROM area st JOIN rules r ON {match} AND r.kind = '@area'
      UNION ALL
      SELECT st.cid, st.dn, '{ind.DEPARTMENT}', {d.text("st.ki")}, b.counter, st.n
      FROM st JOIN buckets b ON b.i >= st.a WHERE st.fam = {F_RESPONSE}
      UNION ALL
      SELECT cid, dn, '{ind.GRID_MATTER}', g || '|' || matter, 'reports', n FROM m
      WHERE fam = {F_HOTSPOT}
      UNION ALL
      SELECT cid, dn, '{ind.MATTER}', matter, 'reports', n FROM m WHERE fam = {F_HOUR}
      UNION ALL
      SELECT cid, dn, '{ind.MATTER}', matter, hours.counter, n FROM m
      JOIN hours ON hours.h = m.a WHERE fam = {F_HOUR}
      UNION ALL
      SELECT cid, dn, '{ind.MATTER}', matter, weekdays.counter, n FROM m
      JOIN weekdays ON weekdays.w = (m.dn + 3) %% 7 WHERE fam = {F_HOUR}
    ) x
    WHERE key IS NOT NULL AND key <> ''
    GROUP BY cid, dn, kind, key, counter
    HAVING sum(n) <> 0"""


# --- Selections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Which cases: an id range ``[lo, hi)``, a list of ids, or every case."""

    lo: int | None = None
    hi: int | None = None
    ids: tuple[int, ...] | None = None

    def on(self, column: str) -> str:
        if self.ids is not None:
            return f"{column} IN ({', '.join(str(int(i)) for i in self.ids) or 'NULL'})"
        parts = []
        if self.lo is not None:
            parts.append(f"{column} >= {int(self.lo)}")
        if self.hi is not None:
            parts.append(f"{column} < {int(self.hi)}")
        return " AND ".join(parts) or "1 = 1"


# --- Suspended handling clocks -------------------------------------------------------------


DueShifter = Callable[
    [str, int | None, dt.datetime, dt.datetime, list[tuple[dt.datetime, dt.datetime]]], dt.datetime
]
"""(unit, department id, base, due, pauses) → the due instant moved by the pauses."""


def make_shifter() -> DueShifter:
    """A due shifter on the real calendars: the working time of the clock's limit, moved
    by its pauses exactly as ``cases.deadlines`` moves a running clock."""

    @lru_cache(maxsize=256)
    def calendar_of(department_id: int | None) -> int | None:
        if department_id is None:
            return None
        return (
            Department.objects.filter(pk=department_id).values_list("calendar_id", flat=True)
        ).first()

    def shift(
        unit: str,
        department: int | None,
        base: dt.datetime,
        due: dt.datetime,
        pauses: list[tuple[dt.datetime, dt.datetime]],
    ) -> dt.datetime:
        if unit.startswith("calendar"):
            spec = worktime.AROUND_THE_CLOCK_SPEC
        else:
            spec = spec_for_calendar(calendar_of(department))
        minutes = worktime.working_seconds_between(spec, base, due) // 60
        moved = worktime.remaining_due(spec, base, minutes, "working_minutes", pauses)
        return moved or due

    return shift


def _instant(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def shifted_on_time(
    conn: BaseDatabaseWrapper,
    d: Dialect,
    selection: Selection,
    upto: int,
    shift: DueShifter | None = None,
    only: Sequence[int] | None = None,
) -> dict[int, int]:
    """{event id: 1 on time / 0 late} of the handling reports judged by a clock that was
    suspended: the due moves by the closed pauses (approve_suspension → resume) since the
    clock last started or was extended, in the working time of the clock's calendar.
    ``only``: the selected cases with a suspension, if the caller knows them."""
    if only is not None and not only:
        return {}
    query = events_sql(d, _having(SUSPENDED, selection, only))
    judged = judged_sql(d, window_sql(query), clocks=True).replace("{paused_on_time}", "1")
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT cid, seq, eid, a, t, dept, paused, ck, xt, c_ms, c_rs "
            f"FROM ({judged}) j ORDER BY cid, seq",
            {"upto": upto},
        )
        rows = cursor.fetchall()
    if not any(r[6] for r in rows):
        return {}
    shift = shift or make_shifter()
    limits = _filing_limits(conn, sorted({r[0] for r in rows if r[6]}), upto)
    result: dict[int, int] = {}
    for _cid, group in itertools.groupby(rows, key=lambda r: r[0]):
        events = list(group)
        by_seq = {r[1]: r for r in events}
        for cid_, seq, eid, _a, t, _dept, paused, _ck, _xt, cm, cr in events:
            if not paused:
                continue
            changed = cm // K42  # the latest clock set: the handling clock started or extended
            due_ms = cm % K42
            if not due_ms:
                result[eid] = 1
                continue
            due = _instant(due_ms * 1000 + cr % K10)
            base = _instant(by_seq[changed][4])
            started = changed  # the handling clock's start (before any extension)
            pauses: list[list[dt.datetime | None]] = []
            for other in events:
                if other[1] < seq and other[7] == S["handle"] and not other[8]:
                    started = other[1]
                if changed < other[1] < seq:
                    if other[3] == A["approve_suspension"]:
                        pauses.append([_instant(other[4]), None])
                    elif other[3] == A["resume"] and pauses and pauses[-1][1] is None:
                        pauses[-1][1] = _instant(other[4])
            closed = [(s, e) for s, e in pauses if s is not None and e is not None]
            if closed:
                unit = _unit(limits.get(cid_, []), started)
                due = shift(unit, by_seq[started][5], base, due, closed)
            result[eid] = 1 if _instant(t) <= due else 0
    return result


def _filing_limits(
    conn: BaseDatabaseWrapper, case_ids: list[int], upto: int
) -> dict[int, list[tuple[int, Any]]]:
    from urbangrid.cases.models import CaseEvent

    found: dict[int, list[tuple[int, Any]]] = {}
    rows = (
        CaseEvent.objects.using(conn.alias)
        .filter(case_id__in=case_ids, action="file", id__lte=upto)
        .order_by("case_id", "seq")
        .values_list("case_id", "seq", "data")
    )
    for case_id, seq, data in rows:
        limits = (data or {}).get("limits")
        if limits:
            found.setdefault(case_id, []).append((seq, limits))
    return found


def _unit(filings: list[tuple[int, Any]], start_seq: int) -> str:
    """The unit of the handling limit in force when the clock started: the limits of the
    last filing before (a filing without limits keeps the earlier ones)."""
    limits: Any = {}
    for seq, value in filings:
        if seq <= start_seq:
            limits = value
    limit = limits.get("handle") if isinstance(limits, Mapping) else None
    return str(limit.get("unit", "")) if isinstance(limit, Mapping) else ""


# --- Running it ----------------------------------------------------------------------------


STAGE_DDL = (
    "cid bigint, fam integer, dn integer, a integer, fl integer, ki bigint, "
    "g varchar(15), cm varchar(12), s varchar(9), d varchar(6), n bigint"
)


def count_into(
    stage: str,
    selection: Selection,
    upto: int,
    *,
    sign: int = 1,
    by_case: bool = False,
    conn: BaseDatabaseWrapper = default_connection,
    shift: DueShifter | None = None,
    red: Sequence[int] | None = None,
    suspended: Sequence[int] | None = None,
    jit: bool = False,
) -> None:
    """Add the counted rows of the selected cases' events up to ``upto`` (× ``sign``) to
    the table ``stage`` (columns ``COUNTED_COLUMNS``). ``red`` and ``suspended``: the
    selected cases that went red on handling and that were suspended, when the caller
    knows them (``cases_having``); else they are found here (the red ones: from the
    ``F_MARK`` rows the counting statement leaves in ``stage``). ``jit``: on PostgreSQL,
    compile the statement (it pays on about a million events or more)."""
    d = prepare(conn)
    shifted = shifted_on_time(conn, d, selection, upto, shift, suspended)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if d.pg:
            # The planner cannot estimate how many rows the window step yields and would
            # sort millions of them to group them; hashing them is several times faster.
            cursor.execute("SET LOCAL enable_sort = off")
            # Compiling the statement takes about 0.4 s (optimised, not inlined) and saves
            # about a quarter of the time on a million events: only for large ranges.
            if jit:
                cursor.execute("SET LOCAL jit = on")
                cursor.execute("SET LOCAL jit_above_cost = 0")
                cursor.execute("SET LOCAL jit_optimize_above_cost = 0")
                cursor.execute("SET LOCAL jit_inline_above_cost = -1")
            else:
                cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        if shifted:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS eval_shifted "
                "(eid bigint PRIMARY KEY, on_time integer)"
            )
            cursor.execute("DELETE FROM eval_shifted")
            cursor.executemany(
                "INSERT INTO eval_shifted (eid, on_time) VALUES (%s, %s)", list(shifted.items())
            )
        insert = (
            f"INSERT INTO {stage} ({COUNTED_COLUMNS}) "
            f"SELECT cid, fam, dn, a, fl, ki, g, cm, s, d, n * {int(sign)} FROM ({{}}) q"
        )
        sql = counted_sql(d, selection, by_case=by_case, paused=bool(shifted))
        cursor.execute(insert.format(sql), {"upto": upto})
        if red is None:  # the cases marked by the statement just run (and maybe others')
            cursor.execute(
                f"SELECT DISTINCT ki FROM {stage} WHERE fam = {F_MARK} AND {selection.on('ki')}"
            )
            red = sorted(int(row[0]) for row in cursor.fetchall())
        if red:
            if d.pg:  # red lights: few cases
                cursor.execute("SET LOCAL enable_sort = on")
                cursor.execute("SET LOCAL jit = off")
            sql = red_sql(d, selection, by_case=by_case, only=red)
            cursor.execute(insert.format(sql), {"upto": upto})
