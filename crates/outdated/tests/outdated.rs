//! `plinth_outdated::check` against a fake registry (plinth-registry's test server): token
//! auth, a 5,000-tag list served unordered, in pages, without `Link`, a 429 with Retry-After,
//! indexes with two platform manifests whose tags move, a repository with no versioned tags,
//! and an unreachable registry. Every request is logged, so the counts are checked too.

#[path = "../../registry/tests/fake/mod.rs"]
mod fake;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use fake::{Fake, Reply, Request};
use plinth_image::Digest;
use plinth_outdated::{Input, Kind, Lookup, Options, Report, Settings};

const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// What the fake serves: per repository, its tags in the (meaningless) order it lists them and
/// what each names; every manifest, index and config by digest.
#[derive(Default)]
struct World {
    tags: HashMap<String, Vec<String>>,
    named: HashMap<(String, String), Digest>,
    blobs: HashMap<Digest, (String, Vec<u8>)>,
}

impl World {
    /// A two-platform index for `repo:tag`; `build` changes its bytes (a rebuilt tag).
    fn index(&mut self, tag: &str, build: u32) -> Digest {
        let mut entries = Vec::new();
        for arch in ["amd64", "arm64"] {
            let config = format!(
                r#"{{"architecture":"{arch}","os":"linux","created":"{tag} build {build}","rootfs":{{"type":"layers","diff_ids":[]}}}}"#
            );
            let cd = self.put("application/vnd.oci.image.config.v1+json", config.clone());
            let manifest = format!(
                r#"{{"schemaVersion":2,"mediaType":"{MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{cd}","size":{}}},"layers":[]}}"#,
                config.len()
            );
            let size = manifest.len();
            let md = self.put(MANIFEST, manifest);
            entries.push(format!(
                r#"{{"mediaType":"{MANIFEST}","digest":"{md}","size":{size},"platform":{{"os":"linux","architecture":"{arch}"}}}}"#
            ));
        }
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"{INDEX}","manifests":[{}]}}"#,
            entries.join(",")
        );
        self.put(INDEX, index)
    }

    fn put(&mut self, media_type: &str, body: String) -> Digest {
        let d = Digest::of(body.as_bytes());
        self.blobs
            .insert(d.clone(), (media_type.into(), body.into_bytes()));
        d
    }

    fn tag(&mut self, repo: &str, tag: &str) {
        let d = self.index(tag, 2);
        self.tags.entry(repo.into()).or_default().push(tag.into());
        self.named.insert((repo.into(), tag.into()), d);
    }

    /// The amd64 manifest of an index.
    fn platform_manifest(&self, index: &Digest, arch: &str) -> Digest {
        let body = String::from_utf8(self.blobs[index].1.clone()).unwrap();
        let at = body.find(&format!(r#""architecture":"{arch}""#)).unwrap();
        let d = body[..at].rfind("sha256:").unwrap();
        Digest::parse(&body[d..d + 71]).unwrap()
    }
}

/// Deterministic shuffle (xorshift), so the list is in no useful order.
fn shuffle(v: &mut [String]) {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

fn world() -> World {
    let mut w = World::default();
    for t in [
        "3.11-slim-bookworm",
        "3.11.9-slim-bookworm",
        "3.12-slim-bookworm",
        "3.13-slim-bookworm",
        "3.14rc1-slim-bookworm",
        "3.12-slim-trixie",
        "3.13",
        "latest",
    ] {
        w.tag("lib/python", t);
    }
    // 4,992 more tags that are not candidates: builds of other suffixes and commit hashes.
    for i in 0..4992 {
        let t = if i % 2 == 0 {
            format!("2.{}.{}-windowsservercore", i / 100, i % 100)
        } else {
            format!("{:07x}a", i * 7919)
        };
        w.tags.get_mut("lib/python").unwrap().push(t);
    }
    shuffle(w.tags.get_mut("lib/python").unwrap());
    for t in [
        "1.22-alpine",
        "1.22.5-alpine",
        "1.23-alpine",
        "1.24rc1-alpine",
        "1.23",
    ] {
        w.tag("lib/golang", t);
    }
    for t in ["1.25", "1.27", "latest"] {
        w.tag("lib/nginx", t);
    }
    for t in [
        "bookworm-20240612",
        "bookworm-20250101",
        "trixie-20251001",
        "forky-20251101",
    ] {
        w.tag("lib/debian", t);
    }
    for t in ["main", "latest"] {
        w.tag("lib/noversions", t);
    }
    w.tag("lib/spent", "1.0");
    w
}

/// Serves `world` behind bearer-token auth; the first tag-list request of lib/golang gets a 429.
fn serve(world: World) -> Fake {
    let world = Mutex::new(world);
    let limited = AtomicBool::new(false);
    Fake::start(move |req: &Request| {
        let w = world.lock().unwrap();
        let path = req.path.as_str();
        if path.starts_with("/token") {
            return Reply::json(200, r#"{"token":"tok","expires_in":300}"#);
        }
        if req.header("authorization") != Some("Bearer tok") {
            let host = req.header("host").unwrap_or("");
            return Reply::json(401, "{}").with(
                "WWW-Authenticate",
                &format!(r#"Bearer realm="http://{host}/token",service="fake""#),
            );
        }
        let Some(rest) = path.strip_prefix("/v2/") else {
            return Reply::status(404);
        };
        if rest.is_empty() {
            return Reply::status(200);
        }
        if let Some((repo, query)) = rest.split_once("/tags/list") {
            if repo == "lib/golang" && !limited.swap(true, Ordering::Relaxed) {
                return Reply::json(429, "{}").with("Retry-After", "1");
            }
            let Some(tags) = w.tags.get(repo) else {
                return Reply::json(404, r#"{"errors":[{"code":"NAME_UNKNOWN","message":"x"}]}"#);
            };
            let param = |k: &str| {
                query
                    .trim_start_matches('?')
                    .split('&')
                    .find_map(|p| p.strip_prefix(&format!("{k}=")))
                    .map(str::to_string)
            };
            let n: usize = param("n").and_then(|n| n.parse().ok()).unwrap_or(100);
            let start = param("last")
                .and_then(|l| tags.iter().position(|t| *t == l))
                .map_or(0, |i| i + 1);
            let page: Vec<_> = tags.iter().skip(start).take(n).collect();
            let body = serde_json::json!({"name": repo, "tags": page}).to_string();
            // Docker Hub's header; the budget runs out with the listing of lib/spent.
            let left = if repo == "lib/spent" {
                "0;w=21600"
            } else {
                "99;w=21600"
            };
            let reply = Reply::json(200, &body).with("ratelimit-remaining", left);
            // Every repository but python says where the next page is.
            return match page.last() {
                Some(last) if repo != "lib/python" && start + n < tags.len() => reply.with(
                    "Link",
                    &format!(r#"</v2/{repo}/tags/list?n={n}&last={last}>; rel="next""#),
                ),
                _ => reply,
            };
        }
        if let Some((repo, reference)) = rest.split_once("/manifests/") {
            let digest = match Digest::parse(reference) {
                Some(d) => Some(d),
                None => w
                    .named
                    .get(&(repo.to_string(), reference.to_string()))
                    .cloned(),
            };
            let Some((media_type, body)) = digest.as_ref().and_then(|d| w.blobs.get(d)) else {
                return Reply::json(
                    404,
                    r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"x"}]}"#,
                );
            };
            let body = if req.method == "HEAD" {
                Vec::new()
            } else {
                body.clone()
            };
            return Reply::Full {
                status: 200,
                headers: Vec::new(),
                body,
            }
            .with("Content-Type", media_type)
            .with("Docker-Content-Digest", &digest.unwrap().to_string());
        }
        if let Some((_, d)) = rest.split_once("/blobs/")
            && let Some((_, body)) = Digest::parse(d).and_then(|d| w.blobs.get(&d))
        {
            return Reply::Full {
                status: 200,
                headers: Vec::new(),
                body: body.clone(),
            };
        }
        Reply::status(404)
    })
}

fn run(fake: &Fake, dockerfile: &str, opts: &Options, max_pages: usize) -> Report {
    let settings = Settings {
        page_size: 100,
        max_pages,
        ..Settings::default()
    };
    run_files(fake, &[("Dockerfile", dockerfile)], opts, settings)
}

fn run_files(fake: &Fake, files: &[(&str, &str)], opts: &Options, settings: Settings) -> Report {
    let lookup = Lookup::new(settings);
    let inputs: Vec<Input> = files
        .iter()
        .map(|(file, text)| Input {
            file: file.to_string(),
            text: text.replace("REG", &fake.addr),
        })
        .collect();
    plinth_outdated::check(&inputs, opts, &lookup)
}

fn updates_of(report: &Report, line: usize) -> Vec<(Kind, &str)> {
    report
        .updates
        .iter()
        .filter(|u| u.line == line)
        .map(|u| (u.update_type, u.new_from.as_str()))
        .collect()
}

#[test]
fn every_rule_against_a_fake_registry() {
    let mut w = world();
    // Pinned references to what tags named before they were rebuilt (build 1), and one
    // unchanged pin.
    let old_nginx = w.index("1.25", 1);
    let old_127 = w.index("1.27", 1);
    let old_nginx_amd64 = w.platform_manifest(&old_127, "amd64");
    let now_127 = w.named[&("lib/nginx".to_string(), "1.27".to_string())].clone();
    let now_127_amd64 = w.platform_manifest(&now_127, "amd64");
    let now_125 = w.named[&("lib/nginx".to_string(), "1.25".to_string())].clone();
    let fake = serve(w);
    let dockerfile = format!(
        "ARG BASE=REG/lib/python:3.11-slim-bookworm\n\
         FROM ${{BASE}} AS build\n\
         FROM --platform=linux/arm64 REG/lib/golang:1.22-alpine AS go\n\
         FROM REG/lib/nginx:latest\n\
         FROM REG/lib/nginx:1.25@{old_nginx}\n\
         FROM REG/lib/nginx:1.27@{now_127}\n\
         FROM REG/lib/nginx:1.27@{old_nginx_amd64}\n\
         FROM REG/lib/debian:bookworm-20240612\n\
         FROM REG/lib/noversions:main\n\
         FROM 127.0.0.1:1/lib/x:1.0\n\
         FROM build\n\
         FROM scratch\n\
         FROM REG/lib/Not::Valid\n\
         FROM REG/lib/nginx@{now_125}\n"
    );
    let report = run(&fake, &dockerfile, &Options::default(), 60);
    let a = &fake.addr;

    // Suffix and precision kept, prerelease skipped, variant separate; rewritten at the ARG.
    let python = updates_of(&report, 2);
    assert_eq!(
        python
            .iter()
            .map(|(k, f)| (*k, f.to_string()))
            .collect::<Vec<_>>(),
        [
            (Kind::Minor, format!("{a}/lib/python:3.13-slim-bookworm")),
            (Kind::Variant, format!("{a}/lib/python:3.12-slim-trixie")),
        ],
        "{report:#?}"
    );
    let arg_span = report.updates[0].span.clone().expect("rewritable");
    assert_eq!(
        &dockerfile.replace("REG", a)[arg_span],
        format!("{a}/lib/python:3.11-slim-bookworm")
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.line == 2 && n.note.contains("ARG BASE"))
    );
    // The 429 was waited out; 1.22.5-alpine (precision) and 1.24rc1-alpine (prerelease) never.
    assert_eq!(
        updates_of(&report, 3),
        [(Kind::Minor, format!("{a}/lib/golang:1.23-alpine").as_str())]
    );
    // latest: no version, unpinned: nothing to propose, but said why.
    assert!(updates_of(&report, 4).is_empty());
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.line == 4 && n.note.contains("not a version"))
    );
    // A pinned index whose tag moved: a digest update to the new index, and the minor update
    // carries the new tag's index digest.
    let l5 = updates_of(&report, 5);
    assert!(
        l5.contains(&(
            Kind::Digest,
            format!("{a}/lib/nginx:1.25@{now_125}").as_str()
        )),
        "{l5:?}"
    );
    assert!(
        l5.contains(&(
            Kind::Minor,
            format!("{a}/lib/nginx:1.27@{now_127}").as_str()
        )),
        "{l5:?}"
    );
    // Unchanged digest: nothing.
    assert!(
        updates_of(&report, 6).is_empty(),
        "{:?}",
        updates_of(&report, 6)
    );
    // A pin to one platform's manifest stays on that platform's manifest.
    assert_eq!(
        updates_of(&report, 7),
        [(
            Kind::Digest,
            format!("{a}/lib/nginx:1.27@{now_127_amd64}").as_str()
        )]
    );
    // Codename snapshots follow Debian's releases; forky (testing) is not one.
    assert_eq!(
        updates_of(&report, 8),
        [
            (
                Kind::Major,
                format!("{a}/lib/debian:trixie-20251001").as_str()
            ),
            (
                Kind::Patch,
                format!("{a}/lib/debian:bookworm-20250101").as_str()
            )
        ]
    );
    // Per-reference reasons; the rest was still checked.
    let reasons: Vec<(usize, &str)> = report
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons[2].0 == 13 && reasons[2].1.contains("invalid image reference"),
        "{reasons:?}"
    );
    assert!(
        reasons[0].0 == 9 && reasons[0].1.contains("no versioned tags"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].0 == 10 && reasons[1].1.contains("connection refused"),
        "{reasons:?}"
    );
    assert!(updates_of(&report, 14).is_empty());
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.line == 14 && n.note.contains("digest alone"))
    );
    assert_eq!(report.checked, 8);

    // One listing per repository (python: 50 pages of 100, followed without Link), one HEAD
    // per tag or digest asked about.
    // (Requests that carried the token: each repository's first one is refused with a 401.)
    let lists: Vec<Request> = fake
        .hits("/v2/lib/")
        .into_iter()
        .filter(|r| r.path.contains("/tags/list") && r.header("authorization").is_some())
        .collect();
    let pages_per_repo = |repo: &str| {
        lists
            .iter()
            .filter(|r| r.path.contains(&format!("/{repo}/tags/")))
            .count()
    };
    assert_eq!(
        pages_per_repo("python"),
        51,
        "5,000 tags in pages of 100, then an empty page"
    );
    assert_eq!(pages_per_repo("golang"), 2, "the 429, then the list");
    assert_eq!(pages_per_repo("nginx"), 1);
    let heads: Vec<String> = fake
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.method == "HEAD")
        .map(|r| r.path.clone())
        .collect();
    let mut unique = heads.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(heads.len(), unique.len(), "one HEAD per tag: {heads:?}");
    assert_eq!(report.requests.tag_listings, 6);
}

