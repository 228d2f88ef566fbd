"""A plan's files: the ranked plan.csv and a plan.html that needs nothing else to open."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import sim
from sim.plan import PLAN_OUTPUTS, write_plan

SMALL = Path(__file__).resolve().parent / "scenarios" / "plan-enterprise.yaml"


def test_plan_files(tmp_path: Path) -> None:
    result = sim.plan(
        SMALL,
        ["denial_rate<=1%", "spare_professional_seats>=0"],
        bounds=[
            "licenses.corp.professional=2",
            "licenses.corp.analyzer=58:60",
            "licenses.corp.capacity_minutes=8",
        ],
        tolerance=0.5,
        max_replications=10,
        verify=3,
    )
    written = write_plan(result, tmp_path)
    assert sorted(p.name for p in written) == sorted(PLAN_OUTPUTS)
    table = pd.read_csv(tmp_path / "plan.csv")
    # 2 Professional + 59 Analyzer seats + 8 packs of 250 minutes: 80 + 1,062 + 24.
    first = table.iloc[0]
    assert (first["rank"], first["role"], first["corp.analyzer"]) == (1, "recommended", 59)
    assert first["monthly_cost"] == 80 + 59 * 18 + 8 * 3 == result.monthly_cost
    assert list(table["role"][1:]) == ["runner-up"] * (len(table) - 1)
    assert (table["monthly_cost"].diff().dropna() >= 0).all()
    assert {"p_met[denial_rate]", "p_met[spare_professional_seats]"} <= set(table.columns)
    page = (tmp_path / "plan.html").read_text()
    assert result.statement.split(":")[0] in page
    assert 'src="data:image/png;base64,' in page
    # Self-contained: nothing to fetch.
    assert not re.search(r'(src|href)="(https?:)?//', page)
    marginal = pd.read_csv(tmp_path / "marginal.csv")
    # One Analyzer seat fewer (58) costs 18 less and denies more; one more (60) denies less.
    less = marginal[(marginal["variable"] == "corp.analyzer") & (marginal["units"] == 58)]
    assert less["extra_monthly_cost"].tolist() == [-18.0]
    assert (less["change[denial_rate]"] > 0).all()
    assert len(pd.read_csv(tmp_path / "growth.csv")) == 4
