"""A database that cannot be reached, or refuses the password, at the start of apply: the
run fails fast (a connect timeout by default, no retry of a refused password), writes
nothing, names the host and port, and never shows the password."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest

from tests.conftest import require_server
from tests.databases import server_address
from tests.integration.shopmodels import shop_manifest

SECRET = "SENTINEL_PW_41"


def _apply(path, cwd) -> tuple[subprocess.CompletedProcess[bytes], float]:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet"],
        cwd=cwd, capture_output=True, timeout=60,
    )  # fmt: skip
    return done, time.monotonic() - began


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never says a word (a hung database)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for s in held:
        s.close()


@pytest.fixture
def black_hole():
    """A port whose SYNs are dropped: a listener that never accepts, its queue full, as a
    host behind a firewall that drops packets looks to a client."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):  # fill the accept queue; later connects hang in SYN_SENT
        f = socket.socket()
        f.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            f.connect(("127.0.0.1", port))
        fillers.append(f)
    time.sleep(0.2)
    yield port
    for f in fillers:
        f.close()
    listener.close()


def test_a_server_that_never_answers_fails_within_the_connect_timeout(
    manifest, tmp_path, silent_server
):
    """libpq's connect_timeout (10 s unless the URL says) covers the whole handshake."""
    _fails_in_time(
        manifest,
        tmp_path,
        f"postgresql+psycopg://app:{SECRET}@127.0.0.1:{silent_server}/seed",
        silent_server,
    )


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "mysql+pymysql"])
def test_a_host_that_drops_packets_fails_within_the_connect_timeout(
    manifest, tmp_path, black_hole, scheme
):
    _fails_in_time(
        manifest, tmp_path, f"{scheme}://app:{SECRET}@127.0.0.1:{black_hole}/seed", black_hole
    )


def _fails_in_time(manifest, tmp_path, url: str, port: int) -> None:
    path = manifest(shop_manifest(url, customers=5, datasets=["customers"]), "s.yaml")
    done, seconds = _apply(path, tmp_path)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert seconds < 15, f"took {seconds:.1f} s: no default connect timeout"
    assert f"at 127.0.0.1:{port}" in err
    assert SECRET not in err + done.stdout.decode()
    assert "Traceback" not in err


def test_a_closed_port_fails_at_once_and_names_it(manifest, tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]  # closed again when the block ends
    url = f"postgresql+psycopg://app:{SECRET}@127.0.0.1:{port}/seed"
    path = manifest(shop_manifest(url, customers=5, datasets=["customers"]), "c.yaml")
    done, seconds = _apply(path, tmp_path)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert seconds < 10
    assert str(port) in err
    assert SECRET not in err


def test_a_refused_password_is_not_retried_and_writes_nothing(manifest, tmp_path):
    address = server_address("mariadb")
    assert address is not None
    require_server("mariadb", *address)
    import sqlalchemy as sa

    host, port = address
    user, db = f"sr_pw_{uuid.uuid4().hex[:8]}", f"sr_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"mysql+pymysql://root@{host}:{port}/test")
    with admin.begin() as c:
        c.exec_driver_sql(f"CREATE DATABASE `{db}`")
        c.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY 'the-right-one'")
        c.exec_driver_sql(f"GRANT ALL ON `{db}`.* TO '{user}'@'%%'")
    try:
        url = f"mysql+pymysql://{user}:{SECRET}@{host}:{port}/{db}"
        text = shop_manifest(
            url, customers=5, datasets=["customers"], db={"retries": {"max": 5, "wait": 2}}
        )
        done, seconds = _apply(manifest(text, "p.yaml"), tmp_path)
        err = done.stderr.decode()
        assert done.returncode == 1, err
        assert "Access denied" in err
        assert seconds < 8, "a refused password must not be retried (5 retries x 2 s)"
        assert SECRET not in err + done.stdout.decode()
        with admin.connect() as c:
            tables = c.exec_driver_sql(
                f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{db}'"
            ).scalar()
        assert tables == 0  # no ledger table, no lock table, no data table
    finally:
        with admin.begin() as c:
            c.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS `{db}`")
        admin.dispose()
