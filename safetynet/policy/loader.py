"""Strict loading of policy files: YAML with line numbers, per-value sources, composition.

* Every mapping and list remembers the file and line of each entry, so a schema error is
  reported as ``file:line: path: what is wrong``; duplicate keys are errors.
* A value written ``{value: X, source: ID, note: ...}`` is unwrapped to ``X`` and its source
  recorded under its path in ``Policy.value_sources``.
* ``extends: <policy file>`` makes a file a small override of another: mappings merge
  key by key, lists of items with an ``id`` merge item by item (``remove: true`` deletes
  one), anything else — a sourced ``{value: ...}`` included — is replaced.
* A hostile file is a ``PolicyError`` with its line, never another exception: text that is
  not UTF-8 or holds control characters, nesting deeper than the parser's stack, a number
  of more than ``MAX_DIGITS`` digits, a list or mapping as a key, and anchors and aliases
  that expand to more than ``MAX_VALUES`` values (an alias bomb took minutes to validate).
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from safetynet.policy.schema import Policy
from safetynet.policy.tree import PolicyError, Problem, TreeMap, TreeSeq

__all__ = [
    "PolicyError",
    "Problem",
    "load_policy",
    "load_policy_tree",
    "load_sourced_yaml",
    "locate",
    "parse_tree",
    "read_policy_text",
    "shipped_policies",
    "validate_tree",
]

SHIPPED_DIR = Path(__file__).parent / "files"
ModelT = TypeVar("ModelT", bound=BaseModel)
_SOURCED_KEYS = {"value", "source", "note"}
MAX_DIGITS = 30  # an amount in fen of a whole province fits in 20
MAX_VALUES = 200_000  # values of a file with its aliases expanded (shipped files: at most 651)


# The tree types live in tree.py (shared with checks.py and placement.py).
_Map = TreeMap
_Seq = TreeSeq


def _loader_for(filename: str, duplicates: list[Problem]) -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: Loader, node: yaml.MappingNode) -> _Map:
        loader.flatten_mapping(node)
        out = _Map()
        out.where = {}
        out.at = (filename, node.start_mark.line + 1)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be text or a number", key_node.start_mark
                )
            if key in out:  # reported with every other problem; the first one is kept
                duplicates.append(
                    Problem(filename, key_node.start_mark.line + 1, str(key), "duplicate key")
                )
                continue
            out[key] = loader.construct_object(value_node, deep=True)
            out.where[key] = (filename, key_node.start_mark.line + 1)
        return out

    def construct_sequence(loader: Loader, node: yaml.SequenceNode) -> _Seq:
        out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
        out.where = [(filename, child.start_mark.line + 1) for child in node.value]
        out.at = (filename, node.start_mark.line + 1)
        return out

    def construct_int(loader: Loader, node: yaml.ScalarNode) -> int:
        if sum(c.isdigit() for c in str(node.value)) > MAX_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of more than {MAX_DIGITS} digits", node.start_mark
            )
        return int(yaml.SafeLoader.construct_yaml_int(loader, node))

    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    return Loader


def _parse(text: str, filename: str, problems: list[Problem] | None = None) -> _Map:
    """The file's tree; duplicate keys go to ``problems`` (raised at once when not given)."""
    duplicates: list[Problem] = []
    try:
        tree = yaml.load(text, Loader=_loader_for(filename, duplicates))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        raise PolicyError([Problem(filename, line, "", f"not valid YAML: {exc.problem}")]) from exc
    except yaml.reader.ReaderError as exc:  # a control character (NUL, …) in the text
        line = text.count("\n", 0, exc.position) + 1
        what = f"not valid YAML: character #x{exc.character:04x} is not allowed"
        raise PolicyError([Problem(filename, line, "", what)]) from None
    except RecursionError:
        what = "not valid YAML: nested too deeply"
        raise PolicyError([Problem(filename, None, "", what)]) from None
    if not isinstance(tree, _Map):
        raise PolicyError([Problem(filename, 1, "", "a policy file must be a YAML mapping")])
    if _expanded(tree, {}) > MAX_VALUES:
        what = f"anchors and aliases expand to more than {MAX_VALUES:,} values"
        raise PolicyError([Problem(filename, None, "", what)])
    if duplicates and problems is None:
        raise PolicyError(duplicates)
    if problems is not None:
        problems += duplicates
    return tree


