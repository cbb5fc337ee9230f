"""Great Expectations suites for the raw tables and the marts, run inside DuckDB
(`validate_table`), and the reports of their runs (`RunReports`)."""

from data_quality.results import (
    ERROR,
    SEVERITIES,
    WARN,
    ExpectationOutcome,
    SuiteResult,
    severity_of,
)
from data_quality.runs import RunReports
from data_quality.suites import MART_SUITES
from data_quality.validate import validate_table

__all__ = [
    "ERROR",
    "MART_SUITES",
    "SEVERITIES",
    "WARN",
    "ExpectationOutcome",
    "RunReports",
    "SuiteResult",
    "severity_of",
    "validate_table",
]
