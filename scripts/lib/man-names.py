#!/usr/bin/env python3
"""Gives the subcommand man pages from ArgumentParser's generate-manual the names man-db and Debian expect.

generate-manual writes `simpul.sync.now.1` with `.Nm "simpul sync now"` in NAME: whatis (and lintian's
bad-whatis-entry) wants the name in NAME to be the page's name. As git does (`git-commit(1)` documents
`git commit`), each page becomes `simpul-sync-now.1`, named so in NAME, while its SYNOPSIS and AUTHORS still show
the command as typed (`simpul sync now`); references between the pages follow.

    man-names.py DIR...   (rewrites the pages in place)
"""
import pathlib
import re
import sys


def hyphenated(name: str) -> str:
    return name.replace(".", "-")


def rewrite(page: pathlib.Path) -> None:
    stem, section = page.name.rsplit(".", 1)
    lines = page.read_text().split("\n")
    command = None
    out = []
    for line in lines:
        if line.startswith(".Dt "):
            line = f".Dt {hyphenated(stem).upper()} {section}"
        elif line.startswith(".Nm ") and command is None:
            command = line[4:].strip().strip('"')
            line = f".Nm {hyphenated(stem)}"
        elif line == ".Nm" and command is not None and " " in command:
            line = f'.Nm "{command}"'
        line = re.sub(r"^\.Xr (\S+) (\d)$", lambda m: f".Xr {hyphenated(m.group(1))} {m.group(2)}", line)
        out.append(line)
    if command is None:
        sys.exit(f"man-names: {page} has no .Nm in NAME; has generate-manual's output changed?")
    page.write_text("\n".join(out))
    if "." in stem:
        page.rename(page.with_name(f"{hyphenated(stem)}.{section}"))


for directory in sys.argv[1:]:
    for page in sorted(pathlib.Path(directory).iterdir()):
        rewrite(page)
