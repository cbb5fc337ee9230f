"""The expectations our suites are made of: GX's own where one fits, SQL queries where a rule
spans rows or tables (GX runs each query inside DuckDB; `{batch}` is the table validated).

Each expectation's severity sits in its `meta`: "error" (the default) blocks publication,
"warn" is reported but lets the data through (data_quality.results.severity_of).
"""

from __future__ import annotations

from great_expectations import expectations as gxe
from great_expectations.expectations import Expectation

WARN = {"severity": "warn"}

# Today in UTC as a plain timestamp, like every timestamp the models write.
NOW_UTC = "cast(timezone('UTC', now()) as timestamp)"


# Volume: like Elementary's volume_anomalies, the newest days (the detection period) are each
# compared with the days before them (the training period). A day with less than
# VOLUME_FLOOR of the median of its training days is an anomaly (a missed or truncated
# export); days with too little history or too few rows to judge are left alone, and older
# days were judged when they were new.
VOLUME_DETECTION_DAYS = 7
VOLUME_TRAINING_DAYS = 14
VOLUME_MIN_TRAINING_DAYS = 3
VOLUME_MIN_MEDIAN_ROWS = 20
VOLUME_FLOOR = 0.25


def not_empty() -> list[Expectation]:
    """An empty table more likely means a missed export than a wrong build: worth a look, but
    not worth holding back the other tables."""
    return [gxe.ExpectTableRowCountToBeBetween(min_value=1, meta=WARN)]


def columns(*names: str) -> list[Expectation]:
    return [gxe.ExpectTableColumnsToMatchSet(column_set=list(names), exact_match=True)]


def not_null(*names: str) -> list[Expectation]:
    return [gxe.ExpectColumnValuesToNotBeNull(column=column) for column in names]


def key(column: str) -> list[Expectation]:
    return [*not_null(column), gxe.ExpectColumnValuesToBeUnique(column=column)]


def between(min_value: float, max_value: float | None, *names: str) -> list[Expectation]:
    return [
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=min_value, max_value=max_value)
        for column in names
    ]


def in_set(column: str, values: list[str]) -> list[Expectation]:
    return [gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values)]


def at_least(larger: str, *smaller: str, skip_missing: bool = False) -> list[Expectation]:
    """`larger` >= each of `smaller` on every row (rows missing either are skipped if asked)."""
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=larger,
            column_B=column,
            or_equal=True,
            ignore_row_if="either_value_is_missing" if skip_missing else "both_values_are_missing",
        )
        for column in smaller
    ]


def no_rows(description: str, query: str, *, warn: bool = False) -> list[Expectation]:
    """A rule as a query returning the rows that break it; its description names it in
    failures. Literal braces in the query are doubled (`{{`), as in str.format."""
    return [
        gxe.UnexpectedRowsExpectation(
            description=description,
            unexpected_rows_query=query,
            **({"meta": WARN} if warn else {}),
        )
    ]


def not_in_future(*names: str) -> list[Expectation]:
    """Timestamps at most a day ahead of now (UTC): later ones are clock or export errors."""
    return [
        expectation
        for column in names
        for expectation in no_rows(
            f"{column} is not in the future",
            f"select * from {{batch}} where {column} > {NOW_UTC} + interval 1 day",
        )
    ]


def references(column: str, table: str, table_key: str | None = None) -> list[Expectation]:
    """Every non-NULL `column` value is a key of `table` (schema-qualified): no orphans."""
    target = table_key or column
    return no_rows(
        f"every {column} is in {table}",
        f"select * from (select * from {{batch}}) as child where child.{column} is not null "
        f"and not exists (select 1 from {table} as parent where parent.{target} = child.{column})",
    )


def declared_types(declared: list[tuple[str, str]]) -> list[Expectation]:
    """The table's columns and types are exactly `declared` (name, SQL type): DuckDB spells
    each declared type the way its catalog does (`typeof`), so both sides compare."""
    values = ", ".join(f"('{name}', typeof(NULL::{sql_type}))" for name, sql_type in declared)
    return no_rows(
        "the columns and types are the declared ones",
        f"""with declared(column_name, column_type) as (values {values}),
        actual as (select column_name, column_type from (describe select * from {{batch}}))
        (select 'unexpected' as problem, * from actual except all
         select 'unexpected', * from declared)
        union all
        (select 'missing', * from declared except all select 'missing', * from actual)""",
    )


def volume_anomalies(day_counts: str, group: str) -> str:
    """The anomalous days of `day_counts` (a query with columns `group`, day, n), zero-row
    days inside each group's range included."""
    return f"""
        with counted as ({day_counts}),
        days as (
            select {group}, cast(unnest(generate_series(min(day), max(day), interval 1 day))
                as date) as day
            from counted group by {group}
        ),
        daily as (
            select {group}, day, coalesce(counted.n, 0) as n
            from days left join counted using ({group}, day)
        ),
        judged as (
            select {group}, day, n,
                median(n) over training as usual,
                count(*) over training as training_days,
                max(day) over (partition by {group}) as newest
            from daily
            window training as (partition by {group} order by day
                rows between {VOLUME_TRAINING_DAYS} preceding and 1 preceding)
        )
        select {group}, day, n, usual from judged
        where day > newest - {VOLUME_DETECTION_DAYS}
          and training_days >= {VOLUME_MIN_TRAINING_DAYS}
          and usual >= {VOLUME_MIN_MEDIAN_ROWS}
          and n < {VOLUME_FLOOR} * usual"""
