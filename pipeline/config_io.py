"""Reading config values as the user wrote them: a YAML file with its line numbers, ``--set``
overrides, paths relative to the file that names them, and the files that come with the package.

Values are read against the type of the key they set: a text key keeps the text as written
(``name: 2024-01-01``, ``revision: 0123``, ``yes``), other keys are read as YAML. Every value
keeps where it came from (``--set KEY=VALUE`` or ``FILE, line N``), for error messages.

Nothing here knows the config's keys: the root model is passed in, and the markers below, put
on a field's type in :mod:`pipeline.config`, say which keys hold paths and how to describe them.
"""

from __future__ import annotations

import os
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .errors import ConfigError

# Where a value came from, by key path: "--set translate.num_beams=4", "configs/x.yaml, line 3".
Origins = dict[tuple[str, ...], str]
_NULLS = ("", "null", "Null", "NULL", "~")


@dataclass(frozen=True)
class IsPath:
    """Marks a key that holds a path: relative in a config file, it is relative to that file's
    folder. ``model``: a model id or a directory, rebased only when that directory exists there."""

    model: bool = False


@dataclass(frozen=True)
class Allowed:
    """How to say what a text key takes, for messages (``auto, cpu, cuda, cuda:N or mps``)."""

    text: str


def field_at(model: type[BaseModel], parts: tuple[str, ...]) -> FieldInfo | None:
    """The field that ``parts`` (``("translate", "num_beams")``) names, or None."""
    field = None
    for part in parts:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = field.annotation  # type: ignore[assignment]
    return field


