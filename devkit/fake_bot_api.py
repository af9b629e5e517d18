"""A fake Telegram Bot API server over real HTTP (aiohttp on loopback) for tests and benchmarks.

It implements what the bot calls, checks what Telegram checks (HTML entities, 4096-character
texts, 64-byte callback_data), records every request, serves pushed updates through long
polling and forgets them only when a later getUpdates confirms them by its offset (as
Telegram does), and injects faults: 429 with retry_after, 500, slow replies. Watchers see
each request as it arrives and each result before it is sent (the crash tests kill the bot
from there).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

# Telegram's limits, enforced here so tests catch what production would reject.
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "blockquote", "tg-spoiler", "span", "tg-emoji",
}  # fmt: skip
_JSON_FIELDS = {
    "reply_markup", "commands", "allowed_updates", "entities", "caption_entities", "scope",
    "link_preview_options", "reply_parameters", "results", "button",
}  # fmt: skip
_INT_FIELDS = {
    "chat_id", "message_id", "offset", "limit", "timeout", "message_thread_id", "cache_time",
}  # fmt: skip
# answerInlineQuery: at most 50 results, ids of 1-64 bytes, start parameters of 1-64 of these.
INLINE_RESULTS_LIMIT = 50
INLINE_QUERY_LIMIT = 256
# What an inline keyboard button does: exactly one of these.
_BUTTON_KINDS = (
    "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "login_url", "web_app", "callback_game", "pay",
    "copy_text",
)  # fmt: skip
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ApiError(Exception):
    """A Bot API error reply: HTTP status, description, optional parameters."""

    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class _HTMLChecker(HTMLParser):
    """Telegram's HTML rules, roughly: known tags only, properly nested; collects the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> str:
    """The plain text Telegram would show for `text` in parse_mode=HTML; ApiError if invalid."""
    checker = _HTMLChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise ApiError(400, "Bad Request: can't parse entities: unclosed start tag")
    return "".join(checker.text)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One request the bot made: method, decoded parameters, uploaded files, when."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    # Upload parameter -> the file name its multipart part carried.
    file_names: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    ok: bool = True
    result: Any = None


@dataclass
class Fault:
    """Make the next `times` calls of `method` fail (status 429 or 5xx) or be slow (`delay`).

    With `chat_id`, only calls to that chat count.
    """

    method: str
    status: int = 0
    times: int = 1
    retry_after: int = 1
    delay: float = 0.0
    chat_id: int | None = None


# A watcher sees (call, "request") on arrival and (call, "result") before the reply is sent.
Watcher = Callable[[Call, str], None]


