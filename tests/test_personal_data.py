"""Personal data stays in raw: staging pseudonymizes it with a keyed hash, and no model after
raw, nor the published serving file, holds an original identifier (issue #3)."""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import warnings
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import FIRST_DAY, KEY, LAST_DAY
from helpers import run_dbt, run_sharesignal

from sharesignal.config import (
    DBT_PROJECT_DIR,
    DEV_PSEUDONYM_KEY,
    load_settings,
    warn_if_default_pseudonym_key,
)
from sharesignal.pseudonym_key import set_pseudonym_key

WARNING = "SHARESIGNAL_PSEUDONYM_KEY is not set"

# Every original identifier of a person in raw, lower-cased. `substring` says whether it is
# also searched inside longer values: handles, names, emails, phones, ids, dids and client ids
# are; first or last names alone (common words: "Park", "Ines" in "pipelines"), post texts,
# bios and URLs are only searched as whole values (a text or URL that leaked whole would
# contain a handle or id anyway). Left out:
# - values shorter than 4 characters, and values of at most 8 hex digits (a 6-digit number,
#   a handle like "cafe"): they turn up by chance inside pseudonyms, post ids and counts;
# - values that occur in the business's own pages, its catalog and site (its brand name and
#   domain are the display name and handle of its own accounts, and no one's personal data);
# - locations and the click log's city, coordinates and user agent: staging drops them, but
#   on their own they are not identifiers to search for.
IDENTIFIERS_SQL = """
with

identifiers as (

    select unnest([id, username, name]) as value, true as substring
    from raw.x_users
    union all
    select unnest([description, profile_image_url, url]), false
    from raw.x_users
    union all
    select unnest([author_id, in_reply_to_user_id]), true
    from raw.x_posts
    union all
    select text, false
    from raw.x_posts
    union all
    select unnest([mention.username, mention.id]), true
    from (select unnest(entities.mentions) as mention from raw.x_posts)

    union all
    select unnest([account.id, account.username, account.acct, account.display_name]), true
    from (select unnest([account, reblog.account]) as account from raw.mastodon_statuses)
    union all
    select unnest([account.note, account.url, account.avatar]), false
    from (select unnest([account, reblog.account]) as account from raw.mastodon_statuses)
    union all
    select in_reply_to_account_id, true
    from raw.mastodon_statuses
    union all
    -- a status's uri and url name its author
    select unnest([uri, url, content, reblog.uri, reblog.url]), false
    from raw.mastodon_statuses
    union all
    select unnest([mention.id, mention.username, mention.acct]), true
    from (select unnest(mentions) as mention from raw.mastodon_statuses)
    union all
    select mention.url, false
    from (select unnest(mentions) as mention from raw.mastodon_statuses)

    union all
    select unnest([actor.did, actor.handle, actor.displayName]), true
    from (select unnest([post.author, reason.by]) as actor from raw.bluesky_feed_items)
    union all
    select actor.avatar, false
    from (select unnest([post.author, reason.by]) as actor from raw.bluesky_feed_items)
    union all
    -- a post uri names its author's did
    select unnest([
        post.uri, post.record.text, post.record.embed.record.uri,
        post.record.reply.parent.uri, post.record.reply.root.uri
    ]), false
    from raw.bluesky_feed_items
    union all
    select unnest([did, handle, displayName]), true
    from raw.bluesky_profiles
    union all
    select unnest([description, avatar]), false
    from raw.bluesky_profiles
    union all
    select unnest([did, handle, displayName]), true
    from raw.bluesky_reposted_by
    union all
    select unnest([id, username, acct, display_name]), true
    from raw.mastodon_accounts
    union all
    select unnest([note, url, avatar]), false
    from raw.mastodon_accounts

    union all
    select unnest(["Name", "Email", "Phone", "GA_Client_ID__c"]), true
    from raw.crm_leads
    union all
    select unnest(["FirstName", "LastName"]), false
    from raw.crm_leads
    union all
    select unnest([user_pseudo_id, user_id]), true
    from raw.web_analytics_events

),

own_pages as (

    -- the business's own site: its catalog, and the URLs and titles of its pages
    select lower(url || ' ' || title) as text
    from raw.content_catalog
    union
    select lower(param.value.string_value)
    from (select unnest(event_params) as param from raw.web_analytics_events)
    where param.key in ('page_location', 'page_title')

)

select lower(value), bool_or(substring)
from identifiers
where length(value) >= 4
    and not regexp_full_match(value, '[0-9a-fA-F]{1,8}')
    and not exists (
        select 1
        from own_pages
        where contains(own_pages.text, lower(value))
    )
group by lower(value)
"""


