"""The use cases above the runner: plan state, destroy, replace, saved plans, preview.

Each is a plain function a test or a notebook can call; the CLI maps flags in and exit
codes out.
"""
