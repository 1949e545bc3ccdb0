#!/usr/bin/env python3
"""Writes a source tree of FILES files (default 50,000) of which LOCKS (default 200) are
lockfiles, for bench/lockfiles.sh: package-lock.json, Cargo.lock, requirements.txt, go.mod and
poetry.lock in turn, each naming 40 packages; the rest are small source files in nested
directories.

Usage: make-tree.py OUT [FILES] [LOCKS]"""
import json, os, sys

out = sys.argv[1]
files = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
locks = int(sys.argv[3]) if len(sys.argv) > 3 else 200
N = 40


def package_lock(i):
    pk = {"": {"name": f"app{i}", "version": "1.0.0",
               "dependencies": {f"dep{j}": "^1" for j in range(N)}}}
    for j in range(N):
        pk[f"node_modules/dep{j}"] = {"version": f"1.{i % 7}.{j}", "dev": j % 5 == 0}
    return "package-lock.json", json.dumps({"name": f"app{i}", "lockfileVersion": 3, "packages": pk}, indent=2)


def cargo_lock(i):
    body = "version = 3\n"
    for j in range(N):
        body += f'\n[[package]]\nname = "crate{j}"\nversion = "0.{i % 9}.{j}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n'
    return "Cargo.lock", body


def requirements(i):
    return "requirements.txt", "".join(f"pkg{j}=={i % 5}.{j}.0\n" for j in range(N))


def go_mod(i):
    reqs = "".join(f"\tgithub.com/org{j}/mod{j} v1.{i % 4}.{j}\n" for j in range(N))
    return "go.mod", f"module example.com/m{i}\n\ngo 1.22\n\nrequire (\n{reqs})\n"


def poetry_lock(i):
    return "poetry.lock", "".join(
        f'[[package]]\nname = "py{j}"\nversion = "2.{i % 3}.{j}"\noptional = false\n\n' for j in range(N))


makers = [package_lock, cargo_lock, requirements, go_mod, poetry_lock]
for i in range(locks):
    d = os.path.join(out, f"proj{i}")
    os.makedirs(d, exist_ok=True)
    name, text = makers[i % len(makers)](i)
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
for k in range(files - locks):
    d = os.path.join(out, f"proj{k % locks}", "src", f"mod{(k // locks) % 25}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file{k}.py"), "w") as f:
        f.write(f"# source file {k}\nprint({k})\n")
