"""Secret query parameters of URLs in target options are registered with the scrubber, so
a driver that echoes the bare value cannot leak it."""

from __future__ import annotations

from seedrunner import load_manifest
from seedrunner.redact import scrub


def test_query_secrets_are_scrubbed_wherever_they_appear(manifest):
    path = manifest(
        """
        version: 1
        targets:
          db:
            handler: sqlalchemy
            url: "postgresql+psycopg://app@db.example/app?sslpassword=Qz8-opaque-77&sslmode=require"
        datasets:
          t: {count: 1, fields: {x: 1}, persist: [db]}
        """
    )
    load_manifest(path)
    assert scrub("driver said: bad key passphrase Qz8-opaque-77") == (
        "driver said: bad key passphrase ***"
    )
    assert "require" in scrub("sslmode=require")  # only secret-looking parameters
