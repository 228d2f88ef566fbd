"""The test-site generator: deterministic, and independent of licsim's behaviour model."""

import ast
import hashlib
from datetime import date
from pathlib import Path

from sim.importers import synthetic
from sim.importers.synthetic import generate_site

ROOT = Path(__file__).resolve().parent.parent


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    kw = dict(users=20, start=date(2026, 3, 2), days=21)
    a = generate_site(tmp_path / "a", seed=3, **kw)
    b = generate_site(tmp_path / "b", seed=3, **kw)
    generate_site(tmp_path / "c", seed=4, **kw)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")
    assert a == b and a.sessions > 0


def test_site_has_the_promised_features(tmp_path: Path) -> None:
    t = generate_site(
        tmp_path, seed=5, users=40, start=date(2026, 3, 23), days=21, holidays=(date(2026, 4, 3),)
    )
    assert set(t.users_by_directory) == {"CORP", "PARTNER"}
    assert len(t.sessions_by_server) == 3
    archived = list((tmp_path / "logs" / "ArchivedLogs").rglob("*_Session_Engine_*Z.log"))
    assert len(archived) >= 2
    assert t.rejected["truncated last line (file cut while being written)"] == 1
    # no user session starts on the holiday (Good Friday 2026-04-03); the scheduler still runs
    start_col = synthetic.ENGINE_HEADER.index("Session Start")
    dir_col = synthetic.ENGINE_HEADER.index("ActiveUserDirectory")
    starts = []
    for f in (tmp_path / "logs").rglob("*_Session_Engine*"):
        for line in f.read_text().splitlines()[1:]:
            fields = line.split("\t")
            if len(fields) == len(synthetic.ENGINE_HEADER) and fields[dir_col] != "INTERNAL":
                starts.append(fields[start_col][:8])
    assert starts and "20260403" not in starts and "20260402" in starts


def test_generator_does_not_use_licsims_model() -> None:
    tree = ast.parse(Path(synthetic.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m and m.startswith("sim") for m in imported)