def _expanded(node: Any, seen: dict[int, int]) -> int:
    """How many values ``node`` holds with every alias expanded (each shared node counted
    once per use, computed once): a few anchors nested nine deep are 43 million values."""
    if not isinstance(node, dict | list):
        return 1
    if id(node) not in seen:
        seen[id(node)] = 0  # an alias inside itself is refused by YAML; guard all the same
        children = node.values() if isinstance(node, dict) else node
        seen[id(node)] = 1 + sum(min(_expanded(c, seen), MAX_VALUES + 1) for c in children)
    return seen[id(node)]


def read_policy_text(path: Path) -> str:
    """A policy or rules file's text: a ``PolicyError`` naming the line when not UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        what = f"not UTF-8 text (byte {exc.start + 1}); save the file as UTF-8"
        raise PolicyError([Problem(str(path), line, "", what)]) from None


def _merge(base: Any, override: Any) -> Any:
    """Deep-merge ``override`` onto ``base`` (see module docstring)."""
    wrapped = any(isinstance(x, _Map) and "value" in x for x in (base, override))
    if isinstance(base, _Map) and isinstance(override, _Map) and not wrapped:
        out = _Map(base)
        out.where = dict(base.where)
        out.at = override.at
        for key, value in override.items():
            out[key] = _merge(base[key], value) if key in base else value
            out.where[key] = override.where[key]
        return out
    if (
        isinstance(base, _Seq)
        and isinstance(override, _Seq)
        and all(isinstance(x, dict) and "id" in x for x in [*base, *override])
    ):
        items = _Seq(base)
        items.where = list(base.where)
        items.at = override.at
        for item, where in zip(override, override.where, strict=True):
            ids = [x["id"] for x in items]
            if item["id"] in ids:
                i = ids.index(item["id"])
                if item.get("remove") is True:
                    del items[i], items.where[i]
                else:
                    items[i] = _merge(items[i], item)
                    items.where[i] = where
            elif item.get("remove") is not True:
                items.append(item)
                items.where.append(where)
        return items  # `before:` / `after:` place items once the tree is whole (placement.py)
    return override


def _resolve_extends(name: str, relative_to: Path, shipped_dir: Path = SHIPPED_DIR) -> Path:
    """The file an ``extends: name`` of the file ``relative_to`` names: beside it, then in
    ``shipped_dir``."""
    for candidate in (relative_to.parent / name, shipped_dir / name):
        for path in (candidate, candidate.with_suffix(".yaml")):
            if path.is_file():
                return path
    raise FileNotFoundError(name)


def _read_tree(
    path: Path,
    seen: tuple[Path, ...] = (),
    problems: list[Problem] | None = None,
    shipped_dir: Path = SHIPPED_DIR,
) -> _Map:
    path = path.resolve()
    if path in seen:
        raise PolicyError([Problem(str(path), None, "extends", "policy files extend in a circle")])
    tree = _parse(read_policy_text(path), str(path), problems)
    parent = tree.pop("extends", None)
    if parent is None:
        return tree
    try:
        parent_path = _resolve_extends(str(parent), path, shipped_dir)
    except FileNotFoundError:
        line = tree.where.get("extends", (str(path), None))[1]
        raise PolicyError(
            [Problem(str(path), line, "extends", f"no policy file named {parent!r}")]
        ) from None
    return _merge(_read_tree(parent_path, (*seen, path), problems, shipped_dir), tree)


def _unwrap_sources(node: Any, path: str, found: dict[str, str]) -> Any:
    """Replace ``{value:, source:}`` wrappers by their value; record path -> source."""
    if isinstance(node, _Map):
        if "value" in node and set(node) <= _SOURCED_KEYS:
            if "source" in node:
                found[path] = str(node["source"])
            return _unwrap_sources(node["value"], path, found)
        for key in list(node):
            node[key] = _unwrap_sources(node[key], f"{path}.{key}" if path else str(key), found)
        return node
    if isinstance(node, _Seq):
        for i, item in enumerate(node):
            label = item["id"] if isinstance(item, dict) and "id" in item else str(i)
            node[i] = _unwrap_sources(item, f"{path}.{label}", found)
        return node
    return node


def _locate(tree: _Map, loc: Iterable[Any], default_file: str) -> tuple[str, int | None, str]:
    """Follow a pydantic error location through the tree: file, line and a readable path.

    Parts of the location that are not in the file (union tags) are skipped; a trailing
    field name that is not in the file (a missing key) is named anyway.
    """
    node: Any = tree
    file, line = tree.at
    parts: list[str] = []
    resolved_last = True
    for part in loc:
        resolved_last = True
        if isinstance(node, _Map) and part in node:
            file, line = node.where[part]
            node = node[part]
            parts.append(str(part))
        elif isinstance(node, _Seq) and isinstance(part, int) and 0 <= part < len(node):
            file, line = node.where[part]
            node = node[part]
            label = node.get("id") if isinstance(node, dict) else None
            parts.append(f"[{label or part}]")
        else:
            resolved_last = False
    if not resolved_last and isinstance(part, str) and "[" not in part and "-" not in part:
        parts.append(part)
    return file or default_file, line, ".".join(parts).replace(".[", "[")


def _rank(err: Any) -> int:
    """Prefer our own validators' words over a union branch the input was not meant for."""
    if err["type"] == "value_error":
        return 0
    if err["type"] in ("dict_type", "list_type", "model_type") and not isinstance(
        err.get("input"), dict | list
    ):
        return 2
    return 1


