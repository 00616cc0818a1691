"""A target's own `retries:` overrides its dataset's policy; --max-retries overrides both."""

from __future__ import annotations

from seedrunner import apply, build_plan, load_manifest
from tests.httpserver import RecordingServer, Reply


def _manifest(url: str) -> str:
    return f"""
        version: 1
        defaults: {{retries: {{max: 0, wait: 0}}}}
        targets:
          api: {{handler: http, url: "{url}", retries: {{max: 2, wait: 0}}}}
        datasets:
          t: {{count: 3, fields: {{x: 1}}, persist: [api]}}
        """


def test_target_retries_override_the_dataset(manifest):
    with RecordingServer() as server:
        server.script(Reply(503), Reply(503), Reply(201))
        report = apply(build_plan(load_manifest(manifest(_manifest(server.url)))))
        assert report.ok, report.error
        assert len(server.requests) == 3
        assert len(server.rows) == 3


def test_command_line_retries_win(manifest):
    with RecordingServer() as server:
        server.script(Reply(503), Reply(201))
        plan = build_plan(load_manifest(manifest(_manifest(server.url))), max_retries=0)
        report = apply(plan)
        assert not report.ok
        assert len(server.requests) == 1
        assert server.rows == []