@pytest.fixture
def home(keyed_home) -> Path:
    """Two export dates run through the whole pipeline with a pseudonymization key set."""
    return keyed_home


def original_identifiers(warehouse: Path) -> tuple[set[str], set[str]]:
    """All original identifiers, and those also searched inside longer values."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(IDENTIFIERS_SQL).fetchall()
    finally:
        con.close()
    return {value for value, _ in rows}, {value for value, substring in rows if substring}


def relation_values(database: Path, schemas: tuple[str, ...] | None) -> dict[str, set[str]]:
    """The distinct values of every column of every table and view (of `schemas`, or all),
    as lower-cased text, by relation (the staging views read with the key, as dbt reads them)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        set_pseudonym_key(con, KEY)
        columns = con.execute(
            "select table_schema, table_name, list(column_name) from information_schema.columns "
            "where table_catalog = current_database() group by all"
        ).fetchall()
        return {
            f"{database.name}:{schema}.{table}": {
                value
                for (value,) in con.execute(
                    " union ".join(
                        f'select lower(cast("{column}" as varchar)) from "{schema}"."{table}"'
                        for column in names
                    )
                ).fetchall()
                if value is not None
            }
            for schema, table, names in columns
            if schemas is None or schema in schemas
        }
    finally:
        con.close()


def test_no_original_identifier_leaves_raw(home):
    identifiers, distinctive = original_identifiers(home / "warehouse.duckdb")
    assert len(distinctive) > 100, "the generated world has people in every source"

    relations = {
        **relation_values(home / "serving" / "marts.duckdb", None),
        **relation_values(home / "warehouse.duckdb", ("staging", "intermediate", "marts")),
    }
    assert any(name.startswith("marts.duckdb:") for name in relations)
    assert len(relations) >= 20, sorted(relations)
    leaks = {}
    for relation, values in relations.items():
        # One text to search, so each identifier is one fast substring search.
        text = "\x00".join(values)
        found = (values & identifiers) | {value for value in distinctive if value in text}
        if found:
            leaks[relation] = sorted(found)[:5]
    assert not leaks


def test_pseudonyms_are_the_keyed_hash_and_still_join(home):
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        # The staging views pseudonymize as they are read: with the key, as dbt reads them.
        set_pseudonym_key(con, KEY)
        pseudonym = "sha256($key || chr(31) || {})"
        mismatches = con.execute(
            f"""
            select
                (select count(*) from raw.x_users
                 where {pseudonym.format("id")}
                    not in (select account_id from staging.stg_x__users)),
                (select count(*) from raw.bluesky_profiles
                 where {pseudonym.format("lower(handle)")}
                    not in (select handle from staging.stg_bluesky__profiles))
            """,
            {"key": KEY},
        ).fetchone()
        # Leads find their web users through the pseudonymous client id exactly as they would
        # through the original one (each lead's raw record is found by its lineage).
        joined = con.execute(
            """
            select
                count(*) filter (where raw_leads."GA_Client_ID__c" in (
                    select user_pseudo_id from raw.web_analytics_events
                )),
                count(*) filter (where leads.ga_client_id in (
                    select user_pseudo_id from staging.stg_web_analytics__events
                ))
            from staging.stg_crm__leads as leads
            inner join raw.crm_leads as raw_leads using (_source_file, _line)
            """
        ).fetchone()
    finally:
        con.close()
    assert mismatches == (0, 0)
    assert joined[0] > 0
    assert joined[1] == joined[0]


def pseudonymize_with_dbt(tmp_path: Path, key: str | None) -> tuple[dict, str]:
    """The macro's pseudonyms of 'alice' and of NULL as dbt computes them (with `key`, or
    with no key set), and dbt's output. The warning hook is called inline, as on run start."""
    env = {**os.environ, "SHARESIGNAL_HOME": str(tmp_path)}
    env.pop("SHARESIGNAL_PSEUDONYM_KEY", None)
    if key is not None:
        env["SHARESIGNAL_PSEUDONYM_KEY"] = key
    sql = (
        "select {{ pseudonymize(\"'alice'\") }} as alice, {{ pseudonymize('null') }} as nothing"
        " {{ warn_if_default_pseudonym_key() }}"
    )
    # Own target and log folders: the project's manifest (which Dagster reads) stays as it is.
    out = tmp_path / f"dbt-{key}"
    shown = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "show",
            "--profiles-dir",
            ".",
            "--target-path",
            str(out),
            "--log-path",
            str(out),
            "--output",
            "json",
            "--inline",
            sql,
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    result = json.loads(shown.stdout[shown.stdout.index("\n{") :])
    return result["show"][0], shown.stdout


