"""The benchmark harness behind ``benchmarks/run.py``: one module per group of rows.

Every row runs both sides in this process (or, for peak memory, in a child process), takes the
best of ``repeats`` wall times, and states what each side computes; :mod:`.common` holds the row
type, the timer, the machine description and the targets of issue 11.
"""
