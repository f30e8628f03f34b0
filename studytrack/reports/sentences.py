"""Chinese sentences in plain text, for the news-release draft (reports/news.py).

Text is read character by character (a str's items are whole characters, so nothing is ever cut
inside one): a sentence ends with 。！？!?… together with the closing quotes or brackets and the
emoji that follow it ("……清单。🚩" is one sentence), and never inside quotation marks
("“积力之所举，则无不胜也。”" is not cut after its 。).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ENDS = "。！？!?…"
CLOSERS = "”’』」）)】》〉"
OPENING_QUOTES = "“「『"
CLOSING_QUOTES = "”」』"
# Left at the end of a summary by someone who stopped mid-sentence: "……，" becomes "……。".
PAUSES = "，,；;：:、"
PARAGRAPH_BREAK = re.compile(r"\n[ \t\u3000]*\n+")


def is_decoration(char: str) -> bool:
    """An emoji or a part of one (variation selector, joiner, keycap, tag): it follows the
    sentence it decorates and is no word of it. Not every symbol: ℃ or ‰ end a sentence's
    last word."""
    code = ord(char)
    return (
        0x1F000 <= code <= 0x1FAFF  # pictographs, flags, faces, skin tones
        or 0x2600 <= code <= 0x27BF  # ☀ ✅ ❤ and the other dingbats
        or 0x2B00 <= code <= 0x2BFF  # ⭐ ⬆
        or 0x2300 <= code <= 0x23FF  # ⌚ ⏰
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or code in (0x200D, 0x20E3)  # zero-width joiner, combining keycap
        or 0xE0020 <= code <= 0xE007F  # tags (subdivision flags)
    )


def full_stop(text: str) -> str:
    """`text` ending as a sentence does. An end of its own counts where it stands before
    closing quotes or brackets and trailing emoji ("……。”", "……清单。🚩"); otherwise one 。
    follows the last word, after closing quotes or brackets but before trailing emoji
    ("“书记抓、抓书记”。", "……清单。🚩"). A pause left at the end ("，") becomes the 。."""
    text = text.strip()
    cut = len(text)
    while cut and (is_decoration(text[cut - 1]) or text[cut - 1].isspace()):
        cut -= 1
    body, decoration = text[:cut].rstrip().rstrip(PAUSES).rstrip(), text[cut:].strip()
    if not body:
        return text
    if body.rstrip(CLOSERS).endswith((*ENDS, ".")):
        return body + decoration
    return f"{body}。{decoration}"


def sentences(text: str) -> list[str]:
    """The sentences of one paragraph, each with its end and what follows the end (closing
    quotes or brackets, emoji); a last one without an end as it is. Joined again they give
    the paragraph back (less the spaces between sentences)."""
    found: list[str] = []
    start = depth = 0
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char in OPENING_QUOTES:
            depth += 1
        elif char in CLOSING_QUOTES and depth:
            depth -= 1
        ends_here = depth == 0 and (
            char in ENDS or (char in CLOSING_QUOTES and index and text[index - 1] in ENDS)
        )
        index += 1
        if ends_here:
            while index < size and (text[index] in ENDS or text[index] in CLOSERS
                                    or is_decoration(text[index])):
                index += 1
            found.append(text[start:index])
            start = index
    found.append(text[start:])
    return [sentence.strip() for sentence in found if sentence.strip()]


def blocks(text: str | None) -> list[str]:
    """The paragraphs of a text typed into a form: separated by blank lines; the lines of one
    paragraph joined as Chinese joins them (without a space, except between two Latin words
    or numbers)."""
    if not text:
        return []
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    return [
        _join_lines(line.strip() for line in block.split("\n"))
        for block in PARAGRAPH_BREAK.split(normalized)
        if block.strip()
    ]


def _join_lines(lines: Iterable[str]) -> str:
    joined = ""
    for line in lines:
        if not line:
            continue
        if joined and _latin(joined[-1]) and _latin(line[0]):
            joined += " "
        joined += line
    return joined


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()
