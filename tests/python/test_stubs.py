"""The type stubs (python/ose/__init__.pyi) say what the module does: every public name is in
them, every enum written out there has the module's members, every Client/Reader method exists."""

from __future__ import annotations

import ast
import enum

import ose
from conftest import SRC

STUB = ast.parse((SRC / "python" / "ose" / "__init__.pyi").read_text())
CLASSES = {n.name: n for n in STUB.body if isinstance(n, ast.ClassDef)}


def test_every_public_name_is_stubbed():
    stubbed = set(CLASSES) | {t.id for n in STUB.body if isinstance(n, ast.AnnAssign)
                              for t in [n.target]} | {
        n.name for n in STUB.body if isinstance(n, ast.FunctionDef)}
    assert set(ose.__all__) - stubbed == set()


def test_written_out_enums_match_the_module():
    for name, cls in CLASSES.items():
        if name.startswith("_"):  # a stub-only base (_OrderEntry), not in the module
            continue
        members = {t.id: v.value for n in cls.body if isinstance(n, ast.Assign)
                   for t, v in [(n.targets[0], n.value)]}
        runtime = getattr(ose, name)
        if not (isinstance(runtime, type) and issubclass(runtime, enum.Enum)) or not members:
            continue
        assert members == {m.name: m.value for m in runtime}, name


def test_stubbed_methods_exist():
    for name in ("Client", "Reader", "Event", "Response", "EventTail", "Table", "Strategy",
                 "StrategyContext"):
        for n in CLASSES[name].body:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert hasattr(getattr(ose, name), n.name), f"{name}.{n.name}"