#[test]
fn page_cap_is_reported_and_pins_are_proposed() {
    let fake = serve(world());
    let opts = Options {
        pin: true,
        ..Options::default()
    };
    let report = run(
        &fake,
        "FROM REG/lib/python:3.11-slim-bookworm\nFROM REG/lib/nginx:1.27\n",
        &opts,
        3,
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.line == 1 && n.note.contains("cut off after 300 tags")),
        "{:?}",
        report.notes
    );
    let lists = fake
        .hits("/v2/lib/python/tags/list")
        .iter()
        .filter(|r| r.header("authorization").is_some())
        .count();
    assert_eq!(lists, 3);
    let pin = report
        .updates
        .iter()
        .find(|u| u.line == 2 && u.update_type == Kind::PinDigest)
        .expect("pinDigest");
    assert!(
        pin.new_from
            .starts_with(&format!("{}/lib/nginx:1.27@sha256:", fake.addr))
    );
}

#[test]
fn an_exhausted_rate_limit_stops_the_asking() {
    let fake = serve(world());
    let opts = Options {
        parallel: 1,
        ..Options::default()
    };
    let report = run(
        &fake,
        "FROM REG/lib/spent:1.0\nFROM REG/lib/spent:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000\nFROM REG/lib/golang:1.22-alpine\n",
        &opts,
        5,
    );
    let reasons: Vec<(usize, &str)> = report
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .all(|(_, r)| r.contains("rate limit used up")),
        "{reasons:?}"
    );
    assert!(
        fake.hits("/v2/lib/golang/").is_empty(),
        "golang never asked"
    );
    assert!(
        fake.hits("/v2/lib/spent/manifests/").is_empty(),
        "no HEAD after the budget ran out"
    );
}

