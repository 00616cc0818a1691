"""import_object: module and file references, and every error a user can hit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from seedrunner.errors import SeedrunnerError
from seedrunner.models import ModelReferenceError, import_object

FIXTURES = (Path(__file__).parents[2] / "fixtures" / "models").resolve()


def test_imports_by_module_and_puts_python_path_first():
    user = import_object("app_models:User", base_dir=Path("/nonexistent"), python_path=[FIXTURES])
    assert user.__name__ == "User"
    assert user.__module__ == "app_models"
    assert str(FIXTURES) in sys.path


def test_file_inside_python_path_is_the_same_module():
    by_module = import_object("app_models:User", base_dir=FIXTURES, python_path=[FIXTURES])
    by_file = import_object("app_models.py:User", base_dir=FIXTURES, python_path=[FIXTURES])
    assert by_file is by_module


def test_file_in_a_package_can_import_its_siblings():
    item = import_object("shopkit/catalog.py:Item", base_dir=FIXTURES, python_path=[FIXTURES])
    assert item.__module__ == "shopkit.catalog"
    assert item(name="pen", price={"amount": 3}).price.currency == "EUR"


def test_file_outside_python_path_loads_once_under_a_private_name():
    first = import_object("loose/standalone.py:Thing", base_dir=FIXTURES, python_path=[])
    again = import_object(
        str(FIXTURES / "loose" / "standalone.py") + ":Thing", base_dir=Path("/"), python_path=[]
    )
    assert first is again
    assert first.__module__.startswith("_seedrunner_models_standalone_")
    assert first(label="x").weight == 1.0


def test_dotted_attribute_path(tmp_path):
    (tmp_path / "nest.py").write_text("class Outer:\n    class Inner:\n        pass\n")
    inner = import_object("nest.py:Outer.Inner", base_dir=tmp_path, python_path=[])
    assert inner.__qualname__ == "Outer.Inner"


@pytest.mark.parametrize(
    "ref", ["app_models", "app_models:", ":User", "app models:User", "app_models:User-x", ""]
)
def test_malformed_reference(ref):
    with pytest.raises(ModelReferenceError) as info:
        import_object(ref, base_dir=FIXTURES, python_path=[FIXTURES])
    assert info.value.message == (
        f"model reference {ref!r} must look like 'package.module:Name' or 'path/file.py:Name'"
    )


def test_missing_module_names_the_missing_package_and_python_path(tmp_path):
    with pytest.raises(ModelReferenceError) as info:
        import_object("sr_nowhere.models:User", base_dir=tmp_path, python_path=[tmp_path])
    err = info.value
    assert err.message == "cannot import 'sr_nowhere.models' (No module named 'sr_nowhere')"
    assert err.hint == f"check python_path (resolved to {tmp_path})"
    assert str(err) == err.message
    assert isinstance(err, SeedrunnerError)
    assert err.exit_code == 2


def test_missing_module_with_no_python_path(tmp_path):
    with pytest.raises(ModelReferenceError) as info:
        import_object("sr_nowhere2:User", base_dir=tmp_path, python_path=[])
    assert info.value.hint == "check python_path (resolved to no folders)"


def test_module_raising_at_import_reports_the_exception_without_traceback():
    with pytest.raises(ModelReferenceError) as info:
        import_object("broken_models:User", base_dir=FIXTURES, python_path=[FIXTURES])
    assert info.value.message == "importing 'broken_models' failed: ValueError: boom"
    assert "Traceback" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_missing_dependency_inside_the_module_is_an_import_failure():
    with pytest.raises(ModelReferenceError) as info:
        import_object("needs_missing_dep:X", base_dir=FIXTURES, python_path=[FIXTURES])
    assert info.value.message == (
        "importing 'needs_missing_dep' failed: "
        "ModuleNotFoundError: No module named 'sr_not_installed_dep'"
    )


def test_file_with_syntax_error(tmp_path):
    (tmp_path / "bad_syntax.py").write_text("class User(:\n    pass\n")
    with pytest.raises(ModelReferenceError) as info:
        import_object("bad_syntax.py:User", base_dir=tmp_path, python_path=[])
    assert info.value.message.startswith("importing 'bad_syntax.py' failed: SyntaxError: ")
    assert not any(n.startswith("_seedrunner_models_bad_syntax_") for n in sys.modules)


def test_file_raising_at_import_can_be_fixed_and_retried(tmp_path):
    path = tmp_path / "flaky.py"
    path.write_text("raise RuntimeError('not yet')\n")
    with pytest.raises(ModelReferenceError, match="RuntimeError: not yet"):
        import_object("flaky.py:Thing", base_dir=tmp_path, python_path=[])
    path.write_text("class Thing:\n    pass\n")
    assert import_object("flaky.py:Thing", base_dir=tmp_path, python_path=[]).__name__ == "Thing"


def test_missing_attribute_suggests_a_close_name():
    with pytest.raises(ModelReferenceError) as info:
        import_object("app_models:Usr", base_dir=FIXTURES, python_path=[FIXTURES])
    assert info.value.message == "'app_models' has no attribute 'Usr'"
    assert info.value.hint == "did you mean 'User'?"


def test_missing_attribute_without_close_name_has_no_hint():
    with pytest.raises(ModelReferenceError) as info:
        import_object("app_models:Zzzqqq", base_dir=FIXTURES, python_path=[FIXTURES])
    assert info.value.hint is None


def test_missing_attribute_in_a_file_reference(tmp_path):
    (tmp_path / "m.py").write_text("class Customer:\n    pass\n")
    with pytest.raises(ModelReferenceError) as info:
        import_object("m.py:Custmer", base_dir=tmp_path, python_path=[])
    assert info.value.message == "'m.py' has no attribute 'Custmer'"
    assert info.value.hint == "did you mean 'Customer'?"


def test_missing_file_reports_the_resolved_path(tmp_path):
    with pytest.raises(ModelReferenceError) as info:
        import_object("models/x.py:User", base_dir=tmp_path, python_path=[])
    assert info.value.message == (
        f"model file 'models/x.py' not found (resolved to {tmp_path / 'models' / 'x.py'})"
    )
