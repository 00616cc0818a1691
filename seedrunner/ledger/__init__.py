"""The run ledger: what each dataset step wrote, so re-apply, resume and destroy are exact.

Three kinds keep it: a table beside a SQL target (``sqlledger``, ``sqlkind``), a file
beside a file target (``fileledger``, ``filekind``) and a state store for HTTP, Redis and
plugins (``stored``, ``storedkind``).  Callers see them through one interface
(``base.Ledger``, opened with ``base.open_ledger`` from a target's ``spec.LedgerSpec``);
a new kind is one module and one ``base.register`` call.
"""
