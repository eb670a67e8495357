"""Input tables validated one way: a strict base for every table, and one line per mistake.

Scenario files, mechanism parameters, experiment files and their `[sensitivity]` table all build
on `StrictTable`: an unknown key is an error, no value is converted (`trust = true`, `count =
true` or `steps = "120"` are errors, not 1 and 120), and inf and nan are refused wherever a
number is read. `validated` turns pydantic's first error into one line that names the file, the
key, what is wrong and what is allowed (`explain`).
"""

from __future__ import annotations

import difflib
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from collabsim.errors import CollabsimInputError

STRICT = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)
_UNION_TAGS = ("float", "int", "bool", "str")  # pydantic names a union's member in the location


class StrictTable(BaseModel):
    """Base for every table of an input file: unknown keys are errors, nothing is converted."""

    model_config = STRICT


def validated[M: BaseModel](
    table: type[M], data: Any, source: str, prefix: tuple[str, ...] = ()
) -> M:
    """Validate plain data into `table`, or raise one clear CollabsimInputError."""
    try:
        return table.model_validate(data)
    except ValidationError as exc:
        raise CollabsimInputError(explain(exc.errors()[0], source, table, prefix)) from None


def as_written(value: Any) -> str:
    """A value as it is written in a TOML file (true, "120", [1, 2]), cut short if long."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = '"' + value.replace('"', '\\"') + '"'
    elif isinstance(value, float) and not math.isfinite(value):
        text = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    elif isinstance(value, dict):
        text = "a table"
    elif isinstance(value, list):
        text = "an array"
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def key_path(loc: tuple[Any, ...]) -> str:
    """Where a key is, as a reader finds it in the file: organisations[2].type, range[0]."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]" if parts else f"[{item}]"]
        elif not str(item).startswith("function-"):
            parts.append(str(item))
    return ".".join(parts)


def table_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The table (pydantic model) that holds the key at loc, or None."""
    model: Any = root
    for item in loc[:-1]:
        if isinstance(item, int):
            continue
        field = model.model_fields.get(str(item))
        if field is None:
            return None
        model = inner_table(field.annotation)
        if model is None:
            return None
    return model


def inner_table(annotation: Any) -> type[BaseModel] | None:
    """The model inside an annotation such as Drivers, Drivers | None or list[Funding]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = inner_table(arg)
        if found is not None:
            return found
    return None


def allowed(table: type[BaseModel] | None, key: str) -> str:
    """What a key allows, from its field: 'allowed range 0..1' or 'allowed: a, b, c'."""
    if table is None or key not in table.model_fields:
        return ""
    field = table.model_fields[key]
    bounds = {}
    for m in field.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            if getattr(m, attr, None) is not None:
                bounds[attr] = getattr(m, attr)
    lo = bounds.get("ge", bounds.get("gt"))
    hi = bounds.get("le", bounds.get("lt"))
    choices = getattr(field.annotation, "__args__", None)
    if getattr(field.annotation, "__origin__", None) is Literal and choices:
        return "allowed: " + ", ".join(map(str, choices))
    if lo is not None and hi is not None:
        return f"allowed range {lo}..{hi}"
    if lo is not None:
        return f"allowed: at least {lo}"
    return ""


def explain(
    err: dict[str, Any], source: str, root: type[BaseModel], prefix: tuple[str, ...] = ()
) -> str:
    """One line for one pydantic error: file, key, what is wrong and what is allowed."""
    loc = tuple(err.get("loc", ()))
    if len(loc) > 1 and loc[-1] in _UNION_TAGS and isinstance(loc[-2], int):
        loc = loc[:-1]  # values.1.float: the member of list[float | int | bool | str]
    where = key_path(prefix + loc) or "(top level)"
    kind = err.get("type", "")
    table = table_at(root, loc) if loc else None
    key = str(loc[-1]) if loc else ""
    got = as_written(err.get("input"))
    if kind == "extra_forbidden":
        valid = list(table.model_fields) if table else []
        guess = difflib.get_close_matches(key, valid, n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else ""
        if valid:
            hint += f" (valid keys: {', '.join(valid)})"
        return f"{source}: unknown key '{where}'{hint}"
    if kind == "missing":
        return f"{source}: missing key '{where}'"
    if kind == "literal_error":
        return f"{source}: {where} = {got} is not valid; {allowed(table, key) or err.get('msg')}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{source}: {where} = {got} is out of range; {allowed(table, key) or err.get('msg')}"
    if kind == "finite_number":
        return f"{source}: {where} = {got} is not a finite number; give a number"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        hint = ""
        if isinstance(err.get("input"), str) and kind != "string_type":
            hint = "; write numbers and true/false without quotes"
        elif isinstance(err.get("input"), bool):
            hint = "; true/false is not a number here"
        return f"{source}: {where} = {got} has the wrong type ({err.get('msg', '').lower()}){hint}"
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if "input" in err and kind != "value_error" and loc:
        return f"{source}: {where} = {got}: {msg}"
    return f"{source}: {where}: {msg}" if loc else f"{source}: {msg}"
