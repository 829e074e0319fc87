"""Reading rule files: safe YAML without implicit dates or duplicate keys, and errors that
name the file, the field path and the line.

`RuleError` lives here, at the bottom of the rules modules, so that the loader, the schema
checks and the rule set all raise the same error.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources.abc import Traversable
from typing import Any

import yaml
from pydantic import ValidationError


class RuleError(Exception):
    """A rule file is missing, malformed or refers to something that does not exist."""


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text and refuses duplicate keys.

    Dates stay strings so that the loaded data is plain JSON (the snapshot and its hash);
    pydantic parses them. A duplicate key would silently drop a value, which in a rule file
    is a rule nobody sees.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def read_rule_text(path: Traversable) -> str:
    """A rule file's text; unreadable or non-UTF-8 files are RuleErrors naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"{path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RuleError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from exc


def parse_yaml(text: str, where: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleError(f"{where}{line}: not valid YAML: {problem}") from exc


def line_of(text: str, path: Iterable[str | int]) -> int | None:
    """The 1-based line of the node at `path` (keys and indexes) in YAML `text`, or of the
    deepest node on the way that exists."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(step)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if 0 <= step < len(node.value) else None
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def format_validation_error(where: str, exc: ValidationError, text: str | None) -> RuleError:
    problems = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not isinstance(p, str) or not p.startswith("function-")]
        path = ".".join(str(p) for p in loc) or "(top level)"
        line = line_of(text, loc) if text is not None else None
        at = f":{line}" if line is not None else ""
        message = err["msg"].removeprefix("Value error, ")
        problems.append(f"{where}{at}: {path}: {message}")
    return RuleError("; ".join(problems))
