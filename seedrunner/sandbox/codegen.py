"""Jinja2 code generators for the sandbox: every concatenation (``~`` and the output of a
template or macro) goes through a capped join, and the native generator keeps the type of a
render's one output value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame

from seedrunner.sandbox.limits import too_big


def guarded_concat(parts: Iterable[str]) -> str:
    """``"".join`` that refuses before joining more than ``MAX_OUTPUT`` characters."""
    items = list(parts)
    too_big(sum(map(len, items)), "template output")
    return "".join(items)


class GuardedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to the environment's capped concat instead of a plain join."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.concat(map(str, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")))")


def native_concat(parts: Iterable[Any]) -> Any:
    """The one value a render output, kept as it is; else the capped text of every part."""
    items = list(parts)
    if len(items) == 1 and not isinstance(items[0], str):
        return items[0]
    return guarded_concat(map(str, items))


class NativeCodeGenerator(GuardedCodeGenerator):
    """Outputs values as they are (no ``str()``); constants too, so ``{{ none }}`` is None.

    Like ``jinja2.nativetypes`` but without its ``literal_eval`` of the text: a template
    that renders the text ``[1, 2]`` gives that text, never a list.
    """

    @staticmethod
    def _default_finalize(value: Any) -> Any:
        return value

    def _output_const_repr(self, group: Iterable[Any]) -> str:
        return repr("".join(map(str, group)))

    def _output_child_to_const(
        self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> Any:
        if not isinstance(node, nodes.TemplateData):
            raise nodes.Impossible()  # evaluated at render time, keeping its type
        return node.as_const(frame.eval_ctx)

    def _output_child_pre(
        self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        pass

    def _output_child_post(
        self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        pass
