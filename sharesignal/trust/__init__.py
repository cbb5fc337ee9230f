"""The account trust scorecard: which signals it weighs, fitting their points on labeled
accounts, and applying it exactly as the dbt model `int_accounts_scored` does.

    signals.py        every signal: its column, bins, expected direction, fitted or set by hand
    scorecard.py      the seeds (points per bin, intercept, tier cuts), read, written, applied
    fit.py            a regularized logistic regression over the bins, and the tier cuts
    leave_one_out.py  fit on all labeled sets but one, measure on the one left out

`sharesignal fit-trust` runs them on real labeled datasets (docs/trust.md, docs/evaluation.md).
"""
