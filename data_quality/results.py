"""What a suite run found, expectation by expectation, as plain dataclasses: a Dagster check
turns them into metadata and the report into a page without knowing GX's result objects.

Values from the table (unexpected values, offending rows, a column's observed value) pass
through a disclosure rule first (data_quality.disclosure): what reaches a result may be shown
anywhere the result goes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from great_expectations.core import ExpectationValidationResult

    from data_quality.disclosure import Disclosure

# An expectation's severity sits in its meta: "error" blocks, "warn" only reports.
ERROR = "error"
WARN = "warn"
SEVERITIES = (ERROR, WARN)

# A rule as a query returning the rows that break it (data_quality.expect.no_rows).
QUERY_EXPECTATION = "unexpected_rows_expectation"

PASSED = "passed"
FAILED = "failed"
WARNED = "warned"

# What GX measured besides the unexpected count, where an expectation reports it: a table's
# own value (row count, column set, rows a query returned), or for column expectations how
# many rows were judged.
OBSERVED = ("observed_value", "element_count", "unexpected_percent")
COLUMN_KWARGS = ("column", "column_list", "column_A", "column_B")
# An error message may quote the value that broke a cast; withheld values stay withheld.
QUOTED = re.compile(r"'[^']*'")


def severity_of(meta: dict[str, Any] | None) -> str:
    """The severity an expectation's `meta` gives it; "error" unless it says otherwise."""
    severity = (meta or {}).get("severity", ERROR)
    if severity not in SEVERITIES:
        raise ValueError(f"unknown expectation severity {severity!r}: use one of {SEVERITIES}")
    return severity


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation of a suite run, passed or not."""

    expectation: str
    column: str | None
    passed: bool
    # "error" blocks publication, "warn" is only reported.
    severity: str = ERROR
    # What the rule says, for expectations that carry a description (the query ones do).
    description: str | None = None
    # What it asks: thresholds, value sets, the query (its kwargs but the columns).
    kwargs: dict[str, Any] = field(default_factory=dict)
    # What GX observed (keys of OBSERVED), also when it passed.
    observed: dict[str, Any] = field(default_factory=dict)
    unexpected_count: int | None = None
    # A few unexpected values, or what a table-level expectation saw instead.
    sample: list[Any] = field(default_factory=list)
    # A few offending rows, for expectations that are a query returning rows.
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Why the expectation could not be evaluated at all (e.g. its column is missing).
    error: str | None = None
    # Columns whose values the disclosure rule kept out of `sample`, `rows` and `observed`.
    withheld: list[str] = field(default_factory=list)

    @property
    def result(self) -> str:
        if self.passed:
            return PASSED
        return WARNED if self.severity == WARN else FAILED

    @property
    def label(self) -> str:
        """The expectation as a person reads it in a failure: its type, and its rule."""
        return f"{self.expectation}: {self.description}" if self.description else self.expectation

    @property
    def name(self) -> str:
        """The label with the column it was about, for one-line failure messages."""
        return f"{self.label}({self.column})" if self.column else self.label


@dataclass(frozen=True)
class SuiteResult:
    """Every expectation of one suite run, in the suite's order."""

    expectations: list[ExpectationOutcome]

    @property
    def evaluated(self) -> int:
        return len(self.expectations)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.passed]

    @property
    def errors(self) -> list[ExpectationOutcome]:
        return [e for e in self.failed if e.severity == ERROR]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [e for e in self.failed if e.severity == WARN]

    @property
    def success(self) -> bool:
        """True when no error-severity expectation failed: warnings alone do not fail it."""
        return not self.errors


def json_safe(value: Any) -> Any:
    """Dates, decimals and the like as text, so a value goes straight into metadata or JSON."""
    return json.loads(json.dumps(value, default=str))


def outcome_of(result: ExpectationValidationResult, disclosed: Disclosure) -> ExpectationOutcome:
    config = result.expectation_config
    columns = _columns(config.kwargs)
    withheld = [c for c in columns if not disclosed(c)]
    details = result.result
    observed = {key: details[key] for key in OBSERVED if key in details}
    # A column expectation's observed value is a value of that column (its max, say).
    if withheld:
        observed.pop("observed_value", None)
    sample = [] if result.success or withheld else _sample(details)
    return ExpectationOutcome(
        expectation=config.type,
        column=", ".join(columns) or None,
        passed=bool(result.success),
        severity=severity_of(config.meta),
        description=config.description,
        kwargs=json_safe(
            {k: v for k, v in config.kwargs.items() if k not in (*COLUMN_KWARGS, "batch_id")}
        ),
        observed=json_safe(observed),
        unexpected_count=details.get("unexpected_count"),
        sample=json_safe(sample),
        error=_error(result, masked=not disclosed.everything),
        withheld=withheld,
    )


def _columns(kwargs: dict[str, Any]) -> list[str]:
    """The columns an expectation is about, in the order its kwargs name them."""
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_list" in kwargs:
        return list(kwargs["column_list"])
    return [kwargs[k] for k in ("column_A", "column_B") if k in kwargs]


def _sample(details: dict[str, Any]) -> list[Any]:
    if details.get("partial_unexpected_list"):
        return details["partial_unexpected_list"]
    # Table-level expectations report what they saw instead of unexpected values.
    mismatched = details.get("details", {}).get("mismatched")
    if mismatched:
        return [f"{kind}: {', '.join(columns)}" for kind, columns in mismatched.items()]
    return [details["observed_value"]] if "observed_value" in details else []


def _error(result: ExpectationValidationResult, *, masked: bool) -> str | None:
    info = result.exception_info or {}
    # A single failed metric reports its exception at the top level; several report one each.
    if "exception_message" in info:
        messages = [info["exception_message"]] if info.get("raised_exception") else []
    else:
        messages = [m["exception_message"] for m in info.values() if m.get("raised_exception")]
    error = "; ".join(messages) or None
    return QUOTED.sub("'…'", error) if error and masked else error