class FakeBotAPI:
    """The fake server; `base_url` is what TELEGRAM_API_URL should be."""

    def __init__(self, username: str = "advisor_test_bot") -> None:
        self.username = username
        self.calls: list[Call] = []
        self.watchers: list[Watcher] = []
        self.faults: list[Fault] = []
        self.webhook: dict[str, Any] | None = None
        self.commands: list[dict[str, Any]] = []
        self.answered: dict[str, str | None] = {}
        # Inline query id -> the answerInlineQuery parameters (results, cache_time, button).
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self._inline_ids = itertools.count(1)
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.bot_id = 0
        self._closing = False

    # ---- server -----------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application (routes /bot<token>/<method>)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on loopback (a free port by default); return the base URL."""
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        bound = sockets[0].getsockname()[1] if sockets else port
        self.base_url = f"http://{host}:{bound}"
        return self.base_url

    async def stop(self) -> None:
        """Stop listening; long polls in progress end at once."""
        self._closing = True
        if self._changed is not None:
            await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def _params(
        self, request: web.Request, file_names: dict[str, str] | None = None
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        names = file_names if file_names is not None else {}
        if request.content_type == "application/json":
            params = dict(await request.json())
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                    names[key] = value.filename
                else:
                    params[key] = value
        for key, value in list(params.items()):
            if key in _JSON_FIELDS and isinstance(value, str):
                params[key] = json.loads(value)
            elif key in _INT_FIELDS and isinstance(value, str):
                params[key] = int(value)
        for key, value in request.query.items():
            params.setdefault(key, value)
        for key, value in list(params.items()):
            # Uploads arrive as a field named at random and the parameter "attach://<name>".
            if isinstance(value, str) and value.startswith("attach://"):
                name = value.removeprefix("attach://")
                if name in files:
                    files[key] = files.pop(name)
                    if name in names:
                        names[key] = names.pop(name)
        return params, files

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        self.bot_id = int(token.split(":", 1)[0]) if ":" in token else 0
        file_names: dict[str, str] = {}
        params, files = await self._params(request, file_names)
        call = Call(method, params, files, file_names)
        self.calls.append(call)
        for watch in list(self.watchers):
            watch(call, "request")
        await self._notify()
        try:
            fault = self._take_fault(method, params)
            if fault is not None and fault.delay:
                await asyncio.sleep(fault.delay)
            if fault is not None and fault.status == 429:
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    retry_after=fault.retry_after,
                )
            if fault is not None and fault.status:
                raise ApiError(fault.status, "Internal Server Error")
            handler = getattr(self, "_m_" + method, None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params, files)
            call.result = result
            for watch in list(self.watchers):
                watch(call, "result")
            return web.json_response({"ok": True, "result": result})
        except ApiError as exc:
            call.ok = False
            call.result = exc.description
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.status,
                "description": exc.description,
            }
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.status)
        finally:
            await self._notify()

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        chat_id = params.get("chat_id")
        for fault in self.faults:
            if fault.chat_id is not None and str(fault.chat_id) != str(chat_id):
                continue
            if fault.method == method and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

    # ---- fault injection --------------------------------------------------------------------

    def fail(self, method: str, status: int = 500, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` fail with `status` (429 carries retry_after)."""
        self.faults.append(Fault(method, status=status, times=times, retry_after=retry_after))

    def slow(
        self, method: str, seconds: float, times: int = 1, chat_id: int | None = None
    ) -> None:
        """The next `times` calls of `method` (to `chat_id` alone, if set) wait `seconds`."""
        self.faults.append(Fault(method, times=times, delay=seconds, chat_id=chat_id))

    # ---- Bot API methods --------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """The bot's User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Advisor",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    async def _m_getMe(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return self.me()

    @property
    def unconfirmed(self) -> list[int]:
        """Ids of the updates not confirmed yet: what the next getUpdates would hand out."""
        return [int(u["update_id"]) for u in self._pending]

    async def _m_getUpdates(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        offset = int(p.get("offset") or 0)
        if offset:
            # Telegram forgets every update below the offset: they are confirmed. An update is
            # confirmed only so, never by being fetched: fetched again, it comes back again.
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        timeout = float(p.get("timeout") or 0)
        limit = int(p.get("limit") or 100)
        assert self._changed is not None
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not self._pending and not self._closing and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
        return self._pending[:limit]

    def _new_message(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        message = {
            "message_id": next(counter),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            **fields,
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed")
                kinds = [k for k in _BUTTON_KINDS if k in button]
                if len(kinds) != 1:
                    raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
                url = button.get("url")
                if url is not None and not str(url).startswith(("https://", "http://", "tg://")):
                    raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
                query = button.get("switch_inline_query")
                if query is not None and len(str(query)) > INLINE_QUERY_LIMIT:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return dict(markup)

    def _text(self, p: dict[str, Any], key: str = "text", limit: int = MESSAGE_LIMIT) -> str:
        raw = str(p.get(key) or "")
        text = parse_html(raw) if p.get("parse_mode") == "HTML" else raw
        if key == "text" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > limit:
            raise ApiError(400, f"Bad Request: {'message' if key == 'text' else key} is too long")
        return text

    async def _m_sendMessage(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        text = self._text(p)
        markup = self._check_markup(p.get("reply_markup"))
        fields: dict[str, Any] = {"from": self.me(), "text": text, "html": p.get("text")}
        if markup:
            fields["reply_markup"] = markup
        return _public(self._new_message(int(p["chat_id"]), **fields))

    async def _m_sendPhoto(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        if "photo" not in f and not p.get("photo"):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        caption = self._text(p, "caption", CAPTION_LIMIT)
        size = len(f.get("photo", b""))
        photo = [{"file_id": "photo1", "file_unique_id": "u1", "width": 800, "height": 300,
                  "file_size": size}]  # fmt: skip
        message = self._new_message(
            int(p["chat_id"]), **{"from": self.me(), "photo": photo, "caption": caption}
        )
        message["png"] = f.get("photo", b"")
        return _public(message)

    async def _m_sendDocument(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        if "document" not in f and not p.get("document"):
            raise ApiError(400, "Bad Request: there is no document in the request")
        caption = self._text(p, "caption", CAPTION_LIMIT)
        content = f.get("document", b"")
        if "document" in f and not content:
            raise ApiError(400, "Bad Request: file must be non-empty")
        document = {"file_id": "document1", "file_unique_id": "d1", "file_size": len(content)}
        message = self._new_message(
            int(p["chat_id"]), **{"from": self.me(), "document": document, "caption": caption}
        )
        message["content"] = content
        return _public(message)

    def _existing(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get((int(p["chat_id"]), int(p["message_id"])))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _m_editMessageText(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        message = self._existing(p)
        text = self._text(p)
        markup = self._check_markup(p.get("reply_markup"))
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.update(text=text, html=p.get("text"), edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return _public(message)

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        message = self._existing(p)
        markup = self._check_markup(p.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return _public(message)

    async def _m_answerCallbackQuery(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        query_id = str(p["callback_query_id"])
        if query_id in self.answered:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        self.answered[query_id] = p.get("text")
        return True

    async def _m_answerInlineQuery(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        query_id = str(p["inline_query_id"])
        if query_id in self.inline_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        results = list(p.get("results") or [])
        if len(results) > INLINE_RESULTS_LIMIT:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids) or not all(1 <= len(i.encode()) <= 64 for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        for result in results:
            if not result.get("title"):
                raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            # The message it posts: HTML and length checked as sendMessage's.
            posted = {"text": content.get("message_text"), "parse_mode": content.get("parse_mode")}
            self._text(posted)
            self._check_markup(result.get("reply_markup"))
        button = p.get("button")
        if button and not _START_PARAMETER.fullmatch(str(button.get("start_parameter", ""))):
            raise ApiError(400, "Bad Request: START_PARAM_INVALID")
        self.inline_answers[query_id] = dict(p)
        return True

    async def _m_sendChatAction(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return True

    async def _m_setMyCommands(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        self.commands = list(p.get("commands") or [])
        return True

    async def _m_deleteWebhook(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        self.webhook = None
        return True

    async def _m_setWebhook(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        if not str(p.get("url", "")).startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: bad webhook: invalid URL")
        self.webhook = dict(p)
        return True

    async def _m_getWebhookInfo(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._pending)}  # fmt: skip

    async def _m_close(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return True

    # ---- what the user does -----------------------------------------------------------------

    async def push(self, update: dict[str, Any]) -> int:
        """Queue a raw update (an update_id is assigned); return its id."""
        (update_id,) = await self.push_many([update])
        return update_id

    async def push_many(self, updates: list[dict[str, Any]]) -> list[int]:
        """Queue raw updates at once (one getUpdates can hand them all out); their ids.

        An update that carries an update_id keeps it (a replay); others get the next one.
        """
        queued = [{"update_id": next(self._update_ids), **update} for update in updates]
        self._pending += queued
        await self._notify()
        return [int(update["update_id"]) for update in queued]

    def user_message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        **fields: Any,
    ) -> dict[str, Any]:
        """A message from a user (stored like any message), as an Update's `message`."""
        sender = {"id": user_id or chat_id, "is_bot": False, "first_name": "Tester"}
        if text is not None:
            fields["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                fields.setdefault(
                    "entities", [{"type": "bot_command", "offset": 0, "length": len(command)}]
                )
        message = self._new_message(chat_id, **{"from": sender}, **fields)
        message["chat"] = _chat(chat_id, chat_type)
        return _public(message)

    async def send_text(self, chat_id: int, text: str, **kwargs: Any) -> int:
        """The user sends `text`; returns the update id."""
        return await self.push({"message": self.user_message(chat_id, text, **kwargs)})

    async def send_sticker(self, chat_id: int) -> int:
        """The user sends a sticker; returns the update id."""
        sticker = {
            "file_id": "st1", "file_unique_id": "st1u", "type": "regular", "width": 512,
            "height": 512, "is_animated": False, "is_video": False, "emoji": "👍",
        }  # fmt: skip
        return await self.push({"message": self.user_message(chat_id, sticker=sticker)})

    def callback_update(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """An update for pressing a button with callback `data` on a bot message (not queued)."""
        message = self.messages.get((chat_id, message_id)) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": _chat(chat_id),
        }
        query = {
            "id": str(next(self._callback_ids)),
            "from": {"id": user_id or chat_id, "is_bot": False, "first_name": "Tester"},
            "chat_instance": str(chat_id),
            "message": _public(message),
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    async def press(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> int:
        """The user presses a button with callback `data` on a bot message; the update id."""
        update = self.callback_update(chat_id, message_id, data, user_id=user_id)
        self._pending.append(update)
        await self._notify()
        return int(update["update_id"])

    def inline_update(self, user_id: int, query: str, chat_type: str = "sender") -> dict[str, Any]:
        """An update for `@bot <query>` typed by `user_id` in a `chat_type` chat (not queued)."""
        inline = {
            "id": f"iq{next(self._inline_ids)}",
            "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
            "query": query,
            "offset": "",
            "chat_type": chat_type,
        }
        return {"inline_query": inline}

    async def inline_query(self, user_id: int, query: str, chat_type: str = "sender") -> int:
        """The user types `@bot <query>` in some chat; returns the update id."""
        return await self.push(self.inline_update(user_id, query, chat_type))

    # ---- what the test looks at -------------------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[Call], bool], since: int = 0, timeout: float = 60.0
    ) -> Call:
        """The first call at index >= `since` matching `predicate`, waiting up to `timeout` s."""
        assert self._changed is not None
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for call in self.calls[since:]:
                    if predicate(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls[since:]]
                    raise TimeoutError(f"no matching Bot API call after {timeout} s; saw {seen}")
                with _suppress_timeout():
                    await asyncio.wait_for(self._changed.wait(), left)

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat as they are now (after edits), oldest first."""
        return [
            m
            for (c, _), m in sorted(self.messages.items())
            if c == chat_id and m.get("from", {}).get("is_bot")
        ]

    def since(self, index: int, *methods: str) -> list[Call]:
        """Calls made from `index` on, optionally only these methods."""
        return [c for c in self.calls[index:] if not methods or c.method in methods]


class _suppress_timeout:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> bool:
        return kind is TimeoutError


def _chat(chat_id: int, chat_type: str = "private") -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = "Tester"
    else:
        chat["title"] = "Team chat"
    return chat


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as the Bot API shows it (without our bookkeeping fields)."""
    return {k: v for k, v in message.items() if k not in ("html", "png", "content")}


def plain(text: str) -> str:
    """`text` with HTML tags removed and entities decoded (for assertions)."""
    return parse_html(text)
