"""The aiogram adapter: the only package that imports aiogram.

Importing it imports aiogram without building its ~600 pydantic schemas up front: aiogram
rebuilds every type at import (131 MB and 2.8 s, measured), and a bot uses a few dozen. Each is
built on first use instead, from the namespace aiogram would have used. A self-check falls back
to aiogram's own eager build if a pydantic or aiogram upgrade breaks the arrangement.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

log = logging.getLogger(__name__)


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
    namespace = dict(namespaces[0]) if namespaces else {}
    for model in models:
        # What pydantic resolves forward references in when it builds the model on first use.
        model.__pydantic_parent_namespace__ = namespace
    try:
        _check(aiogram)
    except Exception as exc:
        log.warning("lazy aiogram schemas failed a self-check (%s); building them all", exc)
        for model in models:
            model.model_rebuild(force=True, _types_namespace=namespace)


def _check(aiogram: Any) -> None:
    """Parse and build what every bot does: updates, replies with buttons, the common calls."""
    user = {"id": 1, "is_bot": False, "first_name": "a"}
    message = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "hi"}
    update = aiogram.types.Update.model_validate(
        {
            "update_id": 1,
            "callback_query": {
                "id": "1",
                "from": user,
                "chat_instance": "1",
                "data": "x",
                "message": {**message, "from": user},
            },
        }
    )
    assert update.callback_query is not None and update.callback_query.from_user.id == 1
    markup = aiogram.types.InlineKeyboardMarkup(
        inline_keyboard=[[aiogram.types.InlineKeyboardButton(text="a", callback_data="b")]]
    )
    aiogram.methods.SendMessage(chat_id=1, text="x", reply_markup=markup).model_dump()


_import_aiogram_lazily()
