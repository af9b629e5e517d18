"""The aiogram adapter: the only package that imports aiogram.

Importing it imports aiogram without building its ~600 pydantic schemas up front: aiogram
rebuilds every type at import (131 MB and 2.8 s, measured), and a bot uses a few dozen. Each is
built on first use instead, from the namespace aiogram would have used. It leans on how the
pinned aiogram and pydantic build schemas: tests/unit/test_aiogram_hooks.py checks it in a fresh
interpreter, and an upgrade that breaks it fails there (the import itself refuses an aiogram
that no longer hands over its namespace).
"""

from __future__ import annotations

import sys
from typing import Any


def _import_aiogram_lazily() -> None:
    if "aiogram" in sys.modules:
        return
    import pydantic

    original = pydantic.BaseModel.__dict__["model_rebuild"]
    namespaces: list[dict[str, Any]] = []

    def record(cls: type[Any], *args: Any, **kwargs: Any) -> bool | None:
        if not cls.__module__.startswith("aiogram."):
            return original.__func__(cls, *args, **kwargs)  # type: ignore[no-any-return]
        if kwargs.get("_types_namespace") is not None:
            namespaces.append(kwargs["_types_namespace"])
        return None

    pydantic.BaseModel.model_rebuild = classmethod(record)  # type: ignore[method-assign,assignment]
    try:
        import aiogram
        import aiogram.methods
        import aiogram.types
    finally:
        pydantic.BaseModel.model_rebuild = original  # type: ignore[method-assign]
    models = [
        model
        for module in (aiogram.types, aiogram.methods)
        for model in (getattr(module, name) for name in module.__all__)
        if isinstance(model, type) and issubclass(model, pydantic.BaseModel)
    ]
    if not namespaces:
        # aiogram no longer resolves its forward references this way: nothing could build the
        # schemas later. Say what broke at import, not in the middle of the first chat.
        raise RuntimeError(
            f"aiogram {aiogram.__version__} passed no types namespace to model_rebuild; "
            "update bot/telegram/__init__.py for it (tests/unit/test_aiogram_hooks.py)"
        )
    namespace = dict(namespaces[0])
    for model in models:
        # What pydantic resolves forward references in when it builds the model on first use.
        model.__pydantic_parent_namespace__ = namespace


_import_aiogram_lazily()
