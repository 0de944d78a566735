#!/usr/bin/python3
"""Lists the functions of Backlog's own sources (model/, views/, app/) longer than a limit.

Parses each translation unit of a build's compile_commands.json with libclang (Debian's python3-clang-14),
so lambdas, raw strings and macros are read as the compiler reads them. A function's length is the
number of lines from its name to its closing brace. Exit status 1 when a function is over the limit.

    tests/style/function_lengths.py BUILD_DIR [--limit 120] [--top N]
"""
import argparse
import json
import multiprocessing
import os
import shlex
import sys

import clang.cindex as ci

# Compared by number: the bindings do not name every kind libclang reports (OpenMP's, for one).
KINDS = {k.value for k in (ci.CursorKind.FUNCTION_DECL, ci.CursorKind.CXX_METHOD, ci.CursorKind.CONSTRUCTOR,
                           ci.CursorKind.DESTRUCTOR, ci.CursorKind.FUNCTION_TEMPLATE,
                           ci.CursorKind.CONVERSION_FUNCTION)}


def load_library():
    if ci.Config.loaded:
        return
    for path in ("/usr/lib/llvm-14/lib/libclang-14.so.1", "/usr/lib/llvm-14/lib/libclang.so.1"):
        if os.path.exists(path):
            ci.Config.set_library_file(path)
            return


def functions_in(tu, root):
    """(file, first line, lines, name) of every function defined in a file under root."""
    for cursor in tu.cursor.walk_preorder():
        if cursor._kind_id not in KINDS or not cursor.is_definition():
            continue
        start, end = cursor.extent.start, cursor.extent.end
        if start.file is None:
            continue
        path = os.path.realpath(start.file.name)
        if not path.startswith(root):
            continue
        yield path[len(root):], start.line, end.line - start.line + 1, cursor.spelling


def measure(c):
    """The functions of one translation unit, and an error message if libclang could not read it."""
    load_library()
    source = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", "..")) + "/"
    argv = shlex.split(c["command"])[1:] if "command" in c else c["arguments"][1:]
    # Keep what changes the parse (defines, includes, the standard); drop output and dependency flags.
    keep, take_next = [], False
    for a in argv:
        if take_next:
            keep.append(a)
            take_next = False
        elif a in ("-isystem", "-I", "-D", "-include"):
            keep.append(a)
            take_next = True
        elif a.startswith(("-I", "-D", "-std=", "-isystem", "-f")):
            keep.append(a)
    tu = ci.Index.create().parse(c["file"], args=keep + ["-Wno-everything"])
    errors = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
    # A function cut short by an error would be measured short: say so, and fail.
    error = f"{c['file']}: libclang could not read it: {errors[0]}" if errors else None
    functions = [f for f in functions_in(tu, source) if f[0].startswith(("model/", "views/", "app/"))]
    return functions, error


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("--limit", type=int, default=120)
    parser.add_argument("--top", type=int, default=0, help="also print the N longest functions")
    args = parser.parse_args()
    load_library()
    source = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", "..")) + "/"
    ours = tuple(source + d for d in ("model/", "views/", "app/"))
    with open(os.path.join(args.build, "compile_commands.json")) as f:
        commands = [c for c in json.load(f) if os.path.realpath(c["file"]).startswith(ours)]
    with multiprocessing.Pool() as pool:
        results = pool.map(measure, commands)
    found, failed = {}, False
    for functions, error in results:
        if error:
            print(error, file=sys.stderr)
            failed = True
        for path, line, length, name in functions:
            found[(path, line)] = (length, name)
    longest = sorted(((length, path, line, name) for (path, line), (length, name) in found.items()), reverse=True)
    over = [f for f in longest if f[0] > args.limit]
    for length, path, line, name in longest[: max(args.top, len(over))]:
        mark = "over" if length > args.limit else "    "
        print(f"{mark} {length:4d} lines  {path}:{line}  {name}")
    print(f"{len(found)} functions in {len(commands)} files; {len(over)} over {args.limit} lines")
    return 1 if over or failed else 0


if __name__ == "__main__":
    sys.exit(main())
