"""Rules: the licensing-rule parameters a scenario may override.

Each key is one number or choice from licensing-rules.md (the offline grace period, the
desktop unlock, the Analyzer Capacity unit, the parallel-session limit, the sync intervals,
the quarantine of deallocated seats, NPrinting's restart) with that document's value as its
default, so a scenario says only where it departs from Qlik's published behaviour. Where
Qlik's sources disagree (quarantine on SLK sites, capacity on offline sites) or the rule is
inferred (what a disconnected site does with a new allocation), the choice is a key here
too, with the default the rules document settles on.
"""

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from .durations import DAY
from .fields import Duration, PositiveDuration, _Model, _not_bool, duration_between

__all__ = ["Rules"]

StrictBool = Annotated[bool, Field(strict=True)]
"""true or false; 1, 0, "yes" and "no" in quotes are refused rather than guessed at."""


class Rules(_Model):
    """Overrides of the licensing-rules.md defaults; every key is optional."""

    grace: Duration = Field(
        72 * 3600.0,
        description="How long an SLK site keeps working without the backend, counted from "
        "the last successful contact. Default 72h (licensing-rules §2).",
    )
    delayed_sync_window: Duration = Field(
        60 * DAY,
        description="How long a delayed-sync site may run before it must reach the backend. "
        "Default 60d (licensing-rules §1).",
    )
    desktop_unlock: Duration = Field(
        30 * DAY,
        description="How long Qlik Sense Desktop stays unlocked after authenticating; also "
        "the QlikView Desktop lease. Default 30d (licensing-rules §2, §6).",
    )
    capacity_unit: Annotated[
        PositiveDuration, duration_between(60.0, 3600.0, "Qlik's unit is 6min")
    ] = Field(
        360.0,
        description="Length of one Analyzer Capacity unit, charged when it starts. "
        "Default 6min (licensing-rules §4).",
    )
    max_parallel_sessions: Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=100)] = Field(
        5,
        description="Most sessions one user may have open at once. Default 5 (licensing-rules §3).",
    )
    parallel_session_wait: Duration = Field(
        300.0,
        description="Wait after closing a session at the parallel limit before another may "
        "open. Default 5min (licensing-rules §3).",
    )
    user_sync_interval: Annotated[
        PositiveDuration, duration_between(60.0, DAY, "Qlik syncs every 10min")
    ] = Field(
        600.0,
        description="How often sites on one SLK sync user assignments; a server sees "
        "allocations made on the others only from the first sync at or after them, so two "
        "can over-allocate the last seat within one interval (reported as excess). Default "
        "10min (licensing-rules §1).",
    )
    definition_refresh_interval: Annotated[
        PositiveDuration, duration_between(600.0, 30 * DAY, "Qlik refreshes every 24h")
    ] = Field(
        24 * 3600.0,
        description="How often an SLK site refreshes its license definition (and a LEF site "
        "its LEF). Default 24h (licensing-rules §1).",
    )
    session_inactivity: Annotated[
        Duration, duration_between(60.0, DAY, "Qlik's default is 30min")
    ] = Field(
        1800.0,
        description="How long a Qlik Sense session stays open after its last activity when "
        "the user does not log out (login passes keep counting). Default 30min "
        "(licensing-rules §5).",
    )
    login_pass_period: Annotated[
        PositiveDuration, duration_between(600.0, DAY, "Qlik's pass covers 60min")
    ] = Field(
        3600.0,
        description="How long one login access pass covers from the first login. Default "
        "60min (licensing-rules §5).",
    )
    login_pass_return: Duration = Field(
        28 * DAY,
        description="When a used login access pass returns to the pool. Default 28d "
        "(licensing-rules §5).",
    )
    session_cal_minimum: Annotated[Duration, duration_between(0.0, DAY, "Qlik charges 15min")] = (
        Field(
            900.0,
            description="Least time a QlikView Session CAL is charged; a reopen on the same "
            "client within it reuses the CAL. Default 15min (licensing-rules §6; older sources "
            "say 30 min).",
        )
    )
    qlikview_idle_timeout: Annotated[
        Duration, duration_between(60.0, DAY, "QlikView's default is 1800s")
    ] = Field(
        1800.0,
        description="How long a QlikView session stays open after its last activity unless "
        "closed explicitly. Default 1800s (licensing-rules §6).",
    )
    usage_cal_minutes: Annotated[
        PositiveDuration, duration_between(60.0, DAY, "Qlik gives 60min")
    ] = Field(
        3600.0,
        description="Time one Usage CAL gives one user on a document per period. Default "
        "60min (licensing-rules §6).",
    )
    usage_cal_period: Annotated[
        PositiveDuration, duration_between(DAY, 366 * DAY, "Qlik's period is 28d")
    ] = Field(
        28 * DAY,
        description="The Usage CAL period: a pool of n recharges n per period. Default 28d "
        "(licensing-rules §6; some sources say monthly).",
    )
    quarantine: Duration = Field(
        7 * DAY,
        description="How long a deallocated seat stays quarantined, counted from its last "
        "use (the start of its holder's latest session on it); a seat used within this "
        "period before deallocation is quarantined, one not used within it is released at "
        "once. Default 7d (licensing-rules §3, §5, §6).",
    )
    quarantine_on_slk: StrictBool = Field(
        False,
        description="Whether deallocating a Professional/Analyzer seat quarantines it on "
        "SLK, SLD and delayed-sync licenses too, not only on LEF. Default false "
        "(licensing-rules §3: sources conflict; newer docs say LEF only).",
    )
    capacity_on_sld: StrictBool = Field(
        False,
        description="Whether Analyzer Capacity works on offline SLD sites. Default false: "
        "a capacity unit is metered by the backend (licensing-rules §2, §4: 2019 docs say "
        "internet access is required; a 2023 article says capacity works with an SLD, which "
        "true follows).",
    )
    capacity_on_delayed_sync: StrictBool = Field(
        False,
        description="Whether a delayed-sync site counts Analyzer Capacity units locally "
        "before its first successful contact with the backend. Default false: capacity "
        "needs the backend (licensing-rules §1, §2; counting locally is an inference).",
    )
    nprinting_resume: Duration = Field(
        60.0,
        description="How long NPrinting takes to resume after its license service answers "
        "again. Default 1min (licensing-rules §1).",
    )
    offline_allocation: Literal["refuse", "local"] = Field(
        "refuse",
        description="What a disconnected SLK site does with a new dynamic allocation: "
        "refuse it, or allocate from its cached view of the pool and reconcile at the next "
        "successful sync (which can leave excess). Default refuse (licensing-rules §2, "
        "inferred).",
    )
