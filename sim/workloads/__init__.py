"""Workloads and goodput: what the GPUs compute, and how much of it is useful.

- config.py    the `workloads:` section: jobs of kind training | inference | eo, their members
- ledger.py    the per-satellite books of delivered GPU-seconds by workload cause
- job.py       what every job kind implements, and the context it is built with
- subsystem.py the Workloads subsystem: runs the jobs every tick, books idle time
- goodput.py   the Goodput accounting every run reports: available = useful + Σ badput
- plots.py     the goodput waterfall, the first figure of every report
- training/, inference/, eo/  the job kinds
"""
