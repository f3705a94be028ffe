"""Merge two versions of a gettext catalogue: every message of both, the non-empty
translation winning (ours first). Used to settle .po conflicts after a git merge:

    python scripts/merge_po.py locator/translations/uk/LC_MESSAGES/messages.po
(reads the conflict's two sides from git's index stages 2 and 3)."""

from __future__ import annotations

import io
import subprocess
import sys

from babel.messages.pofile import read_po, write_po


def stage(path: str, n: int):
    command = ["git", "show", f":{n}:{path}"]
    data = subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603
    return read_po(io.BytesIO(data), locale="uk")


def main(path: str) -> None:
    ours, theirs = stage(path, 2), stage(path, 3)
    for message in theirs:
        if not message.id:
            continue
        mine = ours.get(message.id, message.context)
        if mine is None:
            ours[message.id] = message
        elif not _translated(mine) and _translated(message):
            mine.string = message.string
            mine.flags = message.flags
    with open(path, "wb") as fh:
        write_po(fh, ours, sort_output=True, omit_header=False, width=100)


def _translated(message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


if __name__ == "__main__":
    main(sys.argv[1])
