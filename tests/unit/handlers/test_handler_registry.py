"""resolve_handler: built-ins, dotted paths (checked before any call), helpful errors."""

from __future__ import annotations

import re
import textwrap
import uuid

import pytest

from seedrunner.handlers.base import HandlerOptions
from seedrunner.handlers.files import CsvHandler, JsonHandler, JsonlHandler
from seedrunner.handlers.http import AsyncHttpHandler, HttpHandler
from seedrunner.handlers.pgjsonb import PostgresJsonbHandler
from seedrunner.handlers.redisstore import RedisHandler
from seedrunner.handlers.registry import (
    BUILTIN,
    UnknownHandlerError,
    handler_options_schema,
    resolve_handler,
)
from seedrunner.handlers.sqlalchemy import SqlAlchemyHandler
from seedrunner.handlers.sqlitejson import SqliteJsonHandler
from seedrunner.handlers.stdout import StdoutHandler

PLUGIN = """
from typing import ClassVar
from pydantic import Field
from seedrunner.handlers.base import HandlerOptions

class Opts(HandlerOptions):
    level: int = Field(default=1, description="how loud")

class Loud:
    name: ClassVar[str] = "loud"
    Options: ClassVar[type[HandlerOptions]] = Opts
    def __init__(self, options): self.options = options
    def open(self, ctx): pass
    def write(self, batch): return None
    def close(self, error): pass

class NoOptions:
    def open(self, ctx): pass
    def write(self, batch): return None
    def close(self, error): pass

class Half:
    def open(self, ctx): pass

class Saver:
    def save_many(self, rows): pass

saver = Saver()

def helper(): pass
"""


@pytest.fixture
def plugin_dir(tmp_path):
    name = f"plug_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(PLUGIN))
    return tmp_path, name


def test_builtins():
    assert {
        "sqlalchemy": SqlAlchemyHandler,
        "jsonl": JsonlHandler,
        "json": JsonHandler,
        "csv": CsvHandler,
        "stdout": StdoutHandler,
        "sqlite-json": SqliteJsonHandler,
        "redis": RedisHandler,
        "postgres-jsonb": PostgresJsonbHandler,
        "http": HttpHandler,
        "http-async": AsyncHttpHandler,
    } == dict(BUILTIN)
    for name, cls in BUILTIN.items():
        assert resolve_handler(name) is cls
        assert cls.name == name


def test_unknown_name_suggests():
    with pytest.raises(UnknownHandlerError) as e:
        resolve_handler("jsonll")
    assert e.value.message == "unknown handler 'jsonll'"
    assert e.value.hint is not None
    assert e.value.hint.startswith("did you mean 'jsonl'? built-ins: sqlalchemy, jsonl")
    assert "'package.module:Class'" in e.value.hint
    assert e.value.exit_code == 2


def test_unknown_name_without_close_match():
    with pytest.raises(UnknownHandlerError) as e:
        resolve_handler("kafak")
    assert "unknown handler 'kafak'" in str(e.value)
    assert e.value.hint is not None
    assert not e.value.hint.startswith("did you mean")


def test_dotted_path_from_base_dir(plugin_dir):
    base, mod = plugin_dir
    cls = resolve_handler(f"{mod}:Loud", base_dir=base)
    assert cls.__name__ == "Loud"
    assert str(base) not in __import__("sys").path  # taken off again


@pytest.mark.parametrize("path", ["os:system", "builtins:eval", "os.path:join"])
def test_functions_are_refused_before_any_call(path):
    with pytest.raises(UnknownHandlerError, match=f"'{path}' is not a handler class"):
        resolve_handler(path)


def test_subprocess_popen_is_refused():
    with pytest.raises(UnknownHandlerError, match="is not a handler class"):
        resolve_handler("subprocess:Popen")


@pytest.mark.parametrize(
    ("attr", "message"),
    [
        ("Half", "missing write, close"),
        ("NoOptions", "no Options model"),
        ("helper", "not a handler class (it is a function)"),
        ("Lout", "has no attribute 'Lout'"),
    ],
)
def test_bad_plugin_objects(plugin_dir, attr, message):
    base, mod = plugin_dir
    with pytest.raises(UnknownHandlerError, match=re.escape(message)) as e:
        resolve_handler(f"{mod}:{attr}", base_dir=base)
    if attr == "Lout":
        assert e.value.hint == "did you mean 'Loud'?"


def test_missing_module():
    with pytest.raises(UnknownHandlerError, match="cannot import 'no_such_mod_xyz'"):
        resolve_handler("no_such_mod_xyz:Thing")


def test_malformed_path():
    with pytest.raises(UnknownHandlerError, match="malformed"):
        resolve_handler("os:")


def test_options_schema_lists_every_builtin_with_described_options():
    schema = dict(handler_options_schema())
    assert list(schema) == list(BUILTIN)
    for options in schema.values():
        assert issubclass(options, HandlerOptions)
        assert options.model_config.get("extra") == "forbid"
        for name, field in options.model_fields.items():
            assert field.description, f"{options.__name__}.{name} has no description"
    assert "schema" in schema["sqlalchemy"].model_json_schema()["properties"]
