#!/usr/bin/env python3
"""Validates lesson files against resources/lesson.schema.json, the JSON Schema editors use.

    validate_schema.py [--schema SCHEMA] [FILE...]

Without FILE, checks every shipped lesson (lessons/*.yaml; the scenarios in lessons/scenarios/ are not
lessons) and tests/lessons/readme-example.yaml. Prints one line per violation, FILE:LINE:COL: PATH: message, and
exits 1 when there is any, 2 when a file or the schema cannot be read. Needs Debian's python3-jsonschema
and python3-yaml.

YAML is read as YAML 1.2's core schema reads it, as editors' YAML language servers do: `yes`, `on` and
dates stay text, so that the schema sees the same values an editor checks.
"""

import argparse
import pathlib
import re
import sys

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


class CoreLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars: no 1.1 booleans (yes/no/on/off), no timestamps,
    no sexagesimal or underscored numbers."""


CoreLoader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
]:
    CoreLoader.add_implicit_resolver(tag, re.compile(pattern), list(first))


def construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 0) if text.startswith("0x") else int(text, 10)


CoreLoader.add_constructor("tag:yaml.org,2002:int", construct_int)


def default_files():
    lessons = sorted((ROOT / "lessons").glob("*.yaml"))
    return lessons + [ROOT / "tests" / "lessons" / "readme-example.yaml"]


def place(node, path):
    """The mark of the node at `path` in the composed document (the nearest one that exists)."""
    mark = node.start_mark
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
            if found is None:
                break
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        mark = node.start_mark
    return mark


def validate(path, validator):
    """Prints the file's violations; returns how many there are (or None when it cannot be read)."""
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
        loader = CoreLoader(text)
        try:
            node = loader.get_single_node()
            document = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        print(f"{path}: cannot be read: {e}", file=sys.stderr)
        return None
    if node is None:
        print(f"{path}:1:1: (document): the file is empty", file=sys.stderr)
        return 1
    count = 0
    for error in sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        mark = place(node, list(error.absolute_path))
        print(f"{path}:{mark.line + 1}:{mark.column + 1}: {where}: {error.message}", file=sys.stderr)
        count += 1
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", default=str(ROOT / "resources" / "lesson.schema.json"))
    parser.add_argument("files", nargs="*")
    arguments = parser.parse_args()
    try:
        schema = yaml.load(pathlib.Path(arguments.schema).read_text(encoding="utf-8"), Loader=CoreLoader)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except (OSError, yaml.YAMLError, jsonschema.exceptions.SchemaError) as e:
        print(f"{arguments.schema}: not a usable JSON Schema: {e}", file=sys.stderr)
        return 2
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER if hasattr(cls, "FORMAT_CHECKER") else None)

    files = arguments.files or [str(p) for p in default_files()]
    if not files:
        print("validate_schema.py: no lesson files", file=sys.stderr)
        return 2
    unreadable = violations = 0
    for path in files:
        found = validate(path, validator)
        if found is None:
            unreadable += 1
        else:
            violations += found
    print(f"lesson schema: {len(files)} files, {violations} violations"
          + (f", {unreadable} unreadable" if unreadable else ""))
    if unreadable:
        return 2
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