def _problems(exc: ValidationError, tree: _Map, filename: str) -> list[Problem]:
    best: dict[str, tuple[int, Problem]] = {}
    for err in exc.errors():
        loc = (
            err["loc"]
            if err["type"] == "missing"
            else err["loc"][:-1]
            if (err["loc"] and str(err["loc"][-1]).startswith("function-"))
            else err["loc"]
        )
        file, line, path = _locate(tree, loc, filename)
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key (check its spelling)"
        elif err["type"] == "missing":
            message = "required but missing"
        key = f"{file}:{line}:{path}"
        rank = _rank(err)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, Problem(file, line, path, message))
    return [problem for _, problem in best.values()]


def load_policy(path: str | Path) -> Policy:
    """Load, compose and validate a policy file; raise ``PolicyError`` naming file and line.

    Every problem of the file is reported in one go: the schema's, the references' (sources,
    disease groups, pools, ids), rule placement (``before:`` / ``after:``) and rules that an
    earlier rule of their layer always shadows.
    """
    from safetynet.policy.checks import check_tree, shadowed_rules
    from safetynet.policy.placement import place_items

    path = Path(path)
    if not path.is_file():
        shipped = _resolve_shipped(str(path))
        if shipped is None:
            if path.suffix in (".yaml", ".yml") or len(path.parts) > 1:  # a file, not a name
                raise PolicyError([Problem("", None, "", f"file not found: {path}")])
            raise PolicyError([Problem(str(path), None, "", _not_found(str(path)))])
        path = shipped
    problems: list[Problem] = []
    tree = _read_tree(path, problems=problems)
    problems += place_items(tree)
    problems += check_tree(tree)
    value_sources: dict[str, str] = {}
    _unwrap_sources(tree, "", value_sources)
    policy = None
    try:
        policy = Policy.model_validate(
            {**tree, "value_sources": value_sources}, context={"located": True}
        )
    except ValidationError as exc:
        problems += _problems(exc, tree, str(path))
    problems += shadowed_rules(tree)
    if problems or policy is None:
        raise PolicyError(_in_order(problems, str(path)))
    return policy


def load_sourced_yaml(
    path: str | Path, model: type[ModelT], *, shipped_dir: Path
) -> tuple[ModelT, dict[str, str]]:
    """Load any dated, sourced YAML file with this module's strict rules into ``model``.

    The same machinery as :func:`load_policy` — line-numbered trees, duplicate keys,
    ``extends`` (resolved beside the file, then in ``shipped_dir``), ``{value:, source:}``
    unwrapping — without the settlement policy's own checks. Returns the validated model and
    the source of each sourced value by its path; raises ``PolicyError`` naming file:line.
    """
    path = Path(path)
    if not path.is_file():
        for candidate in (shipped_dir / path.name, shipped_dir / f"{path.name}.yaml"):
            if len(path.parts) == 1 and candidate.is_file():
                path = candidate
                break
        else:
            raise PolicyError([Problem("", None, "", f"file not found: {path}")])
    problems: list[Problem] = []
    tree = _read_tree(path, problems=problems, shipped_dir=shipped_dir)
    value_sources: dict[str, str] = {}
    _unwrap_sources(tree, "", value_sources)
    result = None
    try:
        result = model.model_validate(dict(tree), context={"located": True})
    except ValidationError as exc:
        problems += _problems(exc, tree, str(path))
    if problems or result is None:
        raise PolicyError(_in_order(problems, str(path.resolve())))
    return result, value_sources


