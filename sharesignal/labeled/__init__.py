"""Real labeled bot / person accounts: read public datasets, land them as X API v2 exports,
run them through the pipeline and measure the trust model on them.

    readers.py   each public dataset's files → one account table and one post table
    landing.py   those tables → X API v2 response pages in a home's landing/x/<date>/
    run.py       a scratch home per dataset, the pipeline run on it, dim_accounts with labels
    measures.py  AUC, PR AUC, tiers against labels, calibration, each signal's own AUC
    report.py    the measures as Markdown and JSON (`sharesignal evaluate-accounts`)

The datasets themselves are not in this repository (their licences do not allow it): the
commands take their folders as arguments.
"""