def members(annotation: Any) -> list[Any]:
    """A type's alternatives, ``Annotated`` unwrapped (``int | None`` -> ``[int, NoneType]``)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for a in get_args(annotation) for m in members(a)]
    return [annotation]


def markers(field: FieldInfo | None, kind: type) -> list[Any]:
    """The markers of class ``kind`` on a field or inside its type."""
    if field is None:
        return []
    found = [m for m in field.metadata if isinstance(m, kind)]
    stack = [field.annotation]
    while stack:
        annotation = stack.pop()
        if get_origin(annotation) is Annotated:
            found += [m for m in get_args(annotation)[1:] if isinstance(m, kind)]
        stack += list(get_args(annotation))
    return found


def is_text(field: FieldInfo | None) -> bool:
    """True when every value the field takes (null aside) is text."""
    if field is None:
        return False
    kinds = [m for m in members(field.annotation) if m is not type(None)]
    return bool(kinds) and all(
        m is str or (get_origin(m) is Literal and all(isinstance(v, str) for v in get_args(m)))
        for m in kinds)


def parse_value(raw: str, field: FieldInfo | None) -> Any:
    """A ``--set`` value read as its key's type: text stays text (quotes, if any, removed),
    anything else is read as YAML; empty and ``null`` are null."""
    import yaml

    text = raw.strip()
    if text in _NULLS:
        return None
    if is_text(field):
        if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
            try:
                unquoted = yaml.safe_load(text)
            except yaml.YAMLError:
                return text
            return unquoted if isinstance(unquoted, str) else text
        return text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return raw


def apply_override(data: dict[str, Any], origins: Origins, item: str,
                   model: type[BaseModel]) -> None:
    """Apply one ``--set section.key=value`` to ``data``, recording where it came from."""
    key, sep, raw = item.partition("=")
    parts = tuple(p.strip() for p in key.strip().split("."))
    if not sep or len(parts) < 2 or not all(parts):
        raise ConfigError(f"--set {item}: expected SECTION.KEY=VALUE, "
                          "e.g. --set translate.num_beams=4")
    node = data
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {item}: {'.'.join(parts[:depth + 1])} is a value, not a "
                              "section")
        node = child
    node[parts[-1]] = parse_value(raw, field_at(model, parts))
    for known in [k for k in origins if k[:len(parts)] == parts]:
        del origins[known]  # a section given whole replaces what the file said inside it
    origins[parts] = f"--set {key.strip()}={raw}"


def read_file(path: Path, model: type[BaseModel]) -> tuple[dict[str, Any], Origins]:
    """A YAML config file's values, read against the keys' types, and each key's line.

    Raises:
        ConfigError: the file cannot be read, is not YAML, or is not a mapping of sections.
    """
    import yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}
        if not isinstance(node, yaml.MappingNode):
            shown = type(loader.construct_document(node)).__name__
            raise ConfigError(f"config file {path}: expected a mapping of sections "
                              f"({', '.join(model.model_fields)}), got {shown}")
        origins: Origins = {}
        return _mapping(loader, node, (), model, origins, path), origins
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"config file {path}{where}: {problem}") from None
    finally:
        loader.dispose()


def _mapping(loader: Any, node: Any, prefix: tuple[str, ...], model: type[BaseModel],
             origins: Origins, path: Path) -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = prefix + (str(loader.construct_object(key_node)),)
        origins[key] = f"{path}, line {key_node.start_mark.line + 1}"
        field = field_at(model, key)
        if isinstance(value_node, yaml.MappingNode) and not is_text(field):
            data[key[-1]] = _mapping(loader, value_node, key, model, origins, path)
        elif (isinstance(value_node, yaml.ScalarNode) and is_text(field)
              and value_node.tag != "tag:yaml.org,2002:null"):
            data[key[-1]] = value_node.value  # as written: 2024-01-01, 0123, yes stay text
        else:
            data[key[-1]] = loader.construct_object(value_node, deep=True)
    return data


def rebase_paths(data: dict[str, Any], base: Path, model: type[BaseModel],
                 prefix: tuple[str, ...] = ()) -> list[str]:
    """Make the relative paths a config file gives relative to ``base``, its folder.

    The result stays relative when ``base`` is (``configs`` + ``../examples/x.txt`` ->
    ``examples/x.txt``), so a run from the project folder stores the same paths as before.
    ``~`` and absolute paths are left alone; a model is rebased only when the folder exists
    there (otherwise it is a Hub id or a path from the current folder). A path that exists
    from the current folder but not from the file's (a config written when paths were read
    from the current folder: its inputs, its run folder, its memory) keeps its old meaning.

    Returns:
        A note for each path that kept its old meaning.
    """
    notes: list[str] = []
    for key, value in data.items():
        parts = prefix + (key,)
        if isinstance(value, dict):
            notes += rebase_paths(value, base, model, parts)
            continue
        marks = markers(field_at(model, parts), IsPath)
        if not marks or not isinstance(value, str) or not value:
            continue
        if value.startswith("~") or os.path.isabs(value):
            continue
        rebased = os.path.normpath(os.path.join(base, value))
        if marks[0].model and not os.path.isdir(rebased):
            continue
        if not os.path.lexists(rebased) and os.path.lexists(value) and \
                os.path.normpath(value) != rebased:
            notes.append(f"{'.'.join(parts)}: {value} is read from the current folder, where "
                         f"it exists ({rebased}, from the config file's folder, does not); "
                         f"write it relative to the config file to silence this note")
            continue
        data[key] = rebased
    return notes


def shipped(folder: str) -> Path:
    """A folder that comes with the package (``configs``, ``examples``): inside the installed
    package, or beside it in a source checkout."""
    here = Path(__file__).parent
    inside = here / folder
    return inside if inside.is_dir() else here.parent / folder


def find_config(name: str | Path) -> Path | None:
    """A config that comes with the package, for a ``--config`` path that does not exist:
    ``default``, ``default.yaml`` or ``configs/default.yaml`` name ``configs/default.yaml``;
    any other path (``~/project/default.yaml``, ``mine/default.yaml``) is the user's own file,
    missing, and never stands for the package's."""
    given = Path(name)
    if given.is_absolute() or str(name).startswith("~") or \
            given.parent not in (Path("."), Path("configs")):
        return None
    folder = shipped("configs")
    for candidate in (folder / given.name, folder / f"{given.name}.yaml"):
        if candidate.is_file():
            return candidate
    return None


def shipped_configs() -> list[str]:
    """The names of the configs that come with the package."""
    folder = shipped("configs")
    return sorted(p.name for p in folder.glob("*.yaml")) if folder.is_dir() else []
