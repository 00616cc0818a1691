"""The use cases above the runner: apply (apply.py), plan (showplan.py), destroy
(destroyall.py), and what they are made of: the plan from flags (load.py), the production
guard (guard.py), plan state, row deletion, replace, saved plans, recorded now, preview.

Each is a plain function a test or a notebook can call; the CLI maps flags in and exit
codes out.
"""
