"""``parse_mode=HTML``: the tags Telegram supports, its entity decoding and its errors
(``Unsupported start tag "x" at byte offset N``, ``Can't find end tag corresponding
to start tag "b"``…)."""

from __future__ import annotations

from dataclasses import dataclass

from devtools.telegram_sim.markup import EntityCollector, FormattedText, MarkupError, byte_offset

#: tag → entity type
TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
NAME_TOKEN_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


@dataclass
class _OpenTag:
    name: str
    offset: int
    argument: str


def decode_character(text: str, index: int) -> tuple[str, int] | None:
    """``&lt;``, ``&#60;``, ``&#x3C;`` at ``index`` → (character, index after it); anything
    else is no entity (Telegram then keeps the ``&`` as it is)."""
    end = text.find(";", index + 1, index + 12)
    if end < 0:
        return None
    name = text[index + 1 : end]
    if name in NAMED_CHARACTERS:
        return NAMED_CHARACTERS[name], end + 1
    try:
        if name[:2] in ("#x", "#X"):
            code = int(name[2:], 16)
        elif name[:1] == "#" and name[1:].isdigit():
            code = int(name[1:])
        else:
            return None
        return chr(code), end + 1
    except (ValueError, OverflowError):
        return None


def parse_html(text: str) -> FormattedText:
    """Plain text and entities of HTML-marked ``text``; raises :class:`MarkupError`."""
    return _HtmlParser(text).run()


class _HtmlParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.out = EntityCollector()
        self.open: list[_OpenTag] = []

    def at(self, index: int) -> str:
        return self.text[index] if index < len(self.text) else ""

    def skip_space(self) -> None:
        while self.at(self.i).isspace():
            self.i += 1

    def where(self, index: int) -> str:
        return f"at byte offset {byte_offset(self.text, index)}"

    def run(self) -> FormattedText:
        while self.i < len(self.text):
            char = self.text[self.i]
            if char == "&" and (decoded := decode_character(self.text, self.i)) is not None:
                self.out.write(decoded[0])
                self.i = decoded[1]
            elif char != "<":
                self.out.write(char)
                self.i += 1
            elif self.at(self.i + 1) == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.open:
            raise MarkupError(f'Can\'t find end tag corresponding to start tag "{self.open[-1].name}"')
        return self.out.result()

    def start_tag(self) -> None:
        begin = self.i
        self.i += 1
        while self.at(self.i) and not self.at(self.i).isspace() and self.at(self.i) not in ">":
            self.i += 1
        if self.i >= len(self.text):
            raise MarkupError(f"Unclosed start tag {self.where(begin)}")
        name = self.text[begin + 1 : self.i].lower()
        if name not in TAG_ENTITIES:
            raise MarkupError(f'Unsupported start tag "{name}" {self.where(begin)}')
        attributes = self.attributes(name, begin)
        self.i += 1  # the '>'
        argument = ""
        if name == "a":
            argument = attributes.get("href", "")
        elif name == "span":
            if attributes.get("class") != "tg-spoiler":
                raise MarkupError(f'Tag "span" must have class "tg-spoiler" {self.where(begin)}')
        elif name == "tg-emoji":
            argument = attributes.get("emoji-id", "")
        elif name == "code":
            argument = attributes.get("class", "").removeprefix("language-")
        self.open.append(_OpenTag(name, self.out.offset, argument))

    def attributes(self, tag: str, begin: int) -> dict[str, str]:
        found: dict[str, str] = {}
        while True:
            self.skip_space()
            if self.i >= len(self.text):
                raise MarkupError(f'Unclosed start tag "{tag}" {self.where(begin)}')
            if self.text[self.i] == ">":
                return found
            start = self.i
            while self.at(self.i) and not self.at(self.i).isspace() and self.at(self.i) not in "=>/\"'":
                self.i += 1
            name = self.text[start : self.i].lower()
            if not name:
                raise MarkupError(f'Empty attribute name in the tag "{tag}" {self.where(begin)}')
            self.skip_space()
            if self.at(self.i) != "=":
                found[name] = ""
                continue
            self.i += 1
            self.skip_space()
            if self.i >= len(self.text):
                raise MarkupError(f'Unclosed start tag "{tag}" {self.where(begin)}')
            found[name] = self.attribute_value()

    def attribute_value(self) -> str:
        quote = self.text[self.i]
        if quote not in "\"'":
            start = self.i
            while self.at(self.i) in NAME_TOKEN_CHARACTERS and self.at(self.i):
                self.i += 1
            if not (self.at(self.i).isspace() or self.at(self.i) == ">"):
                raise MarkupError(f"Unexpected end of name token {self.where(self.i)}")
            return self.text[start : self.i].lower()
        self.i += 1
        value: list[str] = []
        while self.i < len(self.text) and self.text[self.i] != quote:
            if self.text[self.i] == "&" and (decoded := decode_character(self.text, self.i)) is not None:
                value.append(decoded[0])
                self.i = decoded[1]
            else:
                value.append(self.text[self.i])
                self.i += 1
        self.i += 1  # the closing quote (or the end, reported by the caller)
        return "".join(value)

    def end_tag(self) -> None:
        begin = self.i
        self.i += 2
        start = self.i
        while self.at(self.i) and not self.at(self.i).isspace() and self.at(self.i) != ">":
            self.i += 1
        name = self.text[start : self.i].lower()
        self.skip_space()
        if self.at(self.i) != ">":
            raise MarkupError(f"Unclosed end tag {self.where(begin)}")
        if not self.open:
            raise MarkupError(f"Unexpected end tag {self.where(begin)}")
        tag = self.open.pop()
        if name and name != tag.name:
            raise MarkupError(f'Unmatched end tag {self.where(begin)}, expected "</{tag.name}>", found "</{name}>"')
        self.i += 1
        kind = TAG_ENTITIES[tag.name]
        if kind == "text_link":
            if tag.argument:
                self.out.close(kind, tag.offset, url=tag.argument)
        elif kind == "custom_emoji":
            if tag.argument:
                self.out.close(kind, tag.offset, custom_emoji_id=tag.argument)
        elif kind == "code" and self.open and self.open[-1].name == "pre" and tag.argument:
            self.open[-1].argument = tag.argument  # <pre><code class="language-x"> is one pre entity
        elif kind == "pre" and tag.argument:
            self.out.close(kind, tag.offset, language=tag.argument)
        else:
            self.out.close(kind, tag.offset)
