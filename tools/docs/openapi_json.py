#!/usr/bin/env python3
"""Converts docs/openapi.yaml to the JSON the API serves at /api/openapi.json.

Usage: openapi_json.py IN.yaml OUT.json

Also refuses a document whose local $refs do not resolve or whose
operationIds repeat, so a broken contract fails the build, not a reader.
"""
import json
import sys

import yaml


def walk(node, refs):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            refs.append(ref)
        for v in node.values():
            walk(v, refs)
    elif isinstance(node, list):
        for v in node:
            walk(v, refs)


def resolve(doc, ref):
    if not ref.startswith("#/"):
        return False
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not str(doc.get("openapi", "")).startswith("3.1"):
        sys.exit("openapi_json: not an OpenAPI 3.1 document")
    refs = []
    walk(doc, refs)
    bad = sorted({r for r in refs if not resolve(doc, r)})
    if bad:
        sys.exit("openapi_json: unresolved $ref: " + ", ".join(bad))
    seen = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            if op["operationId"] in seen:
                sys.exit("openapi_json: operationId repeated: " + op["operationId"])
            seen.add(op["operationId"])
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
