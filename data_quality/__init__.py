"""Great Expectations suites for the marts, run inside DuckDB (see `validate_table`)."""

from data_quality.suites import MART_SUITES
from data_quality.validate import (
    ERROR,
    SEVERITIES,
    WARN,
    FailedExpectation,
    SuiteResult,
    severity_of,
    validate_table,
)

__all__ = [
    "ERROR",
    "MART_SUITES",
    "SEVERITIES",
    "WARN",
    "FailedExpectation",
    "SuiteResult",
    "severity_of",
    "validate_table",
]
