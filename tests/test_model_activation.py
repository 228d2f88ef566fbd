"""Activation modes, admin work and license changes: hand-worked timelines."""

from pathlib import Path

import pandas as pd
import pytest

from sim import load_scenario, parse_scenario, simulate
from sim.model.engine import run_engine
from sim.result import build_result

HERE = Path(__file__).parent / "scenarios"


def run(name: str):  # type: ignore[no-untyped-def]
    return simulate(load_scenario(HERE / name))


def lst(series: pd.Series) -> list:  # type: ignore[type-arg]
    return [None if pd.isna(x) else x for x in series]


def utc(ts: str) -> pd.Timestamp:
    return pd.Timestamp(ts, tz="UTC")


def sessions(result, group: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    s = result.sessions
    return s[s["group"] == group].sort_values("start").reset_index(drop=True)


def states(result, server: str) -> list[tuple[str, pd.Timestamp]]:  # type: ignore[no-untyped-def]
    st = result.server_states
    mine = st[st["server"] == server]
    return list(zip(mine["state"], mine["start"], strict=True))


def test_delayed_sync_first_succeeding_on_day_59_is_licensed_throughout() -> None:
    r = run("delayed-sync.yaml")
    assert states(r, "plant-a") == [
        ("delayed_sync", utc("2026-01-01")),
        ("licensed", utc("2026-03-01")),  # day 59: the link is back and the sync succeeds
    ]
    a = sessions(r, "a")
    assert lst(a["access"]) == ["analyzer", "analyzer", "analyzer"]


def test_delayed_sync_that_never_syncs_is_unlicensed_from_day_60() -> None:
    r = run("delayed-sync.yaml")
    assert states(r, "plant-b") == [
        ("delayed_sync", utc("2026-01-01")),
        ("unlicensed", utc("2026-03-02")),  # day 60: the window ends
        ("licensed", utc("2026-04-11")),  # day 100: the first successful sync
    ]
    b = sessions(r, "b")
    # Capacity needs the backend: refused in the window before any contact.
    assert lst(b["access"]) == [None, None, None, "capacity"]
    assert lst(b["denied_reason"]) == [
        "backend_unreachable",
        "backend_unreachable",
        "delayed_sync_expired",
        None,
    ]
    assert "unlicensed" in r.events.loc[r.events["server"] == "plant-b", "kind"].tolist()


def test_sld_renewal_three_days_late_leaves_a_three_day_gap() -> None:
    r = run("sld-renewal.yaml")
    assert states(r, "plant") == [
        ("offline_sld", utc("2026-02-23")),
        ("unlicensed", utc("2026-03-01")),
        ("offline_sld", utc("2026-03-04")),
    ]
    ops = sessions(r, "ops")
    assert lst(ops["access"]) == ["analyzer", None, "analyzer"]
    assert ops.loc[1, "denied_reason"] == "sld_expired"
    assert r.kpi("unlicensed_hours[plant]") == pytest.approx(72.0)


def test_capacity_on_an_sld_is_refused_by_default_and_granted_with_the_option() -> None:
    """Capacity is metered by the backend, which an offline SLD site never reaches; the
    2023 reading (capacity works with an SLD) is ``rules.capacity_on_sld: true``."""
    casual = sessions(run("sld-renewal.yaml"), "casual")
    assert lst(casual["access"]) == [None]
    assert lst(casual["denied_reason"]) == ["backend_unreachable"]
    assert casual["capacity_minutes"].tolist() == [0.0]
    sc = load_scenario(HERE / "sld-renewal.yaml").with_overrides({"rules.capacity_on_sld": True})
    casual = sessions(simulate(sc), "casual")
    assert lst(casual["access"]) == ["capacity"]
    assert casual["capacity_minutes"].tolist() == [6.0]  # activity at 0 and 1 min: one unit


def delayed_capacity(**rules: object) -> dict:  # type: ignore[type-arg]
    """A delayed-sync key whose server has no route until 3 January 00:05: its first
    successful contact is the next user sync, 00:10 (10-minute grid from the start)."""
    return {
        "name": "delayed-capacity",
        "start": "2026-01-01T00:00",
        "duration": "10d",
        "rules": rules,
        "licenses": [{"id": "k", "activation": "delayed_sync", "capacity_minutes": 600}],
        "servers": [
            {
                "id": "plant",
                "license": "k",
                "link_outages": [{"start": "2026-01-01T00:00", "end": "2026-01-03T00:05"}],
            }
        ],
        "users": [
            {
                "group": "casual",
                "count": 1,
                "access": "capacity",
                "servers": ["plant"],
                "sessions": [
                    {"at": "2026-01-02T10:00", "activity": ["0s", "1min"]},  # no route
                    {"at": "2026-01-03T00:07", "activity": ["0s", "1min"]},  # up, no sync yet
                    {"at": "2026-01-03T00:10", "activity": ["0s", "1min"]},  # the first sync
                ],
            }
        ],
    }


def test_capacity_on_a_delayed_sync_site_waits_for_the_first_contact() -> None:
    r = simulate(parse_scenario(delayed_capacity()))
    assert states(r, "plant") == [
        ("delayed_sync", utc("2026-01-01")),
        ("licensed", utc("2026-01-03T00:10")),
    ]
    c = sessions(r, "casual")
    assert lst(c["access"]) == [None, None, "capacity"]
    assert lst(c["denied_reason"]) == ["backend_unreachable", "backend_unreachable", None]
    assert c["capacity_minutes"].tolist() == [0.0, 0.0, 6.0]
    assert r.capacity["used_minutes"].sum() == 6.0


def test_capacity_counted_locally_before_the_first_contact_with_the_option() -> None:
    r = simulate(parse_scenario(delayed_capacity(capacity_on_delayed_sync=True)))
    c = sessions(r, "casual")
    assert lst(c["access"]) == ["capacity", "capacity", "capacity"]
    # the 00:10 session starts inside the unit the 00:07 one started on the same device
    assert c["capacity_minutes"].tolist() == [6.0, 6.0, 0.0]


def test_lef_quarantine_and_reinstatement() -> None:
    r = run("lef-quarantine.yaml")
    team = sessions(r, "team")
    assert lst(team["access"]) == ["analyzer", None, None, "analyzer"]
    assert lst(team["denied_reason"])[1:3] == ["quarantined", "no_seat"]
    ev = r.events[
        r.events["kind"].isin(["deallocate", "quarantine", "allocate_refused", "allocate"])
    ]
    assert ev["kind"].tolist() == [
        "allocate",
        "deallocate",
        "quarantine",
        "allocate_refused",
        "allocate",
    ]
    assert "until" in ev.iloc[2]["detail"]
    assert ev.iloc[4]["detail"].endswith("(reinstated)")
    a = r.allocations[r.allocations["type"] == "analyzer"]
    at_quarantine = a[a["time"] == utc("2026-02-05T09:00")].iloc[-1]
    assert (
        at_quarantine["allocated"],
        at_quarantine["quarantined"],
        at_quarantine["available"],
    ) == (0, 1, 0)
    assert (a.iloc[-1]["allocated"], a.iloc[-1]["quarantined"]) == (1, 0)


def test_a_dynamic_analyzer_seat_leaves_a_quarantined_professional_seat_where_it_is() -> None:
    r = run("quarantine-other-type.yaml")
    assert lst(sessions(r, "team")["access"]) == ["professional", "analyzer"]
    ev = r.events[r.events["kind"] != "license_state"]
    assert [(e.kind, e.detail.split(" (")[0]) for e in ev.itertuples()][3:] == [
        ("allocate", "analyzer"),
        ("deallocate", "analyzer"),
        ("quarantine", "analyzer until 2026-02-13T10:00:00+00:00"),
        ("quarantine_end", "professional"),
        ("quarantine_end", "analyzer"),
    ]
    assert ev["time"].iloc[-2:].tolist() == [utc("2026-02-10T10:00"), utc("2026-02-13T10:00")]
    a = r.allocations.set_index(["time", "type"])[["allocated", "quarantined"]]
    # On the 7th both seats are in quarantine for the same user, one of each type.
    assert a.loc[(utc("2026-02-07T09:00"), "analyzer")].tolist() == [0, 1]
    assert a.loc[(utc("2026-02-05T09:00"), "professional")].tolist() == [0, 1]
    assert (r.allocations.groupby("type")["quarantined"].last() == 0).all()


def test_lef_quarantine_ends_seven_days_after_last_use() -> None:
    r = run("lef-quarantine-expiry.yaml")
    ev = r.events[r.events["kind"].isin(["quarantine_end", "allocate_refused", "allocate"])]
    assert ev["kind"].tolist() == ["allocate", "allocate_refused", "quarantine_end", "allocate"]
    assert ev.iloc[2]["time"] == utc("2026-02-10T10:00")
    assert ev.iloc[3]["user"] == "team-2"


def test_seat_reduction_leaves_excess_until_reclaim_releases_idle_seats() -> None:
    r = run("changes-reclaim.yaml")
    a = r.allocations[r.allocations["type"] == "analyzer"].reset_index(drop=True)
    change = a[a["time"] == utc("2026-02-05T00:00")]  # the first daily refresh after the change
    assert (change.iloc[-1]["total"], change.iloc[-1]["allocated"]) == (1, 3)
    assert change.iloc[-1]["excess"] == 2
    assert a.iloc[-1]["excess"] == 0
    released = r.events[r.events["kind"] == "deallocate"]
    assert released["user"].tolist() == ["team-1", "team-2", "team-3"]
    assert released["time"].tolist() == [utc("2026-02-06")] * 2 + [utc("2026-02-08")]
    assert (r.events["kind"] == "quarantine").sum() == 0  # no quarantine on a signed key
    assert r.events.loc[r.events["kind"] == "license_change", "detail"].iloc[0] == (
        "analyzer=1, key=renewal-2026"
    )


def test_nprinting_stops_while_unreachable_and_resumes_a_minute_after() -> None:
    sc = parse_scenario(
        {
            "name": "np",
            "start": "2026-02-02T00:00",
            "duration": "2d",
            "licenses": [{"id": "k", "professional": 1}],
            "servers": [
                {
                    "id": "np",
                    "product": "nprinting",
                    "license": "k",
                    "link_outages": [{"start": "2026-02-02T10:00", "duration": "30min"}],
                }
            ],
        }
    )
    assert states(simulate(sc), "np") == [
        ("licensed", utc("2026-02-02T00:00")),
        ("unlicensed", utc("2026-02-02T10:00")),
        ("licensed", utc("2026-02-02T10:31")),
    ]


def test_partition_double_allocation_shows_as_excess_after_reconciliation() -> None:
    r = run("partition.yaml")
    people = sessions(r, "people")
    # b gave its last (as it believes) seat to y, so x, whose seat b has not heard of, is
    # refused there; after the sync y keeps the seat it was given offline.
    assert lst(people["access"]) == ["analyzer", "analyzer", None, "analyzer"]
    assert people.loc[2, "denied_reason"] == "no_seat"
    a = r.allocations[r.allocations["type"] == "analyzer"]
    assert a["excess"].max() == 1
    assert a.iloc[-1]["time"] == utc("2026-02-02T12:00")
    assert (a.iloc[-1]["allocated"], a.iloc[-1]["total"], a.iloc[-1]["excess"]) == (2, 1, 1)
    ev = r.events[r.events["kind"].isin(["allocate", "reconcile", "excess"])]
    assert ev["kind"].tolist() == ["allocate", "allocate", "reconcile", "excess"]
    assert ev["user"].tolist() == ["people-1", "people-2", "people-2", "people-2"]
    assert ev.iloc[1]["detail"] == "analyzer (local)"
    assert ev.iloc[2]["time"] == utc("2026-02-02T12:00")


def test_without_the_partition_there_is_never_excess() -> None:
    sc = load_scenario(HERE / "partition.yaml").with_overrides({"servers.b.link_outages": []})
    r = simulate(sc)
    assert r.allocations["excess"].max() == 0
    people = sessions(r, "people")
    assert lst(people["denied_reason"]) == [None, "no_seat", None, "no_seat"]


def test_refusing_offline_allocation_keeps_the_pool_exact() -> None:
    sc = load_scenario(HERE / "partition.yaml").with_overrides(
        {"rules.offline_allocation": "refuse"}
    )
    r = simulate(sc)
    assert r.allocations["excess"].max() == 0
    people = sessions(r, "people")
    # b has not heard of x's seat yet, and cannot allocate without the backend.
    assert lst(people["denied_reason"]) == [
        None,
        "backend_unreachable",
        "backend_unreachable",
        "no_seat",
    ]


def test_token_license_user_and_login_passes() -> None:
    r = run("tokens.yaml")
    staff = sessions(r, "staff")
    assert lst(staff["access"]) == ["user_pass", None]
    assert staff.loc[1, "denied_reason"] == "no_seat"
    v = sessions(r, "visitors")
    long = v.iloc[0]
    assert long["login_passes"] == 3  # a 130-minute session: passes at 0, 60 and 120 minutes
    assert long["end"] - long["start"] == pd.Timedelta(minutes=130)
    assert v["login_passes"].tolist()[1:3] == [1, 0]  # a login within the pass's hour is free
    assert lst(v["access"])[3:10] == ["login_pass"] * 6 + [None]
    assert v.loc[9, "denied_reason"] == "no_login_pass"
    # the passes used on 3 February at 10:00 return exactly 28 days later
    assert v.loc[10, "denied_reason"] == "no_login_pass"
    assert v.loc[11, "access"] == "login_pass"


def test_qlikview_cals_named_session_and_usage() -> None:
    r = run("qlikview-cals.yaml")
    assert lst(sessions(r, "named")["access"]) == ["named_cal"]
    desk = sessions(r, "desk")
    # 5 minutes charged 15: desk-2 refused at 09:10; desk-1 reuses its CAL at 09:12
    assert lst(desk["access"]) == ["session_cal", None, "session_cal", "session_cal"]
    assert desk.loc[1, "denied_reason"] == "no_cal"
    rare = sessions(r, "rare")
    day1 = rare[rare["start"] < utc("2026-02-03")]
    assert lst(day1["access"]) == ["usage_cal"] * 28 + [None]
    later = rare[rare["start"] >= utc("2026-02-03")].reset_index(drop=True)
    # a pool of 28 recharges one a day
    assert lst(later["access"]) == ["usage_cal", None, "usage_cal", "usage_cal"]
    cut = later.iloc[3]
    assert cut["interrupted"] == "no_cal"
    assert cut["end"] - cut["start"] == pd.Timedelta(minutes=50)


def test_desktop_unlock_and_lease_timelines() -> None:
    r = run("desktops.yaml")
    ann = r.launches[r.launches["desktop"] == "ann-laptop"]
    assert ann["outcome"].tolist() == ["renewed", "unlocked", "locked", "renewed"]
    assert lst(ann["denied_reason"]) == [None, None, "desktop_locked", None]
    locked = r.events[r.events["kind"] == "desktop_locked"]
    assert locked["time"].tolist() == [utc("2026-03-04T09:00")]
    dev = r.launches[r.launches["desktop"] == "dev-boxes"]
    assert dev["outcome"].tolist() == [
        "leased",
        "leased",
        "personal_edition",
        "lease_valid",
        "personal_edition",
        "leased",
    ]


def outcomes(r, desktop: str) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    la = r.launches[r.launches["desktop"] == desktop]
    return list(zip(la["user"], la["outcome"], lst(la["denied_reason"]), strict=True))


def test_qlikview_desktop_local_license_lease_switches_and_barred_users() -> None:
    """Hand-worked (desktop-lease.yaml): every launch below is the fleet's only one for
    that user, so only the fixed settings decide it."""
    r = run("desktop-lease.yaml")
    assert outcomes(r, "dev-boxes") == [
        ("dev-1", "leased", None),  # qvs leases, dev-1 holds a Named CAL
        ("dev-2", "local_license", None),  # a local key: no lease needed
        ("dev-3", "personal_edition", "lease_prohibited"),  # barred although she holds a CAL
    ]
    # The contractors hold no CAL at all: their local keys license them anyway.
    assert outcomes(r, "contractor-laptops") == [
        ("contractors-1", "local_license", None),
        ("contractors-2", "local_license", None),
    ]
    assert not r.events["user"].astype("object").str.startswith("contractors").any()
    # "Allow license lease" off in the QMC, and LICENSE_LEASE;NO;; on the LEF.
    assert outcomes(r, "ops-boxes") == [("ops-1", "personal_edition", "lease_not_allowed")]
    assert outcomes(r, "fin-boxes") == [("fin-1", "personal_edition", "lease_not_allowed")]
    assert r.kpi("launches_lease_not_allowed") == 2
    assert r.kpi("launches_lease_prohibited") == 1
    assert r.kpi("launches_personal_edition") == 0


def test_turning_the_lease_switch_off_sends_a_leasing_fleet_to_personal_edition() -> None:
    sc = load_scenario(HERE / "desktop-lease.yaml").with_overrides(
        {"servers.qvs.allow_license_lease": False}
    )
    r = simulate(sc)
    # dev-1 leased with the switch on; the local key still licenses dev-2.
    assert outcomes(r, "dev-boxes") == [
        ("dev-1", "personal_edition", "lease_not_allowed"),
        ("dev-2", "local_license", None),
        ("dev-3", "personal_edition", "lease_not_allowed"),
    ]


def test_sense_desktop_locks_at_the_first_launch_that_reaches_the_server_after_a_revoke() -> None:
    """Hand-worked (desktop-revoke.yaml): seats of bea-1 and dan-1 deallocated on 10 Feb
    12:00; bea-1's seat given back on 20 Feb 12:00."""
    r = run("desktop-revoke.yaml")
    bea = r.launches[r.launches["desktop"] == "bea-laptop"]
    assert bea["outcome"].tolist() == [
        "renewed",  # 2 Feb
        "renewed",  # 9 Feb
        "unlocked",  # 12 Feb, away: the revocation cannot be known
        "locked",  # 16 Feb, reaches the server with no seat
        "locked",  # 18 Feb, away: locked since the 16th
        "renewed",  # 23 Feb, seat back
    ]
    assert lst(bea["denied_reason"]) == [None, None, None, "desktop_locked", "desktop_locked", None]
    dan = r.launches[r.launches["desktop"] == "dan-laptop"]
    # away from the 11th: unlocked until 9 Feb 09:00 + 30 days
    assert dan["outcome"].tolist() == ["renewed", "unlocked", "locked"]
    locked = r.events[r.events["kind"] == "desktop_locked"]
    assert locked["time"].tolist() == [utc("2026-02-16T09:00"), utc("2026-03-11T09:00")]
    assert locked["user"].tolist() == ["bea-1", "dan-1"]
    assert locked["detail"].tolist() == ["bea-laptop: no access", "dan-laptop"]


def test_admin_moves_a_token_from_user_passes_to_login_passes() -> None:
    sc = load_scenario(HERE / "tokens.yaml").with_overrides(
        {
            "licenses.tokens.changes": [
                {"at": "2026-02-05T10:05:30", "user_passes": 1, "login_passes": 20}
            ]
        }
    )
    r = simulate(sc)
    v = sessions(r, "visitors")
    assert v.loc[9, "access"] == "login_pass"  # the eleventh pass exists now
    u = r.allocations[r.allocations["type"] == "user_pass"].iloc[-1]
    assert (u["time"], u["total"], u["allocated"], u["excess"]) == (
        utc("2026-02-05T10:05:30"),
        1,
        2,
        1,
    )


def test_tokens_remixed_into_professional_and_analyzer_seats() -> None:
    """Hand-worked (token-remix.yaml): 3 user passes for 4 staff until 4 Feb 00:00, then
    1 Professional (named) and 2 Analyzer (dynamic) instead of every token."""
    r = run("token-remix.yaml")
    staff = sessions(r, "staff")
    assert lst(staff["access"]) == [
        "user_pass",  # 2 Feb: staff-1's user pass
        None,  # 2 Feb: staff-4, three passes for four
        "professional",  # 5 Feb: staff-1, named at the remix
        "analyzer",  # staff-2, dynamic
        "analyzer",  # staff-3, the second and last Analyzer
        None,  # staff-4: no seat left
    ]
    assert lst(staff["denied_reason"])[-1] == "no_seat"
    # The login passes went with the tokens.
    assert lst(sessions(r, "visitors")["access"]) == ["login_pass", None]
    remix = utc("2026-02-04T00:00")
    ev = r.events
    gone = ev[(ev["kind"] == "deallocate") & (ev["time"] == remix)]
    assert sorted(gone["user"]) == ["staff-1", "staff-2", "staff-3"]
    assert set(gone["detail"]) == {"user_pass (remix)"}
    assert not (ev["kind"] == "quarantine").any()
    last = r.allocations.groupby("type").tail(1).set_index("type")
    assert last.loc["user_pass", ["total", "allocated", "excess"]].tolist() == [0, 0, 0]
    assert last.loc["professional", ["total", "allocated"]].tolist() == [1, 1]
    assert last.loc["analyzer", ["total", "allocated"]].tolist() == [2, 2]


def test_document_cals_per_user_and_document() -> None:
    r = run("qlikview-documents.yaml")
    s = sessions(r, "readers")
    assert lst(s["document"]) == ["sales.qvw", "stock.qvw", "sales.qvw", "stock.qvw", "sales.qvw"]
    # two Document CALs go to readers-1's two documents; readers-2 gets the one Usage CAL for
    # sales.qvw, and nothing for stock.qvw; readers-1 keeps its Document CAL for sales.qvw
    assert lst(s["access"]) == ["document_cal", "document_cal", "usage_cal", None, "document_cal"]
    assert s.loc[3, "denied_reason"] == "no_cal"
    d = r.allocations[r.allocations["type"] == "document_cal"]
    assert d["allocated"].tolist() == [1, 2]


def test_groups_open_documents_by_weight() -> None:
    sc = parse_scenario(
        {
            "name": "docs",
            "seed": 4,
            "start": "2026-02-02T00:00",
            "duration": "28d",
            "licenses": [
                {
                    "id": "qv",
                    "activation": "lef",
                    "term": "perpetual",
                    "qlikview_cals": {"session": 500},
                }
            ],
            "servers": [{"id": "qvs", "product": "qlikview", "license": "qv"}],
            "users": [
                {
                    "group": "g",
                    "count": 100,
                    "access": "session_cal",
                    "servers": ["qvs"],
                    "behaviour": {"documents": {"a.qvw": 3, "b.qvw": 1}},
                }
            ],
        }
    )
    docs = simulate(sc).sessions["document"].astype(str)
    n = len(docs)
    share = float((docs == "a.qvw").mean())
    assert n > 3000
    assert abs(share - 0.75) < 3 * (0.75 * 0.25 / n) ** 0.5  # binomial, three standard errors


def spans(r, server: str) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:  # type: ignore[no-untyped-def]
    st = r.server_states[r.server_states["server"] == server]
    return list(zip(st["state"], st["start"], st["end"], strict=True))


def test_an_address_change_cuts_off_the_server_that_allow_lists_by_ip_until_fixed() -> None:
    """Hand-worked (address-change.yaml, UTC, syncs every 10 min from 00:00): the change at
    2 March 10:00 breaks by-ip's rule; its 10:00 sync is the first to fail, so grace runs
    from 10:00, counted from the last success at 09:50 (expiry 5 March 09:50). The rule is
    fixed 2 days later, on 4 March at 10:00, whose sync succeeds: never unlicensed."""
    r = run("address-change.yaml")
    assert spans(r, "by-ip") == [
        ("licensed", utc("2026-03-01T00:00"), utc("2026-03-02T10:00")),
        ("grace", utc("2026-03-02T10:00"), utc("2026-03-04T10:00")),
        ("licensed", utc("2026-03-04T10:00"), utc("2026-03-11T00:00")),
    ]
    assert spans(r, "by-name") == [("licensed", utc("2026-03-01T00:00"), utc("2026-03-11T00:00"))]
    outages = r.events[r.events["kind"].isin(["outage_start", "outage_end"])]
    assert list(zip(outages["time"], outages["kind"], outages["server"], strict=True)) == [
        (utc("2026-03-02T10:00"), "outage_start", "by-ip"),
        (utc("2026-03-04T10:00"), "outage_end", "by-ip"),
    ]
    assert set(outages["detail"]) == {"link: backend address change"}
    assert lst(r.sessions["denied_reason"]) == [None, None]


def test_an_ip_rule_fixed_after_grace_leaves_the_server_unlicensed_until_then() -> None:
    """fix_after 4 days: the link is back on 6 March at 10:00. Grace ends 72 h after the
    last successful sync (2 March 09:50), on 5 March at 09:50; unlicensed from then until
    the sync at 6 March 10:00. by-ip's session on 5 March at 12:00 is denied; by-name's
    at the same time is not."""
    sc = load_scenario(HERE / "address-change.yaml").with_overrides(
        {"servers.by-ip.firewall.fix_after": "4d"}
    )
    r = simulate(sc)
    assert spans(r, "by-ip") == [
        ("licensed", utc("2026-03-01T00:00"), utc("2026-03-02T10:00")),
        ("grace", utc("2026-03-02T10:00"), utc("2026-03-05T09:50")),
        ("unlicensed", utc("2026-03-05T09:50"), utc("2026-03-06T10:00")),
        ("licensed", utc("2026-03-06T10:00"), utc("2026-03-11T00:00")),
    ]
    assert len(spans(r, "by-name")) == 1
    assert lst(r.sessions["denied_reason"]) == ["grace_expired", None]


def test_random_address_changes_are_seeded_and_spare_name_rules() -> None:
    sc = load_scenario(HERE / "address-change.yaml").with_overrides(
        {"backend.address_changes": [], "backend.random_address_changes": {"mean_interval": "1d"}}
    )
    first, again = simulate(sc), simulate(sc)
    starts = first.events[first.events["kind"] == "outage_start"]
    # 10 days at one change a day on average: several, and all on by-ip.
    assert len(starts) >= 3
    assert set(starts["server"]) == {"by-ip"}
    pd.testing.assert_frame_equal(first.events, again.events)
    other = simulate(sc, seed=99).events
    assert not other[other["kind"] == "outage_start"]["time"].equals(starts["time"])


def test_an_admin_cannot_allocate_while_the_server_is_cut_off_from_the_backend() -> None:
    # The link is down from 10:00 to 12:00: the 10:00 sync fails (grace), the 12:00 one
    # succeeds. An allocation at 10:30 is refused; the same at 12:30 is made.
    r = simulate(
        parse_scenario(
            {
                "name": "admin-offline",
                "start": "2026-02-02T00:00",
                "duration": "1d",
                "licenses": [
                    {
                        "id": "corp",
                        "professional": 1,
                        "analyzer": 1,
                        "actions": [
                            {
                                "at": "2026-02-02T10:30",
                                "action": "allocate",
                                "user": "team-1",
                                "type": "analyzer",
                            },
                            {
                                "at": "2026-02-02T12:30",
                                "action": "allocate",
                                "user": "team-1",
                                "type": "analyzer",
                            },
                        ],
                    }
                ],
                "servers": [
                    {
                        "id": "prod",
                        "license": "corp",
                        "link_outages": [{"start": "2026-02-02T10:00", "duration": "2h"}],
                    }
                ],
                "users": [
                    {
                        "group": "team",
                        "count": 1,
                        "access": "capacity",
                        "servers": ["prod"],
                        "sessions": [],
                    }
                ],
            }
        )
    )
    ev = r.events[r.events["kind"].isin(["allocate", "allocate_refused"])]
    assert [(e.kind, e.time, e.detail) for e in ev.itertuples()] == [
        ("allocate_refused", utc("2026-02-02T10:30"), "analyzer: no server can allocate now"),
        ("allocate", utc("2026-02-02T12:30"), "analyzer (admin)"),
    ]


def test_a_capacity_user_given_an_analyzer_seat_by_the_admin_keeps_the_parallel_limit() -> None:
    # Generated sessions on three devices, one parallel session allowed, no capacity: the
    # user's only access is the Analyzer seat the admin gives at the start, so at no instant
    # do two of the user's granted sessions overlap, on either engine path.
    data = {
        "name": "admin-analyzer",
        "seed": 5,
        "start": "2026-02-02T00:00",
        "duration": "5d",
        "rules": {"max_parallel_sessions": 1},
        "licenses": [
            {
                "id": "corp",
                "professional": 1,
                "analyzer": 1,
                "actions": [
                    {
                        "at": "2026-02-02T00:00",
                        "action": "allocate",
                        "user": "field-1",
                        "type": "analyzer",
                    }
                ],
            }
        ],
        "servers": [{"id": "prod", "license": "corp"}],
        "users": [
            {
                "group": "field",
                "count": 1,
                "access": "capacity",
                "servers": ["prod"],
                "behaviour": {
                    "devices": 3,
                    "sessions_per_day": 4,
                    "session_break": "0s",
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                },
            }
        ],
    }
    for fast in (True, False):
        s = build_result(*run_engine(parse_scenario(data), fast=fast)).sessions
        granted = s[s["access"].notna()].sort_values("start")
        assert set(granted["access"]) == {"analyzer"}
        assert set(s.loc[s["access"].isna(), "denied_reason"]) == {"parallel_limit"}
        assert (granted["start"].to_numpy()[1:] >= granted["end"].cummax().to_numpy()[:-1]).all()
