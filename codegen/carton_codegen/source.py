"""Source locations for schema errors.

flatc's binary schema records the file each declaration comes from but not its line,
so the line is found by scanning that file: the line that opens the declaration, and
inside it the line that declares a field. A location that cannot be found degrades to
the file name alone; an error message never depends on it.
"""

from __future__ import annotations

import os
import re
from typing import Dict, List, Optional


def file_name(declaration_file: str) -> str:
    """The schema file as users know it (flatc writes "//name.fbs", relative to the entry file)."""
    return declaration_file.lstrip("/")


class Locator:
    def __init__(self, root: str):
        self.root = root  # the entry schema's directory: declaration files are relative to it
        self._lines: Dict[str, List[str]] = {}

    def _read(self, declaration_file: str) -> List[str]:
        if declaration_file not in self._lines:
            try:
                with open(os.path.join(self.root, file_name(declaration_file)), encoding="utf-8") as f:
                    # Comments may mention any name; they never locate anything.
                    self._lines[declaration_file] = [re.sub(r"//.*", "", l) for l in f.read().splitlines()]
            except OSError:
                self._lines[declaration_file] = []
        return self._lines[declaration_file]

    def line(self, declaration_file: str, name: str, field: Optional[str] = None) -> Optional[int]:
        """1-based line of declaration `name` (short name) or of its `field`, if found."""
        lines = self._read(declaration_file)
        decl = re.compile(rf"\b(table|struct|union|enum)\s+{re.escape(name)}\b")
        start = next((i for i, l in enumerate(lines) if decl.search(l)), None)
        if start is None:
            return None
        if field is None:
            return start + 1
        # Walk the declaration's body (from its "{" to the matching "}") line by line.
        member = re.compile(rf"(^|[{{;,\s]){re.escape(field)}\s*:")
        depth, opened = 0, False
        for i in range(start, len(lines)):
            text = lines[i][decl.search(lines[i]).end():] if i == start else lines[i]
            if not opened:
                if "{" not in text:
                    continue
                text, opened = text.split("{", 1)[1], True
                depth = 1
            body = text
            for j, c in enumerate(text):
                depth += {"{": 1, "}": -1}.get(c, 0)
                if depth == 0:
                    body = text[:j]
                    break
            if member.search(body):
                return i + 1
            if depth == 0:
                return None
        return None

    def where(self, declaration_file: str, kind: str, name: str, field: Optional[str] = None) -> str:
        """"rpc.fbs:57: field LoadRequest.model_name" (or "table LoadRequest")."""
        line = self.line(declaration_file, name, field)
        loc = file_name(declaration_file) + (f":{line}" if line else "")
        return f"{loc}: field {name}.{field}" if field is not None else f"{loc}: {kind} {name}"
