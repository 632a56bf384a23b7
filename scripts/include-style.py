#!/usr/bin/env python3
"""The project's one include style, shared by scripts/format.sh (--fix) and
scripts/check-format.sh (--check); --list prints the C files both work on.

A project header is named by its path from the repository root, in quotes
("app/order_service.h", "infrastructure/http/api_call.h"), from every file,
its own folder included: one spelling per header, which the single include
directory (the root, CMakeLists.txt) resolves and `grep` finds. System and
library headers use angle brackets. Every #include comes before the first
line of code. The order of the include blocks (own header, C and POSIX
headers, other libraries, project headers) is .clang-format's
IncludeCategories, checked by clang-format itself.

--fix rewrites "x.h" and "../x.h" (resolved the way the compiler does: the
including file's folder first, then the root) and <project/header.h> to the
root-relative quoted form. Standard library only.
"""
import os
import re
import sys

# The folders holding the project's C code; build trees, node_modules,
# fuzz corpora and hidden folders are not walked.
C_DIRS = ("domain", "app", "cmd", "infrastructure", "workers", "tools", "tests")
SKIP_DIRS = {"node_modules", "corpus"}

INCLUDE = re.compile(r'^(\s*#\s*include\s*)([<"])([^>"]*)([>"])(.*)$')


def c_files(root):
    """Paths (relative to root, sorted) of every .c and .h file of C_DIRS."""
    out = []
    for top in C_DIRS:
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith(".")]
            for f in files:
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def in_tree(root, rel):
    """True when rel is a normalised path to a file under root."""
    return (not rel.startswith("../") and not os.path.isabs(rel)
            and os.path.isfile(os.path.join(root, rel)))


def resolve(root, path, name):
    """The root-relative path of the file `#include "name"` in path reaches,
    or None when it names no file of the tree."""
    near = os.path.normpath(os.path.join(os.path.dirname(path), name))
    if in_tree(root, near):
        return near
    far = os.path.normpath(name)
    if in_tree(root, far):
        return far
    return None


def code_lines(lines):
    """Yields (index, is_code) per line: is_code is False for blank lines,
    comments and preprocessor directives (with their continuations)."""
    in_comment = False
    continued = False
    for i, line in enumerate(lines):
        if continued:
            continued = line.rstrip().endswith("\\")
            yield i, False
            continue
        rest = line
        if in_comment:
            end = rest.find("*/")
            if end < 0:
                yield i, False
                continue
            rest = rest[end + 2:]
            in_comment = False
        s = rest.strip()
        while s.startswith("/*"):
            end = s.find("*/", 2)
            if end < 0:
                in_comment = True
                s = ""
                break
            s = s[end + 2:].strip()
        if s.startswith("#"):
            continued = s.endswith("\\")
            yield i, False
        else:
            yield i, bool(s) and not s.startswith("//")


def wanted(root, path, opening, name):
    """The root-relative name the include should have, or None when it has
    it already (or names no file of the tree, which --check reports)."""
    if opening == "<":
        target = os.path.normpath(name)
        return target if in_tree(root, target) else None
    target = resolve(root, path, name)
    return None if target is None or target == name else target


def problems(root, path, lines):
    """(line number, message) for each include out of style or out of place."""
    out = []
    code_seen = None
    for i, is_code in code_lines(lines):
        if is_code and code_seen is None:
            code_seen = i + 1
        m = INCLUDE.match(lines[i])
        if not m:
            continue
        _, opening, name, closing, _ = m.groups()
        spelled = opening + name + closing
        if code_seen is not None:
            out.append((i + 1, "misplaced include %s: after the code of line %d"
                        % (spelled, code_seen)))
        target = wanted(root, path, opening, name)
        if opening == '"' and resolve(root, path, name) is None:
            out.append((i + 1, "include %s names no file of the tree" % spelled))
        elif target is not None:
            out.append((i + 1, 'include %s: write "%s" (the path from the root)'
                        % (spelled, target)))
    return out


def fix(root, path, lines):
    """Rewrites lines' includes to the one style; True when one changed."""
    changed = False
    for i, line in enumerate(lines):
        m = INCLUDE.match(line)
        if not m:
            continue
        lead, opening, name, _, tail = m.groups()
        target = wanted(root, path, opening, name)
        if target is not None:
            lines[i] = '%s"%s"%s' % (lead, target, tail)
            changed = True
    return changed


def main(argv):
    if len(argv) < 3 or argv[1] not in ("--fix", "--check", "--list"):
        sys.stderr.write("usage: include-style.py --fix|--check|--list ROOT [FILE...]\n")
        return 2
    mode, root = argv[1], argv[2]
    files = argv[3:] or c_files(root)
    if mode == "--list":
        for f in files:
            print(f)
        return 0
    bad = 0
    for path in files:
        with open(os.path.join(root, path), encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        if mode == "--check":
            for line, msg in problems(root, path, lines):
                print("%s:%d: %s" % (path, line, msg))
                bad += 1
            continue
        if fix(root, path, lines):
            with open(os.path.join(root, path), "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