#[test]
fn compose_and_manifests_share_one_listing_and_the_disk_cache_the_next_run() {
    let fake = serve(world());
    let cache = tempfile::tempdir().expect("tempdir");
    let settings = || Settings {
        page_size: 1000,
        cache: Some(plinth_outdated::cache::DiskCache {
            dir: cache.path().to_path_buf(),
            ttl: std::time::Duration::from_secs(600),
        }),
        ..Settings::default()
    };
    let files = [
        (
            "compose.yaml",
            "services:\n  web:\n    image: \"REG/lib/nginx:1.25\"\n",
        ),
        (
            "deploy.yaml",
            "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: REG/lib/nginx:1.25  # web\n",
        ),
    ];
    let opts = Options {
        pin: true,
        ..Options::default()
    };
    let first = run_files(&fake, &files, &opts, settings());
    let kinds: Vec<(&str, usize, Kind)> = first
        .updates
        .iter()
        .map(|u| (u.file.as_str(), u.line, u.update_type))
        .collect();
    assert_eq!(
        kinds,
        [
            ("compose.yaml", 3, Kind::Minor),
            ("compose.yaml", 3, Kind::PinDigest),
            ("deploy.yaml", 7, Kind::Minor),
            ("deploy.yaml", 7, Kind::PinDigest)
        ]
    );
    assert_eq!(first.requests.tag_listings, 1);
    assert_eq!(first.requests.heads, 2, "1.27 and 1.25, once each");
    let second = run_files(&fake, &files, &opts, settings());
    assert_eq!(second.requests.tag_listings + second.requests.heads, 0);
    assert_eq!(second.requests.cache_hits, 3);
    assert_eq!(
        second
            .updates
            .iter()
            .map(|u| &u.new_from)
            .collect::<Vec<_>>(),
        first
            .updates
            .iter()
            .map(|u| &u.new_from)
            .collect::<Vec<_>>()
    );
}

#[test]
fn link_headers_are_followed() {
    let fake = serve(world());
    let settings = Settings {
        page_size: 1,
        ..Settings::default()
    };
    let report = run_files(
        &fake,
        &[("Dockerfile", "FROM REG/lib/nginx:1.25\n")],
        &Options::default(),
        settings,
    );
    assert_eq!(report.updates.len(), 1, "{report:?}");
    assert_eq!(report.updates[0].new_tag.as_deref(), Some("1.27"));
    let pages: Vec<String> = fake
        .hits("/v2/lib/nginx/tags/list")
        .into_iter()
        .filter(|r| r.header("authorization").is_some())
        .map(|r| r.path)
        .collect();
    assert_eq!(
        pages.len(),
        3,
        "three tags, one a page, no empty page after: {pages:?}"
    );
    assert!(pages[1].contains("last=1.25"), "{pages:?}");
}
