"""HTTP hygiene (S08): a self-signed server is refused unless the manifest trusts its CA
(ca_bundle) or turns checking off (verify: false, which plan warns about); credentials are
never sent in clear over http:// to another machine unless allow_insecure: true."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess

import pytest

from tests.httpserver import RecordingServer


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made by the openssl command: (cert, key)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert_pem, key_pem = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key_pem), "-out", str(cert_pem), "-days", "2",
            "-subj", "/CN=seedrunner test", "-addext", "subjectAltName=IP:127.0.0.1",
            "-addext", "basicConstraints=critical,CA:TRUE",
        ],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert_pem, key_pem


@pytest.fixture
def tls_server(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with RecordingServer(tls=context) as server:
        yield server


def _manifest(api: dict) -> str:
    return f"""
        version: 1
        seed: 7
        defaults: {{retries: {{max: 0, wait: 0}}}}
        targets:
          api: {json.dumps(api)}
        datasets:
          users:
            count: 5
            fields:
              id: {{sequence: "{{n}}", start: 1}}
            persist: [api]
        """


def test_a_self_signed_server_is_refused(manifest, cli, tls_server):
    path = manifest(_manifest({"handler": "http", "url": tls_server.url + "/users"}))
    code, _, err = cli("apply", str(path), "-q")
    assert code == 1
    assert "certificate" in err.lower()
    assert tls_server.rows == []


def test_ca_bundle_trusts_the_servers_ca(manifest, cli, tls_server, certificate, tmp_path):
    (tmp_path / "ca.pem").write_bytes(certificate[0].read_bytes())
    api = {"handler": "http", "url": tls_server.url + "/users", "ca_bundle": "ca.pem"}
    code, _, err = cli("apply", str(manifest(_manifest(api))), "-q")
    assert code == 0, err
    assert [r["id"] for r in tls_server.rows] == ["1", "2", "3", "4", "5"]


def test_verify_false_works_and_plan_warns(manifest, cli, tls_server):
    api = {"handler": "http", "url": tls_server.url + "/users", "verify": False}
    path = str(manifest(_manifest(api)))
    code, out, err = cli("plan", path)
    assert code == 0
    assert "verify: false" in out + err
    assert "TLS certificate is not checked" in out + err
    assert cli("apply", path, "-q")[0] == 0
    assert len(tls_server.rows) == 5


def test_a_missing_ca_bundle_is_named(manifest, cli, tls_server):
    api = {"handler": "http", "url": tls_server.url + "/users", "ca_bundle": "nope.pem"}
    code, _, err = cli("apply", str(manifest(_manifest(api))), "-q")
    assert code == 1
    assert "ca_bundle 'nope.pem': no such file" in err


@pytest.mark.parametrize(
    "api",
    [
        {
            "url": "http://api.example.invalid/users",
            "headers": {"Authorization": "Bearer S3CRET_T0KEN"},
        },
        {"url": "http://svc:S3CRET_T0KEN@api.example.invalid/users"},
        {"url": "http://10.1.2.3/users", "headers": {"X-Api-Key": "S3CRET_T0KEN"}},
    ],
)
def test_credentials_over_plain_http_to_another_host_are_refused(manifest, cli, api):
    path = str(manifest(_manifest({"handler": "http", **api})))
    code, out, err = cli("validate", path)
    assert code == 2
    assert "would be sent in clear over http://" in err
    assert "allow_insecure: true" in err
    assert "S3CRET_T0KEN" not in out + err
    allowed = manifest(_manifest({"handler": "http", **api, "allow_insecure": True}), "ok.yaml")
    assert cli("validate", str(allowed))[0] == 0


def test_loopback_and_https_need_no_allow_insecure(manifest, cli):
    for url in (
        "http://127.0.0.1:9/users",
        "http://localhost:9/users",
        "https://api.example.invalid/u",
    ):
        api = {"handler": "http", "url": url, "headers": {"Authorization": "Bearer x"}}
        assert cli("validate", str(manifest(_manifest(api))))[0] == 0, url


def test_ca_bundle_with_verify_false_is_refused(manifest, cli):
    api = {
        "handler": "http",
        "url": "https://api.example.invalid/u",
        "verify": False,
        "ca_bundle": "ca.pem",
    }
    code, _, err = cli("validate", str(manifest(_manifest(api))))
    assert code == 2
    assert "ca_bundle with verify: false" in err
