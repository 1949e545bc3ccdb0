#!/usr/bin/env python3
"""Writes a docker-archive image with one layer of N small files (default 1,000,000):
d000/f000000 … each holding a few bytes. Usage: make-million.py OUT.tar [N]"""
import hashlib, io, json, os, sys, tarfile, tempfile

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
tmp = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(out)))
layer = os.path.join(tmp, "layer.tar")
with tarfile.open(layer, "w", format=tarfile.GNU_FORMAT) as tf:
    dirs = (n + 999) // 1000
    for d in range(dirs):
        ti = tarfile.TarInfo(f"d{d:04}")
        ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 1700000000
        tf.addfile(ti)
        for f in range(d * 1000, min(n, (d + 1) * 1000)):
            data = f"{f}\n".encode()
            ti = tarfile.TarInfo(f"d{d:04}/f{f:07}")
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 1700000000
            tf.addfile(ti, io.BytesIO(data))
h = hashlib.sha256()
with open(layer, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
diff_id = h.hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
                     "history": [{"created_by": f"generated: {n} small files"}]}).encode()
cfg = hashlib.sha256(config).hexdigest()
manifest = json.dumps([{"Config": f"{cfg}.json", "RepoTags": ["localhost/million:latest"],
                        "Layers": [f"{diff_id}.tar"]}]).encode()
with tarfile.open(out, "w") as tf:
    tf.add(layer, f"{diff_id}.tar")
    for name, data in ((f"{cfg}.json", config), ("manifest.json", manifest)):
        ti = tarfile.TarInfo(name); ti.size = len(data); tf.addfile(ti, io.BytesIO(data))
os.remove(layer); os.rmdir(tmp)
