"""The files, modules and links a page names, checked against the repository: a page that names
`auth/login.py` or `standard.national_id.parse` goes stale the day the code moves."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs.blocks import FENCE, ROOT

CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
DOTTED = re.compile(r"^[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
PATH = re.compile(r"^[\w.-]+(/[\w.-]+)*/?$")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
# Top-level folders a page may name that the repository does not hold: made by `make`.
NOT_OURS = {"var", ".venv", ".git", "node_modules"}


def prose(page: Path) -> list[tuple[int, str]]:
    """The page's lines outside fenced blocks, numbered from 1."""
    lines, fence = [], ""
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        opening = FENCE.match(line)
        if opening and (not fence or line.strip().startswith(fence)):
            fence = "" if fence else opening["fence"]
            continue
        if not fence:
            lines.append((number, line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(m[1]) for _, line in prose(page) if (m := HEADING.match(line))}


def _ours(first: str) -> bool:
    return first not in NOT_OURS | {".", ".."} and (ROOT / first).is_dir()


def _module(dotted: str) -> str | None:
    """What is wrong with a dotted name of ours (`pkg.module.attribute`), or None."""
    parts = dotted.split(".")
    if not (_ours(parts[0]) and (ROOT / parts[0] / "__init__.py").exists()) and not (
        (ROOT / f"{parts[0]}.py").exists()
    ):
        return None  # not one of our packages: a dataset, a host, a life event, ...
    path, index = ROOT, 0
    while index < len(parts):
        folder, module = path / parts[index], path / f"{parts[index]}.py"
        if folder.is_dir() and (folder / "__init__.py").exists():
            path, index = folder, index + 1
        elif module.exists():
            path, index = module, index + 1
            break
        else:
            break
    source = path / "__init__.py" if path.is_dir() else path
    rest = parts[index:]
    if rest and not re.search(rf"\b{re.escape(rest[0])}\b", source.read_text(encoding="utf-8")):
        return f"{'.'.join(parts[:index])} has no {rest[0]!r}"
    return None


def _path(text: str) -> str | None:
    first = text.split("/")[0]
    if "/" not in text or not _ours(first):
        return None
    return None if (ROOT / text.rstrip("/")).exists() else "no such file"


def stale_names(page: Path) -> list[str]:
    """`page:line: name: why` for each name of ours on the page that the code does not have."""
    found = []
    where = page.relative_to(ROOT)
    for number, line in prose(page):
        for span in CODE_SPAN.findall(line):
            # `resolvers/access.py: decide`, `schema.build_schema()`: the name is the first word.
            name = re.split(r"[\s:(]", span.strip(), maxsplit=1)[0]
            problem = None
            if PATH.match(name) and "/" in name:
                problem = _path(name)
            elif DOTTED.match(name):
                problem = _module(name)
            if problem:
                found.append(f"{where}:{number}: `{span}`: {problem}")
        for target in LINK.findall(line):
            if "://" in target or target.startswith(("mailto:", "<")):
                continue
            file, _, anchor = target.partition("#")
            linked = (page.parent / file).resolve() if file else page
            if ROOT not in linked.parents and linked != ROOT:
                continue  # outside the repository (../shared/DESIGN.md)
            if not linked.exists():
                found.append(f"{where}:{number}: link {target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                found.append(f"{where}:{number}: link {target}: no such heading")
    return found
