//! Architecture Invariant: a `wants` predicate never allocates (it runs on every entry of
//! every layer). A counting global allocator checks it over paths of every kind, after one
//! warm-up call: an index built once on first use (the binary classifiers' names) is not a
//! per-entry cost.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use plinth_catalog::{CATALOGERS, FileMeta};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn wants_predicates_do_not_allocate() {
    let paths = [
        "/var/lib/dpkg/status",
        "/var/lib/dpkg/status.d/libc6",
        "/var/lib/dpkg/status.d/libc6.md5sums",
        "/lib/apk/db/installed",
        "/var/lib/rpm/rpmdb.sqlite",
        "/usr/lib/sysimage/rpm/Packages.db",
        "/usr/lib/python3/dist-packages/six-1.16.0.egg-info",
        "/usr/local/lib/python3.11/site-packages/idna-2.10.dist-info/METADATA",
        "/app/node_modules/@types/node/package.json",
        "/app/node_modules/minimist/test/package.json",
        "/opt/app/lib/commons-io-2.11.0.jar",
        "/usr/bin/bash",
        "/src/web/package-lock.json",
        "/src/py/requirements-dev.txt",
        "/src/go.mod",
        "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.1.0.gemspec",
        "/app/vendor/composer/installed.json",
        "/app/app.deps.json",
        "/opt/conda/conda-meta/numpy-1.26.4-py311h.json",
        "/usr/share/zoneinfo/Europe/Berlin",
        "",
        "/",
    ];
    let warm = FileMeta {
        path: "/usr/bin/warm-up",
        size: 1,
        mode: 0o644,
    };
    for c in CATALOGERS {
        (c.wants)(&warm);
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut hits = 0;
    for path in paths {
        for mode in [0o644, 0o755, 0o100755, 0o040755] {
            let meta = FileMeta {
                path,
                size: 4096,
                mode,
            };
            hits += CATALOGERS.iter().filter(|c| (c.wants)(&meta)).count();
        }
    }
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed), before);
    assert!(hits > 10);
}