def _in_order(problems: list[Problem], main: str) -> list[Problem]:
    """Each problem once: the file's own first, by line, then those of the files it extends."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file != main, p.file, p.line or 0))


def _not_found(name: str) -> str:
    """ "no such policy file", with the shipped names that look like ``name``."""
    close = difflib.get_close_matches(Path(name).stem, list(shipped_policies()), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"no such policy file{hint} (`safetynet policy list` lists the shipped ones)"


def _resolve_shipped(name: str) -> Path | None:
    for path in (SHIPPED_DIR / name, SHIPPED_DIR / f"{name}.yaml"):
        if path.is_file():
            return path
    return None


resolve_extends = _resolve_extends


def shipped_policies() -> dict[str, Path]:
    """The policy files shipped with SafetyNet, by file stem."""
    return {p.stem: p for p in sorted(SHIPPED_DIR.glob("*.yaml"))}


def parse_tree(text: str, filename: str) -> TreeMap:
    """A YAML mapping whose entries remember their file and line (for files beside the
    policies, such as their worked examples); raises ``PolicyError`` like a policy file."""
    return _parse(text, filename)


def locate(tree: TreeMap, loc: Iterable[Any], default_file: str) -> tuple[str, int | None, str]:
    """File, line and readable path of a pydantic error location in a parsed tree."""
    return _locate(tree, loc, default_file)


def read_tree(path: Path) -> TreeMap:
    """A YAML file as a tree whose entries remember their file and line (``extends``
    resolved), for the other files written like policies (contribution policies, the
    indicators' definitions); raises ``PolicyError`` like a policy file."""
    return _read_tree(path)


def unwrap_sources(tree: TreeMap) -> dict[str, str]:
    """Replace the tree's ``{value:, source:}`` wrappers by their value, in place; returns
    the source of each sourced value by its path."""
    found: dict[str, str] = {}
    _unwrap_sources(tree, "", found)
    return found


def validation_problems(exc: ValidationError, tree: TreeMap, filename: str) -> list[Problem]:
    """A pydantic validation error of a tree as problems naming file, line and path."""
    return _problems(exc, tree, filename)


def load_policy_tree(path: str | Path) -> tuple[TreeMap, dict[str, str], str]:
    """A policy file composed (``extends``, placement), checked and unwrapped, before the
    schema: the tree as written (yuan, ``"60%"``), each value's source by path, and the file.
    Write a value into the tree and :func:`validate_tree` it to get a variant policy (the
    policy search does)."""
    from safetynet.policy.checks import check_tree
    from safetynet.policy.placement import place_items

    path = Path(path)
    if not path.is_file():
        shipped = _resolve_shipped(str(path))
        if shipped is None:
            raise PolicyError([Problem(str(path), None, "", _not_found(str(path)))])
        path = shipped
    problems: list[Problem] = []
    tree = _read_tree(path, problems=problems)
    problems += place_items(tree)
    problems += check_tree(tree)
    if problems:
        raise PolicyError(_in_order(problems, str(path)))
    value_sources: dict[str, str] = {}
    _unwrap_sources(tree, "", value_sources)
    return tree, value_sources, str(path)


def validate_tree(tree: TreeMap, value_sources: dict[str, str], filename: str) -> Policy:
    """Validate a tree from :func:`load_policy_tree` as :func:`load_policy` validates a file;
    ``PolicyError`` names path and reason."""
    from safetynet.policy.checks import shadowed_rules

    try:
        policy = Policy.model_validate(
            {**tree, "value_sources": value_sources}, context={"located": True}
        )
    except ValidationError as exc:
        raise PolicyError(_in_order(_problems(exc, tree, filename), filename)) from None
    problems = shadowed_rules(tree)
    if problems:
        raise PolicyError(_in_order(problems, filename))
    return policy
