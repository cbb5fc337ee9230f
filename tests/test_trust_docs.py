"""The scorecard in the repository is one fitted scorecard, and everything that describes it
(the seeds' provenance, docs/trust.md, docs/evaluation.md, dim_accounts' columns) agrees
with it."""

import json
import re

import yaml

from sharesignal.config import DBT_PROJECT_DIR, REPO_ROOT
from sharesignal.trust.command import scorecard_markdown
from sharesignal.trust.scorecard import SEED_DIR, TIERS, read_seeds
from sharesignal.trust.signals import BEHAVIOUR, FITTED, PROFILE, SIGNALS

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def section(path, name: str) -> str:
    text = path.read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- fit-trust:{name} -->\n(.*?)<!-- /fit-trust:{name} -->", text, re.DOTALL
    )
    assert match, f"{path} lacks its fit-trust:{name} section"
    return match.group(1)


def test_the_seeds_hold_every_signal_and_nothing_else() -> None:
    scorecard = read_seeds()
    assert set(scorecard.bins["signal"]) == {s.name for s in SIGNALS}
    for signal in SIGNALS:
        bins = scorecard.points_of(signal.name)
        assert list(zip(bins["lower_bound"], bins["upper_bound"], strict=True)) == signal.bins
        if signal.basis != FITTED:
            assert bins["points"].to_list() == list(signal.hand_points)
    assert list(scorecard.tiers) == list(TIERS)


def test_the_scorecard_is_a_fit_on_real_labeled_data_with_its_provenance() -> None:
    seeds = yaml.safe_load((SEED_DIR / "_trust__seeds.yml").read_text())
    provenance = seeds["seeds"][0]["config"]["meta"]["provenance"]
    assert provenance["command"].startswith("sharesignal fit-trust ")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", provenance["fitted_at"])
    datasets = provenance["datasets"]
    assert len(datasets) >= 3 and all(re.fullmatch(r"[0-9a-f]{64}", d["sha256"]) for d in datasets)
    assert all(d["accounts"] > 500 and 0 < d["bots"] < d["accounts"] for d in datasets)
    fitted = read_seeds().bins.filter(read_seeds().bins["basis"] == FITTED)
    assert (fitted["points"] != 0).sum() > 10, "the fitted points are all zero: not fitted"


def test_docs_trust_shows_the_scorecard_in_the_seeds() -> None:
    assert (
        section(REPO_ROOT / "docs" / "trust.md", "scorecard").strip()
        == scorecard_markdown(read_seeds()).strip()
    )


def test_docs_evaluation_holds_the_leave_one_out_table_of_every_dataset_fitted_on() -> None:
    table = section(REPO_ROOT / "docs" / "evaluation.md", "leave-one-out")
    seeds = yaml.safe_load((SEED_DIR / "_trust__seeds.yml").read_text())
    provenance = seeds["seeds"][0]["config"]["meta"]["provenance"]
    assert provenance["command"] in table
    for dataset in provenance["datasets"]:
        assert re.search(
            rf"^\| {dataset['name']} \| [\d,]+ \| [\d,]+ \| 0\.\d{{3}} ", table, re.M
        ), dataset


def test_every_points_column_of_dim_accounts_names_its_signal_and_the_seed() -> None:
    nodes = json.loads(MANIFEST.read_text())["nodes"]
    columns = nodes["model.sharesignal.dim_accounts"]["columns"]
    for signal in SIGNALS:
        description = columns[signal.points_column]["description"]
        assert f"`{signal.name}`" in description and "trust_scorecard" in description, signal
        assert signal.basis.split()[0] in description
        assert signal.name in columns, signal.name
    points = {name for name in columns if name.endswith("_points")}
    assert points == {s.points_column for s in SIGNALS} | {"profile_points", "behaviour_points"}


def test_the_model_scores_the_signals_of_signals_py_in_their_parts() -> None:
    sql = (DBT_PROJECT_DIR / "models" / "intermediate" / "int_accounts_scored.sql").read_text()
    for part, name in ((PROFILE, "profile_signals"), (BEHAVIOUR, "behaviour_signals")):
        block = re.search(rf"set {name} = \{{(.*?)\}}", sql, re.DOTALL)
        assert block, name
        pairs = re.findall(r"'(\w+)': '(\w+)'", block.group(1))
        assert pairs == [(s.name, s.points_column) for s in SIGNALS if s.part == part]
