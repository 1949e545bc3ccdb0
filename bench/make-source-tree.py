#!/usr/bin/env python3
"""Writes a generated source tree of about SIZE_MB megabytes (default 1024) for the secrets
benchmark: nested directories of Python, JavaScript, Go, YAML, JSON, logs, minified one-line
bundles and ~10 % binaries, with a few planted (non-working) AWS keys, tokens and
lookalikes. Deterministic: the same SIZE_MB gives the same bytes on every run, and a smaller
tree is the start of a bigger one (100 MB for instruction counts, 1024 MB for wall time).

Usage: make-source-tree.py DIR [SIZE_MB]
"""
import os
import random
import sys

root = sys.argv[1]
size_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
rng = random.Random(16)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

def word(n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(n))

def block(kind):
    lines = []
    for i in range(400):
        w, v = word(8), word(6)
        if kind == "py":
            lines.append(f"    def {w}(self, {v}):\n        return self.{v}_{i} + {i}  # {word(12)}")
        elif kind == "js":
            lines.append(f"export function {w}({v}) {{ return {v}.map(x => x * {i}); }} // {word(10)}")
        elif kind == "go":
            lines.append(f"func {w}({v} int) int {{ return {v} * {i} }} // {word(14)}")
        elif kind == "yaml":
            lines.append(f"{w}:\n  {v}: \"{word(20)}\"\n  replicas: {i}")
        elif kind == "json":
            lines.append(f'  "{w}": {{"{v}": {i}, "integrity": "sha512-{"".join(rng.choice(ALNUM) for _ in range(86))}=="}},')
        else:
            lines.append(f"2026-12-03T08:{i % 60:02d}:00Z INFO {w} served {v} in {i}ms request_id={rng.getrandbits(64):016x}")
    return "\n".join(lines) + "\n"

BLOCKS = {k: block(k) for k in ["py", "js", "go", "yaml", "json", "log"]}
SECRETS = [
    "AWS_ACCESS_KEY_ID=AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
    "token: ghp_" + "".join(rng.choice(ALNUM) for _ in range(36)),
    'stripe = "sk_live_' + "".join(rng.choice(ALNUM) for _ in range(24)) + '"',
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
]

total = 0
target = size_mb << 20
n = 0
while total < target:
    d = os.path.join(root, f"svc{n % 37}", f"pkg{n % 11}", f"mod{n % 5}")
    os.makedirs(d, exist_ok=True)
    kind = rng.choice(["py", "js", "go", "yaml", "json", "log", "min", "bin"])
    size = int(rng.lognormvariate(11.5, 1.2))  # median ~100 kB, a tail of MBs
    size = max(512, min(size, 8 << 20))
    path = os.path.join(d, f"f{n}.{kind}")
    with open(path, "wb") as f:
        if kind == "bin":
            # Its own generator, so the text files are the same as before binaries were seeded.
            data = b"\x7fELF\x02\x01\x01\x00" + random.Random(n).randbytes(size)
            f.write(data)
        else:
            text = BLOCKS["js"].replace("\n", " ") if kind == "min" else BLOCKS[kind]
            reps = max(1, size // len(text))
            body = text * reps
            if n % 50 == 0:
                at = len(body) // 2
                body = body[:at] + "\n" + SECRETS[n // 50 % len(SECRETS)] + "\n" + body[at:]
            data = body.encode()
            f.write(data)
    total += len(data)
    n += 1
print(f"{n} files, {total >> 20} MB in {root}")
