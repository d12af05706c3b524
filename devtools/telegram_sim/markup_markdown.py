"""``parse_mode=MarkdownV2`` and the legacy ``Markdown``, with Telegram's errors
(``Character '.' is reserved and must be escaped with the preceding '\\'``,
``Can't find end of Bold entity at byte offset N``,
``Can't find end of the entity starting at byte offset N``)."""

from __future__ import annotations

from dataclasses import dataclass

from devtools.telegram_sim.markup import EntityCollector, FormattedText, MarkupError, byte_offset

RESERVED_V2 = frozenset("_*[]()~`>#+-=|{}.!")
#: entity type → the name TDLib gives it in "Can't find end of … entity"
V2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


@dataclass
class _OpenEntity:
    kind: str
    offset: int  # UTF-16 offset in the plain text
    begin: int  # index of its marker in the marked-up text
    language: str = ""


def _closes(kind: str, text: str, i: int) -> bool:
    """Whether the marker at ``text[i]`` ends an open entity of ``kind``."""
    char, ahead = text[i], text[i + 1 : i + 3]
    if kind == "bold":
        return char == "*"
    if kind == "italic":
        return char == "_" and ahead[:1] != "_"
    if kind == "underline":
        return char == "_" and ahead[:1] == "_"
    if kind == "strikethrough":
        return char == "~"
    if kind == "spoiler":
        return char == "|" and ahead[:1] == "|"
    if kind == "code":
        return char == "`"
    if kind == "pre":
        return char == "`" and ahead == "``"
    return kind == "text_link" and char == "]"


def parse_markdown_v2(text: str) -> FormattedText:
    """Plain text and entities of MarkdownV2 ``text``; raises :class:`MarkupError`.

    Supported: ``*bold*``, ``_italic_``, ``__underline__``, ``~strike~``, ``||spoiler||``,
    ``` `code` ```, ```` ```pre``` ````, ``[text](url)`` and ``>`` at a line start
    (a quote: accepted, no entity). Every other reserved character must be escaped."""
    out = EntityCollector()
    stack: list[_OpenEntity] = []
    i = 0
    line_start = True
    while i < len(text):
        char = text[i]
        in_code = bool(stack) and stack[-1].kind in ("code", "pre")
        if char == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126:
            out.write(text[i + 1])
            line_start = text[i + 1] == "\n"
            i += 2
            continue
        if char != "`" if in_code else char not in RESERVED_V2:
            out.write(char)
            line_start = char == "\n" or (line_start and char == "\r")
            i += 1
            continue
        if stack and _closes(stack[-1].kind, text, i):
            i = _close_v2(text, i, stack.pop(), out)
            line_start = False
            continue
        if char == ">" and line_start:
            i += 1
            line_start = False
            continue
        begin, kind = i, ""
        if char == "_" and text[i + 1 : i + 2] == "_":
            kind, i = "underline", i + 2
        elif char == "|" and text[i + 1 : i + 2] == "|":
            kind, i = "spoiler", i + 2
        elif char == "`" and text[i + 1 : i + 3] == "``":
            kind, i = "pre", i + 3
        else:
            kind = {"_": "italic", "*": "bold", "~": "strikethrough", "`": "code", "[": "text_link"}.get(char, "")
            i += 1
        if not kind:
            raise MarkupError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        entity = _OpenEntity(kind, out.offset, begin)
        if kind == "pre":
            end_of_line = text.find("\n", i)
            first_line = text[i:end_of_line] if end_of_line >= 0 else ""
            if first_line and "`" not in first_line and not any(c.isspace() for c in first_line):
                entity.language, i = first_line, end_of_line + 1
            elif text[i : i + 1] == "\n":
                i += 1
        stack.append(entity)
        line_start = False
    if stack:
        entity = stack[-1]
        name = V2_NAMES[entity.kind]
        raise MarkupError(f"Can't find end of {name} entity at byte offset {byte_offset(text, entity.begin)}")
    return out.result()


def _close_v2(text: str, i: int, entity: _OpenEntity, out: EntityCollector) -> int:
    """Close ``entity`` at its end marker ``text[i]``; the index after the marker (and the URL)."""
    if entity.kind in ("underline", "spoiler"):
        i += 2
    elif entity.kind == "pre":
        i += 3
    else:
        i += 1
    if entity.kind == "text_link":
        url = ""
        if text[i : i + 1] == "(":
            url_begin = i + 1
            i = url_begin
            while i < len(text) and text[i] != ")":
                url += text[i + 1] if text[i] == "\\" and i + 1 < len(text) else text[i]
                i += 2 if text[i] == "\\" else 1
            if i >= len(text):
                raise MarkupError(f"Can't find end of a URL at byte offset {byte_offset(text, url_begin)}")
            i += 1
        if url:
            out.close("text_link", entity.offset, url=url)
    elif entity.kind == "pre" and entity.language:
        out.close("pre", entity.offset, language=entity.language)
    else:
        out.close(entity.kind, entity.offset)
    return i


def parse_markdown(text: str) -> FormattedText:
    """The legacy Markdown: ``*bold*``, ``_italic_``, ``` `code` ```, ```` ```pre``` ```` and
    ``[text](url)``, never nested; ``\\`` escapes ``_ * ` [`` outside an entity."""
    out = EntityCollector()
    markers = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and text[i + 1 : i + 2] in ("_", "*", "`", "["):
            out.write(text[i + 1])
            i += 2
            continue
        if char not in markers:
            out.write(char)
            i += 1
            continue
        begin = i
        kind, closing = markers[char], "]" if char == "[" else char
        if text[i : i + 3] == "```":
            kind, closing = "pre", "```"
        i += len(closing) if kind == "pre" else 1
        end = text.find(closing, i)
        if end < 0:
            raise MarkupError(f"Can't find end of the entity starting at byte offset {byte_offset(text, begin)}")
        start = out.offset
        out.write(text[i:end])
        i = end + len(closing)
        if kind == "text_link":
            url = ""
            if text[i : i + 1] == "(" and (close := text.find(")", i)) >= 0:
                url, i = text[i + 1 : close], close + 1
            if url:
                out.close(kind, start, url=url)
        else:
            out.close(kind, start)
    return out.result()
