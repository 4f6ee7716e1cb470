"""Validation errors in the user's words: where the value came from, the key, what it takes.

    --set translate.batch_size=0: translate.batch_size must be a whole number of at least 1,
    or auto, not 0
    configs/x.yaml, line 40: unknown key translate.num_beam (did you mean translate.num_beams?);
    the keys of translate are model, revision, ...

What a key takes is read from its type (a whole number and its bounds, the names a choice
allows, true or false, text, null), never from the validator's own wording.
"""

from __future__ import annotations

import difflib
import json
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from .config_io import Allowed, Origins, field_at, markers, members


def describe(exc: ValidationError, model: type[BaseModel], origins: Origins,
             default_origin: str) -> str:
    """One line for every key in error (alternatives of one key merged into one)."""
    lines: dict[tuple[str, ...], str] = {}
    for error in exc.errors():
        loc = _field_loc(model, tuple(str(p) for p in error["loc"]))
        if loc in lines:
            continue
        where = _origin(origins, loc) or default_origin
        if not loc:  # a check across keys: its message names them; where the first came from
            message = str(error.get("ctx", {}).get("error") or error["msg"])
            named = sorted((message.find(".".join(key)), -len(key), ".".join(key), w)
                           for key, w in origins.items() if ".".join(key) in message)
            # each key named once (its own origin, not its section's), in the message's order
            keys: dict[str, str] = {}
            for _, _, key, w in named:
                if not any(k.startswith(key + ".") or key.startswith(k + ".") for k in keys):
                    keys.setdefault(key, w)
            where = " and ".join(dict.fromkeys(keys.values())) or default_origin
            lines[loc] = f"{where}: {message}"
        elif error["type"] == "extra_forbidden":
            lines[loc] = f"{where}: {unknown_key(model, loc)}"
        elif error["type"] == "value_error" and loc and field_at(model, loc) is None:
            lines[loc] = f"{where}: {error['ctx']['error']}"  # a check across keys
        else:
            lines[loc] = f"{where}: {_bad_value(model, loc, error)}"
    return "; ".join(lines.values())


def _field_loc(model: type[BaseModel], loc: tuple[str, ...]) -> tuple[str, ...]:
    """The key an error is about: its location cut where it leaves the config's fields (the
    alternatives of a union: ``constrained-int``, ``literal['auto']``)."""
    for depth in range(1, len(loc) + 1):
        if field_at(model, loc[:depth]) is None:
            parent = field_at(model, loc[:depth - 1]) if depth > 1 else None
            is_section = parent is not None and isinstance(parent.annotation, type) and \
                issubclass(parent.annotation, BaseModel)
            return loc[:depth - 1] if parent is not None and not is_section else loc[:depth]
    return loc


def _origin(origins: Origins, loc: tuple[str, ...]) -> str | None:
    """Where the value at ``loc`` came from: its own origin, a section's given whole, or the
    first key given inside it (an unknown section)."""
    for depth in range(len(loc), 0, -1):
        if loc[:depth] in origins:
            return origins[loc[:depth]]
    return next((where for key, where in origins.items() if key[:len(loc)] == loc), None)


def _bad_value(model: type[BaseModel], loc: tuple[str, ...], error: dict[str, Any]) -> str:
    key = ".".join(loc)
    field = field_at(model, loc)
    if field is None:
        return f"{key}: {error['msg']}"
    custom = error.get("ctx", {}).get("error") if error["type"] == "value_error" else None
    if custom is not None:
        return f"{key}: {custom}"
    return f"{key} must be {allowed(field)}, not {shown(error.get('input'))}"


def shown(value: Any) -> str:
    """A value as it would be written in YAML: 'text', 3, true, null."""
    if isinstance(value, str):
        return repr(value) if value else "empty"
    if isinstance(value, (bool, type(None))):
        return json.dumps(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def allowed(field: FieldInfo) -> str:
    """What a field takes, in words: ``a whole number from 1 to 32, or null``."""
    custom = markers(field, Allowed)
    parts: list[str] = []
    nullable = False
    for member in _alternatives(field):
        kind, constraints = member
        if kind is type(None):
            nullable = True
        elif custom and kind is str:
            parts.append(custom[0].text)
        else:
            parts.append(_kind(kind, constraints))
    if nullable:
        parts.append("null")
    return ", or ".join(parts)


def _alternatives(field: FieldInfo) -> list[tuple[Any, list[Any]]]:
    """Each type a field takes with its constraints (``ge``, ``le``...)."""
    found = []
    stack = [(field.annotation, list(field.metadata))]
    while stack:
        annotation, constraints = stack.pop(0)
        args = get_args(annotation)
        if get_origin(annotation) is Annotated:
            extra = [c for m in args[1:]
                     for c in (m.metadata if isinstance(m, FieldInfo) else [m])]
            stack.insert(0, (args[0], constraints + extra))
        elif len(members(annotation)) > 1:
            stack[:0] = [(a, constraints) for a in args]
        else:
            found.append((annotation, constraints))
    return found


def _kind(kind: Any, constraints: list[Any]) -> str:
    if get_origin(kind) is Literal:
        names = [str(v) for v in get_args(kind)]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    if kind is bool:
        return "true or false"
    if kind is int:
        return "a whole number" + _bounds(constraints)
    if kind is float:
        return "a number" + _bounds(constraints)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return f"a section with the keys {', '.join(kind.model_fields)}"
    return "text"


def _bounds(constraints: list[Any]) -> str:
    low = next((("at least", c.ge) for c in constraints if getattr(c, "ge", None) is not None),
               None) or next((("above", c.gt) for c in constraints
                              if getattr(c, "gt", None) is not None), None)
    high = next((c.le for c in constraints if getattr(c, "le", None) is not None), None)
    if low and high is not None:
        return f" from {low[1]} to {high}" if low[0] == "at least" else \
            f" above {low[1]} and at most {high}"
    if low:
        return f" {'of at least' if low[0] == 'at least' else 'above'} {low[1]}"
    return f" of at most {high}" if high is not None else ""


def unknown_key(model: type[BaseModel], loc: tuple[str, ...]) -> str:
    """``unknown key translate.num_beam; did you mean translate.num_beams? (...)``."""
    key, parent = ".".join(loc), loc[:-1]
    section = field_at(model, parent).annotation if parent else model  # type: ignore[union-attr]
    names = list(section.model_fields)
    if not parent:
        hint = _suggestion(loc[-1], names, ())
        return f"unknown section {key}{hint}; the sections are {', '.join(names)}"
    hint = _suggestion(loc[-1], names, parent) or _elsewhere(model, loc[-1], parent)
    return f"unknown key {key}{hint}; the keys of {'.'.join(parent)} are {', '.join(names)}"


def _suggestion(name: str, names: list[str], parent: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f" (did you mean {'.'.join(parent + (close[0],))}?)" if close else ""


def _elsewhere(model: type[BaseModel], name: str, parent: tuple[str, ...]) -> str:
    """The key of that name in other sections (``translate.method`` -> ``summarise.method``)."""
    others = [f"{section}.{name}" for section, field in model.model_fields.items()
              if (section,) != parent and isinstance(field.annotation, type)
              and issubclass(field.annotation, BaseModel)
              and name in field.annotation.model_fields]
    return f" (did you mean {' or '.join(others)}?)" if others else ""
