"""Safe YAML reading that remembers on which line every value stands.

PyYAML's safe loader gives plain data but forgets positions, and silently keeps the last of two
equal keys. Definition authors need both: errors that point at a line, and duplicates reported.
So the document is composed into nodes with the safe loader, then turned into data here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from .errors import Path, Problem

MAP_TAG: Final = "tag:yaml.org,2002:map"
SEQ_TAG: Final = "tag:yaml.org,2002:seq"
BOOL_TAG: Final = "tag:yaml.org,2002:bool"
#: Values a definition may hold in all; beyond it the file is refused (alias "billion laughs").
MAX_VALUES: Final = 100_000


class _TooLarge(Exception):
    pass


class _ScalarConstructor(yaml.constructor.SafeConstructor):
    """The safe loader's scalar rules (ints, dates, floats...), built once instead of once per value."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        self.constructed_objects.clear()
        self.recursive_objects.clear()
        return super().construct_object(node, deep=deep)


_SCALARS = _ScalarConstructor()


@dataclass(slots=True)
class Document:
    """The data of a YAML file and the line (1-based) of each path in it."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    values: int = 0

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def read_document(text: str, file: str) -> Document:
    """Parse ``text`` (the contents of ``file``) safely; YAML syntax errors become problems."""
    document = Document(file=file, data=None)
    try:
        node = _compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        document.problems.append(Problem(file, (), line, f"invalid YAML: {reason}"))
        return document
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"):
        document.problems.append(Problem(file, (), 1, "the file is empty"))
        return document
    try:
        document.data = _to_data(node, (), document, ())
    except _TooLarge:
        document.data = None
        document.problems.append(Problem(file, (), 1, f"the document holds more than {MAX_VALUES} values"))
    return document


#: libyaml's safe loader where PyYAML was built with it: it reads a definition eight to eleven times faster
#: than the pure-Python one (the shipped files: 2.1 to 3.7 ms against 16.7 to 41.5 ms), a cost every process
#: pays once per definition, at its first page or scheduler pass. Its nodes carry the same lines.
_FAST_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str) -> yaml.Node | None:
    """The document's node tree; on a syntax error, the pure-Python loader's error, which names what it
    found ("found undefined alias 'x'", "found character '\\t'") where libyaml's does not."""
    try:
        return yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        if _FAST_LOADER is yaml.SafeLoader:
            raise
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _to_data(node: yaml.Node, path: Path, document: Document, ancestors: tuple[int, ...]) -> Any:
    document.lines.setdefault(path, node.start_mark.line + 1)
    document.values += 1
    if document.values > MAX_VALUES:
        raise _TooLarge
    if id(node) in ancestors:
        document.problems.append(Problem(document.file, path, node.start_mark.line + 1, "recursive alias"))
        return None
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in (MAP_TAG, SEQ_TAG):
        line = node.start_mark.line + 1
        document.problems.append(Problem(document.file, path, line, f"YAML tag {node.tag} is not allowed"))
        return None
    ancestors = (*ancestors, id(node))
    if isinstance(node, yaml.MappingNode):
        return _mapping(node, path, document, ancestors)
    if isinstance(node, yaml.SequenceNode):
        return [_to_data(item, (*path, index), document, ancestors) for index, item in enumerate(node.value)]
    return _scalar(node, path, document)


def _mapping(node: yaml.MappingNode, path: Path, document: Document, ancestors: tuple[int, ...]) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node, path, document) if isinstance(key_node, yaml.ScalarNode) else None
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int) or isinstance(key, bool):
            document.problems.append(Problem(document.file, path, line, "keys must be plain text"))
            continue
        key = str(key)
        if key in result:
            first = document.lines.get((*path, key))
            document.problems.append(
                Problem(document.file, (*path, key), line, f"duplicate key '{key}' (first on line {first})")
            )
            continue
        document.lines[(*path, key)] = line
        result[key] = _to_data(value_node, (*path, key), document, ancestors)
    return result


def _scalar(node: yaml.Node, path: Path, document: Document) -> Any:
    if node.tag == BOOL_TAG and str(node.value).lower() not in ("true", "false"):
        # YAML 1.1 reads yes/no/on/off as booleans, YAML 1.2 and editors as text: keep it text, so that
        # the schema asks for true or false instead of guessing.
        return node.value
    try:
        return _SCALARS.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        line = node.start_mark.line + 1
        document.problems.append(Problem(document.file, path, line, f"invalid value: {exc.problem}"))
        return None