def key_digests(home: Path) -> dict[str, str]:
    """The recorded digest of the key each incremental model's table was built with."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return dict(con.execute("select model, digest from main.pseudonym_keys").fetchall())


def digest_of(key: str) -> str:
    return sha256(f"{key}\x1fsharesignal pseudonym key check")


def test_a_changed_key_stops_the_daily_run_until_a_full_refresh(home, tmp_path):
    """The incremental tables keep the pseudonyms they were built with: after a change of key,
    a daily run fails before building anything (it would mix old and new pseudonyms), and a
    full refresh re-pseudonymizes every export date with the new key."""
    changed = tmp_path / "home"
    shutil.copytree(home, changed, symlinks=True)
    day = ("--start", LAST_DAY.isoformat(), "--end", LAST_DAY.isoformat())

    def accounts_of(export_date: date) -> set[str]:
        with duckdb.connect(str(changed / "warehouse.duckdb"), read_only=True) as con:
            query = "select account_id from staging.stg_x__post_versions where _partition_date = ?"
            return {account for (account,) in con.execute(query, [export_date]).fetchall()}

    first_day, last_day = accounts_of(FIRST_DAY), accounts_of(LAST_DAY)
    assert first_day and last_day, "both days have X posts"
    recorded = key_digests(changed)
    assert {"stg_x__post_versions", "int_sessions"} <= recorded.keys()
    assert set(recorded.values()) == {digest_of(KEY)}

    daily = run_sharesignal(changed, "backfill", *day, key="another-key")
    assert daily.returncode == 1, daily.stdout + daily.stderr
    output = daily.stdout + daily.stderr
    assert "is not the key these incremental tables were built with" in output
    assert "--full-refresh" in output
    # Nothing was built: the run's own date keeps the old pseudonyms, the record the old key.
    assert accounts_of(LAST_DAY) == last_day
    assert key_digests(changed) == recorded

    refreshed = run_sharesignal(changed, "backfill", *day, "--full-refresh", key="another-key")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    after = accounts_of(FIRST_DAY)
    assert after and after.isdisjoint(first_day)
    assert key_digests(changed) == dict.fromkeys(recorded, digest_of("another-key"))

    # The next daily run with the new key goes through.
    assert run_sharesignal(changed, "backfill", *day, key="another-key").returncode == 0


def test_a_partial_full_refresh_leaves_the_models_it_did_not_rebuild_guarded(home, tmp_path):
    """A full refresh of the staging models alone re-pseudonymizes them, not the incremental
    conversion models: a later run with the new key still fails, naming those."""
    changed = tmp_path / "home"
    changed.mkdir()
    shutil.copy(home / "warehouse.duckdb", changed / "warehouse.duckdb")
    new_key = {"SHARESIGNAL_PSEUDONYM_KEY": "another-key"}

    staged = run_dbt(changed, "run", "--select", "staging", "--full-refresh", env=new_key)
    assert staged.returncode == 0, staged.stdout + staged.stderr
    recorded = key_digests(changed)
    assert recorded["stg_x__post_versions"] == digest_of("another-key")
    assert recorded["int_sessions"] == recorded["int_share_touches"] == digest_of(KEY)

    again = run_dbt(changed, "run", "--select", "staging", env=new_key)
    assert again.returncode != 0
    output = again.stdout + again.stderr
    named = output[output.index("built with: ") :].split(".")[0]
    assert "int_sessions" in named and "int_share_touches" in named
    assert "stg_x__post_versions" not in named


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_pseudonym_is_keyed_and_deterministic(tmp_path):
    dev, dev_output = pseudonymize_with_dbt(tmp_path, None)
    keyed, keyed_output = pseudonymize_with_dbt(tmp_path, "another-key")

    assert dev == {"alice": sha256(f"{DEV_PSEUDONYM_KEY}\x1falice"), "nothing": None}
    assert keyed == {"alice": sha256("another-key\x1falice"), "nothing": None}
    assert len({dev["alice"], keyed["alice"], sha256("alice")}) == 3
    assert WARNING in dev_output
    assert WARNING not in keyed_output


def test_the_development_key_warns_and_a_set_key_does_not(monkeypatch):
    monkeypatch.delenv("SHARESIGNAL_PSEUDONYM_KEY", raising=False)
    with pytest.warns(UserWarning, match=WARNING):
        warn_if_default_pseudonym_key(load_settings())

    # An empty key would make the hash unkeyed: it counts as not set.
    monkeypatch.setenv("SHARESIGNAL_PSEUDONYM_KEY", "")
    assert load_settings().uses_dev_pseudonym_key
    with pytest.warns(UserWarning, match=WARNING):
        warn_if_default_pseudonym_key(load_settings())

    monkeypatch.setenv("SHARESIGNAL_PSEUDONYM_KEY", "a-real-secret")
    settings = load_settings()
    assert settings.pseudonym_key == "a-real-secret"
    assert not settings.uses_dev_pseudonym_key
    assert "a-real-secret" not in repr(settings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_default_pseudonym_key(settings)


def key_forms(key: str) -> dict[str, bytes]:
    """The key as a file could hold it: its bytes, their hex, and their base64 at each of the
    three alignments a longer encoded value could give it (the edges, which depend on the
    neighbouring bytes, left out)."""
    raw = key.encode()
    forms = {"bytes": raw, "hex": raw.hex().encode()}
    for shift in range(3):
        forms[f"base64+{shift}"] = base64.b64encode(b"\0" * shift + raw)[4:-4]
    return forms


def test_the_key_is_in_no_file_the_pipeline_writes(home):
    """The key never lands in a file: not in dbt's compiled SQL, run results, manifest, logs
    or parse state (in the home, and in the checkout's dbt_project/target and logs), not in
    Dagster's run storage or logs, not in the warehouse (views included)."""
    folders = [home, DBT_PROJECT_DIR / "target", DBT_PROJECT_DIR / "logs"]
    files = [path for folder in folders for path in folder.rglob("*") if path.is_file()]
    assert any(path.name == "run_results.json" for path in files)
    assert any(path.name == "dbt.log" for path in files)
    assert any(path.is_relative_to(home / "dagster") for path in files)
    assert files_holding_the_key(*folders) == {}
    # The catalog's view definitions, however the file stores them.
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        views = con.execute("select sql from duckdb_views() where contains(sql, ?)", [KEY])
        assert views.fetchall() == []


def files_holding_the_key(*folders: Path) -> dict[str, list[str]]:
    """Each file under `folders` that holds KEY in some form, with the forms found."""
    forms = key_forms(KEY)
    files = [path for folder in folders for path in folder.rglob("*") if path.is_file()]
    return {
        str(path): found
        for path in files
        if (found := [name for name, form in forms.items() if form in path.read_bytes()])
    }


def test_parsing_the_project_as_dagster_dev_does_writes_no_key(tmp_path):
    """`dagster dev` (make ui) re-parses the dbt project on load, with the key in its
    environment, into dbt_project/target: the manifest and parse state hold no key."""
    parsed = run_dbt(tmp_path, "parse", env={"SHARESIGNAL_PSEUDONYM_KEY": KEY})
    assert parsed.returncode == 0, parsed.stdout
    assert (tmp_path / "target" / "partial_parse.msgpack").is_file()
    assert files_holding_the_key(tmp_path, DBT_PROJECT_DIR / "logs") == {}


def test_without_the_key_variable_pseudonymizing_fails_instead_of_giving_null(home, tmp_path):
    """A profile without the plugin that sets the key, or a reader of a staging view that did
    not set it, gets an error naming the variable, not NULL pseudonyms (sha256 of NULL)."""
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    del profiles["sharesignal"]["outputs"]["local"]["plugins"]
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump(profiles))
    command = [str(Path(sys.executable).parent / "dbt"), "show", "--inline"]
    shown = subprocess.run(
        [*command, "select {{ pseudonymize(\"'alice'\") }} as alice", "--profiles-dir", tmp_path]
        + ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "SHARESIGNAL_HOME": str(tmp_path), "SHARESIGNAL_PSEUDONYM_KEY": KEY},
        capture_output=True,
        text=True,
    )
    assert shown.returncode != 0
    assert "sharesignal_pseudonym_key is not set" in shown.stdout + shown.stderr

    unset = pytest.raises(duckdb.InvalidInputException, match="pseudonym_key is not set")
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con, unset:
        con.execute("select account_id from staging.stg_x__users").fetchall()
