"""Great Expectations suites for the marts, run inside DuckDB (see `validate_table`)."""

from data_quality.suites import MART_SUITES
from data_quality.validate import FailedExpectation, SuiteResult, validate_table

__all__ = ["MART_SUITES", "FailedExpectation", "SuiteResult", "validate_table"]
