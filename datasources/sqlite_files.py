"""SQLite data sources: a file in the agency's own folder of the agencies folder, opened
read-only and never created, and never one of the gateway's own files.

Each agency's files live in `<agencies folder>/<agency code>/`, so one agency cannot name
another's file. A path is judged by where it really leads (symbolic links and `..` resolved);
a file with a second name (a hard link) is refused, since its other name may be anywhere.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from datasources.addresses import PolicyRefusal

# Agency codes that can be folder names: no separators, no "..", nothing hidden.
_FOLDER_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
SQLITE_DRIVER = "sqlite+aiosqlite"


class SqliteFiles:
    """Which SQLite files each agency may open. Every method touches the file system: call them
    in a worker thread."""

    def __init__(self, agencies_dir: Path, protected: Iterable[Path]) -> None:
        self.root = Path(os.path.realpath(agencies_dir))
        self._protected = tuple(Path(os.path.realpath(path)) for path in protected)
        for path in self._protected:
            if path.is_relative_to(self.root):
                raise ValueError(
                    f"the agencies folder {self.root} holds the gateway's own file {path}: "
                    "set GATEWAY_AGENCIES_DIR to a folder of agency files only"
                )

    def folder(self, agency: str) -> Path:
        if not _FOLDER_NAME.fullmatch(agency):
            raise PolicyRefusal(f"agency {agency!r} has no folder for SQLite files")
        return self.root / agency

    def admit(self, agency: str, database: str) -> Path:
        """The real path of the file `database` (a URL's path, relative to the working folder
        as SQLite reads it) if the agency may open it; PolicyRefusal naming the rule otherwise."""
        outside = PolicyRefusal(
            f"a SQLite source must be a file in agency {agency!r}'s own folder of the agencies "
            f"folder (GATEWAY_AGENCIES_DIR/{agency}/); links out of it are not followed"
        )
        if not database or "\x00" in database:
            raise outside
        folder = Path(os.path.realpath(self.folder(agency)))
        real = Path(os.path.realpath(Path.cwd() / database))
        if real == folder or not real.is_relative_to(folder):
            raise outside
        try:
            found = os.stat(real)
        except OSError:
            raise PolicyRefusal(
                f"agency {agency!r}'s folder has no SQLite file by that name "
                "(the gateway never creates one)"
            ) from None
        if not stat.S_ISREG(found.st_mode):
            raise PolicyRefusal("a SQLite source must be a regular file")
        if found.st_nlink != 1:
            raise PolicyRefusal("a SQLite file with more than one name (a hard link) is refused")
        for path in self._protected:
            try:
                theirs = os.stat(path)
            except OSError:
                continue
            if (theirs.st_dev, theirs.st_ino) == (found.st_dev, found.st_ino):
                raise PolicyRefusal("the gateway's own files are never a data source")
        return real


def read_only_url(path: Path) -> str:
    """The URL that opens `path` read-only: SQLite then never writes it, and never creates it."""
    return f"{SQLITE_DRIVER}:///file:{quote(str(path))}?mode=ro&uri=true"
