"""The Jinja environment drafts compile in. While compiling it notes each name a template
reads that nothing in it defines, and its macros: what `jinja2.meta` finds in a second
pass of parsing and code generation, which cost as much as compiling (half the time a
process took to load the templates)."""

from __future__ import annotations

from types import CodeType, FunctionType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import BlockReference, Context

# The code of functions a draft calls that take no context (render.py's one_of and fun):
# called straight, without Jinja's checks for a context or environment argument.
PLAIN: set[CodeType] = set()


class _Context(Context):
    """A render's context: `{{ one_of(...) }}` and `self._block()` are called directly (a
    fifth of a draft's render went to Jinja's per-call checks for arguments to pass)."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if kind is BlockReference or (kind is FunctionType and __obj.__code__ in PLAIN):
            # What Jinja passes along for functions that take the context: not these.
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__obj, *args, **kwargs)


class _Tracking(CodeGenerator):
    """Jinja's code generator, noting names as `jinja2.meta.TrackingCodeGenerator` does."""

    def enter_frame(self, frame: Frame) -> None:
        super().enter_frame(frame)
        env = self.environment
        assert isinstance(env, DraftEnvironment)
        read = env.reads.setdefault(self.name or "", set())
        for _, (action, param) in frame.symbols.loads.items():
            if action == "resolve" and param not in env.globals:
                read.add(param)

    def visit_Macro(self, node: nodes.Macro, frame: Frame) -> None:
        env = self.environment
        assert isinstance(env, DraftEnvironment)
        env.macros.setdefault(self.name or "", set()).add(node.name)
        super().visit_Macro(node, frame)


class DraftEnvironment(jinja2.Environment):
    code_generator_class = _Tracking
    context_class = _Context

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.reads: dict[str, set[str]] = {}  # template name -> names it reads undefined
        self.macros: dict[str, set[str]] = {}  # template name -> the macros it defines

    def undeclared(self, name: str) -> set[str]:
        """The names template `name` reads that neither it nor the globals define."""
        return self.reads.get(name, set()) - self.macros.get(name, set()) - set(self.globals)
