"""Markdown split into ordered parts within a byte limit, for robots that count bytes, not characters.

The robots' limits are UTF-8 bytes (WeCom 4,096 for a markdown message, DingTalk 20,000, Feishu
20 KB a request), so a Chinese character costs three. A part never ends inside a character (the
text is cut between ``str`` characters, never between bytes), never inside a table (a table
longer than a part goes on between rows, its header and separator rows repeated at the top of
the next part), and prefers a paragraph boundary, then a line, then the end of a sentence.
When the text needs more than one part, each begins with ``(i/n)`` on a line of its own, and the
marker's bytes count against the limit.
"""

from __future__ import annotations

from collections.abc import Callable

SENTENCE_ENDS = "。！？；!?;"
PARAGRAPH = "\n\n"
Measure = Callable[[str], int]


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def marker(index: int, count: int) -> str:
    return f"({index}/{count})\n"


def split_markdown(text: str, limit: int, measure: Measure = utf8_len) -> list[str]:
    """The parts of ``text``, in order, each within ``limit`` as ``measure`` counts it.

    ``measure`` is the channel's own count (UTF-8 bytes by default; a channel whose limit is on
    the whole request passes the size of the escaped JSON it will post)."""
    text = text.strip("\n")
    if measure(text) <= limit:
        return [text]
    count = 2
    while True:  # the marker's width depends on the count it reports
        budget = limit - measure(marker(count, count))
        if budget < 16:
            raise ValueError(f"a limit of {limit} bytes leaves no room for a part")
        bodies = _pack(_blocks(text), budget, measure)
        if len(str(len(bodies))) <= len(str(count)):
            total = len(bodies)
            return [marker(i, total) + body for i, body in enumerate(bodies, 1)]
        count = len(bodies)


def _blocks(text: str) -> list[str]:
    """Paragraphs and tables: a table is a run of lines that start with ``|``, even without a
    blank line around it."""
    blocks: list[str] = []
    for paragraph in text.split(PARAGRAPH):
        lines = paragraph.strip("\n").split("\n")
        run: list[str] = []
        in_table = False
        for line in lines:
            is_row = line.lstrip().startswith("|")
            if run and is_row != in_table:
                blocks.append("\n".join(run))
                run = []
            run.append(line)
            in_table = is_row
        if run and any(line.strip() for line in run):
            blocks.append("\n".join(run))
    return blocks


def _is_table(block: str) -> bool:
    return block.lstrip().startswith("|")


def _pack(blocks: list[str], budget: int, measure: Measure) -> list[str]:
    """Blocks joined by blank lines, a new part whenever the next piece would not fit."""
    parts: list[str] = []
    current = ""
    for block in blocks:
        room = budget - measure(current + PARAGRAPH) if current else budget
        for piece in _pieces(block, budget, measure, room):
            joined = f"{current}{PARAGRAPH}{piece}" if current else piece
            if measure(joined) <= budget:
                current = joined
                continue
            if current:
                parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def _pieces(block: str, budget: int, measure: Measure, room: int) -> list[str]:
    """A block cut so that each piece fits a part on its own; a table's first piece fills the
    ``room`` left in the current part."""
    if measure(block) <= budget:
        return [block]
    if _is_table(block):
        return _table_pieces(block, budget, measure, room)
    return _text_pieces(block, budget, measure)


def _table_pieces(block: str, budget: int, measure: Measure, room: int) -> list[str]:
    """A table cut between rows, each piece headed by the header and separator rows."""
    rows = block.split("\n")
    head = rows[:2] if len(rows) > 1 and set(rows[1].replace("|", "").strip()) <= set("-: ") else []
    body = rows[len(head) :]
    if head and measure("\n".join([*head, body[0]])) > budget:
        return _text_pieces(block, budget, measure)  # too wide to repeat: lines of text
    pieces: list[str] = []
    current: list[str] = []
    limit = room
    for row in body:
        if measure("\n".join([*head, *current, row])) <= limit:
            current.append(row)
            continue
        if current:
            pieces.append("\n".join([*head, *current]))
            current = []
        limit = budget
        if measure("\n".join([*head, row])) > budget:
            # A single row wider than a part: it goes as text, the only way it can be read.
            pieces.extend(_text_pieces(row, budget, measure))
        else:
            current = [row]
    if current:
        pieces.append("\n".join([*head, *current]))
    return pieces


def _text_pieces(block: str, budget: int, measure: Measure) -> list[str]:
    """Text cut at line ends where it can, else after a sentence, else between characters."""
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        joined = f"{current}\n{line}" if current else line
        if measure(joined) <= budget:
            current = joined
            continue
        if current:
            pieces.append(current)
            current = ""
        while measure(line) > budget:
            cut = _cut(line, budget, measure)
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        pieces.append(current)
    return pieces


def _cut(line: str, budget: int, measure: Measure) -> int:
    """How many characters of ``line`` fit, ending after a sentence when one ends in the last
    third of what fits."""
    low, high = 1, len(line)
    while low < high:  # the longest prefix within the budget
        middle = (low + high + 1) // 2
        if measure(line[:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    fits = low
    for at in range(fits, fits * 2 // 3, -1):
        if line[at - 1] in SENTENCE_ENDS:
            return at
    return fits
