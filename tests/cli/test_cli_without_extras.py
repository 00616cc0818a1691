"""The README's first command works with no extras installed: nothing imports greenlet,
a database driver, redis or bcrypt unless a manifest uses it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import REPO

BLOCKED = ["greenlet", "psycopg", "pymysql", "aiomysql", "aiosqlite", "redis", "bcrypt"]


def test_demo_applies_with_the_optional_packages_unimportable(tmp_path):
    code = textwrap.dedent(
        f"""
        import sys
        for name in {BLOCKED!r}:
            sys.modules[name] = None  # import of it raises ImportError
        from seedrunner.cli.app import main
        sys.argv = ["seedrunner", "apply", "{REPO / "seeds" / "staging.yaml"}", "--quiet",
                    "--set", "targets.db.url=sqlite:///{tmp_path / "demo.db"}"]
        main()
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "applied 1,386 rows" in proc.stdout
    assert (tmp_path / "demo.db").exists()
