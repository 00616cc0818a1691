"""The run ledger: what each dataset step wrote, so re-apply, resume and destroy are exact.

Three kinds keep it: a table beside a SQL target (``sqlledger``), a file beside a file
target (``fileledger``) and a state store for HTTP, Redis and plugins (``stored``).
"""
