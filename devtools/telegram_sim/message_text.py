"""The text of a message: ``parse_mode`` (HTML, MarkdownV2, Markdown), the limits, and
the trimming Telegram applies, with its error wording.

Lengths are counted as Telegram counts them: in UTF-16 code units, after the
markup is parsed (4096 at most); the raw text may not exceed 32768 bytes.
"""

from __future__ import annotations

from devtools.telegram_sim.markup import FormattedText, MarkupError, utf16_length
from devtools.telegram_sim.markup_html import parse_html
from devtools.telegram_sim.markup_markdown import parse_markdown, parse_markdown_v2
from devtools.telegram_sim.responses import bad_request

MAX_MESSAGE_LENGTH = 4096
MAX_RAW_TEXT_BYTES = 1 << 15


def format_message_text(text: str, parse_mode: str | None) -> FormattedText:
    """Parse ``text`` as ``sendMessage`` does, before it looks at the chat; raises
    :class:`~devtools.telegram_sim.responses.BotApiError` (400) as Telegram refuses it."""
    if not text:
        raise bad_request("Message text is empty")
    if len(text.encode("utf-8")) > MAX_RAW_TEXT_BYTES:
        raise bad_request("Text is too long")
    mode = (parse_mode or "").lower()
    parsers = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
    if mode in ("", "none"):
        formatted = FormattedText(text)
    elif mode in parsers:
        try:
            formatted = parsers[mode](text)
        except MarkupError as exc:
            raise bad_request(f"Can't parse entities: {exc}") from None
    else:
        raise bad_request("Unsupported parse_mode")
    return trimmed(formatted)


def check_sendable(formatted: FormattedText) -> None:
    """What Telegram checks once the chat is known: something is left, and not too much."""
    if not formatted.text:
        raise bad_request("Message must be non-empty")
    if utf16_length(formatted.text) > MAX_MESSAGE_LENGTH:
        raise bad_request("Message is too long")


def trimmed(formatted: FormattedText) -> FormattedText:
    """Telegram drops leading and trailing white space; entities move and shrink with it."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    shift = utf16_length(text[: len(text) - len(text.lstrip())])
    end = utf16_length(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return FormattedText(stripped, entities)
