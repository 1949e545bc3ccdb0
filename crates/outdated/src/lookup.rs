//! Asking registries, each question once per run: one tag listing per repository, one `HEAD`
//! per tag, answers kept in a disk cache for a configurable time so that the next run over
//! the same repositories asks nothing. Counts every request, and stops asking a registry
//! whose `ratelimit-remaining` reached zero.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use plinth_image::Digest;
use plinth_image::spec::{Config, Index, Manifest, MediaKind, Platform, parse_json};
use plinth_registry::{Head, ImageRef, Options, Registry, TagList};

use crate::cache::DiskCache;

/// How to reach registries and how much to ask.
#[derive(Debug, Clone)]
pub struct Settings {
    pub registry: Options,
    /// Tags per page (`n`).
    pub page_size: usize,
    /// Pages per repository at most; a list cut there is reported.
    pub max_pages: usize,
    pub cache: Option<DiskCache>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            registry: Options {
                progress: false,
                ..Options::default()
            },
            page_size: 1000,
            max_pages: 50,
            cache: None,
        }
    }
}

/// Requests sent in one run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub tag_listings: usize,
    pub tag_pages: usize,
    pub heads: usize,
    pub manifest_gets: usize,
    pub cache_hits: usize,
}

/// The tags of a repository as this run knows them.
#[derive(Debug, Clone, Default)]
pub struct Tags {
    pub tags: Vec<String>,
    pub truncated: bool,
}

type Answer<T> = Arc<OnceLock<Result<T, String>>>;

/// What a manifest `HEAD` told: digest and media type, or nothing for a 404.
type HeadAnswer = Answer<Option<(Digest, String)>>;

/// One repository's state: its client and the answers it gave.
struct Repo {
    registry: OnceLock<Result<Registry, String>>,
    tags: OnceLock<Result<Tags, String>>,
    heads: Mutex<HashMap<String, HeadAnswer>>,
    indexes: Mutex<HashMap<Digest, Answer<Index>>>,
}

/// Registry questions for one run, safe to ask from several threads.
pub struct Lookup {
    settings: Settings,
    repos: Mutex<HashMap<String, Arc<Repo>>>,
    exhausted: Mutex<Vec<String>>,
    tag_listings: AtomicUsize,
    tag_pages: AtomicUsize,
    heads: AtomicUsize,
    gets: AtomicUsize,
    cache_hits: AtomicUsize,
}

impl Lookup {
    pub fn new(settings: Settings) -> Lookup {
        Lookup {
            settings,
            repos: Mutex::new(HashMap::new()),
            exhausted: Mutex::new(Vec::new()),
            tag_listings: AtomicUsize::new(0),
            tag_pages: AtomicUsize::new(0),
            heads: AtomicUsize::new(0),
            gets: AtomicUsize::new(0),
            cache_hits: AtomicUsize::new(0),
        }
    }

    pub fn counts(&self) -> Counts {
        let n = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        Counts {
            tag_listings: n(&self.tag_listings),
            tag_pages: n(&self.tag_pages),
            heads: n(&self.heads),
            manifest_gets: n(&self.gets),
            cache_hits: n(&self.cache_hits),
        }
    }

    fn repo(&self, image: &ImageRef) -> Arc<Repo> {
        let mut repos = self.repos.lock().unwrap_or_else(|p| p.into_inner());
        repos
            .entry(key(image))
            .or_insert_with(|| {
                Arc::new(Repo {
                    registry: OnceLock::new(),
                    tags: OnceLock::new(),
                    heads: Mutex::new(HashMap::new()),
                    indexes: Mutex::new(HashMap::new()),
                })
            })
            .clone()
    }

    fn registry<'r>(&self, image: &ImageRef, repo: &'r Repo) -> Result<&'r Registry, String> {
        self.check_budget(image)?;
        repo.registry
            .get_or_init(|| {
                let bare = ImageRef {
                    tag: None,
                    digest: None,
                    ..image.clone()
                };
                Registry::connect(bare, &self.settings.registry).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Refuses to ask a registry that said its rate limit is used up.
    fn check_budget(&self, image: &ImageRef) -> Result<(), String> {
        let exhausted = self.exhausted.lock().unwrap_or_else(|p| p.into_inner());
        if exhausted.contains(&image.registry) {
            return Err(format!(
                "{}: rate limit used up (ratelimit-remaining: 0); not asked",
                image.registry
            ));
        }
        Ok(())
    }

    fn note_rate_limit(&self, image: &ImageRef, limit: Option<plinth_registry::RateLimit>) {
        if limit.is_some_and(|l| l.remaining == 0) {
            let mut exhausted = self.exhausted.lock().unwrap_or_else(|p| p.into_inner());
            if !exhausted.contains(&image.registry) {
                exhausted.push(image.registry.clone());
            }
        }
    }

    /// The repository's tags: from the disk cache when fresh, else listed once.
    pub fn tags(&self, image: &ImageRef) -> Result<Tags, String> {
        let repo = self.repo(image);
        repo.tags
            .get_or_init(|| {
                let k = key(image);
                if let Some(cached) = self.settings.cache.as_ref().and_then(|c| c.tags(&k)) {
                    self.cache_hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(cached);
                }
                let registry = self.registry(image, &repo)?;
                self.tag_listings.fetch_add(1, Ordering::Relaxed);
                let list: TagList = registry
                    .list_tags(self.settings.page_size, self.settings.max_pages)
                    .map_err(|e| e.to_string())?;
                self.tag_pages.fetch_add(list.pages, Ordering::Relaxed);
                self.note_rate_limit(image, list.rate_limit);
                let tags = Tags {
                    tags: list.tags,
                    truncated: list.truncated,
                };
                if let Some(cache) = &self.settings.cache {
                    cache.put_tags(&k, &tags);
                }
                Ok(tags)
            })
            .clone()
    }

    /// What `reference` (a tag or digest) points at: its digest and media type, or `None`
    /// when the registry has no such manifest. One `HEAD` per reference per run.
    pub fn head(
        &self,
        image: &ImageRef,
        reference: &str,
    ) -> Result<Option<(Digest, String)>, String> {
        let repo = self.repo(image);
        let slot = {
            let mut heads = repo.heads.lock().unwrap_or_else(|p| p.into_inner());
            heads.entry(reference.to_string()).or_default().clone()
        };
        slot.get_or_init(|| {
            let k = format!("{}:{reference}", key(image));
            let cacheable = !reference.starts_with("sha256:");
            if cacheable && let Some(hit) = self.settings.cache.as_ref().and_then(|c| c.head(&k)) {
                self.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(Some(hit));
            }
            let registry = self.registry(image, &repo)?;
            self.heads.fetch_add(1, Ordering::Relaxed);
            let head: Option<Head> = registry
                .head_manifest(reference)
                .map_err(|e| e.to_string())?;
            let Some(head) = head else { return Ok(None) };
            self.note_rate_limit(image, head.rate_limit);
            if cacheable && let Some(cache) = &self.settings.cache {
                cache.put_head(&k, &head.digest, &head.media_type);
            }
            Ok(Some((head.digest, head.media_type)))
        })
        .clone()
    }

    /// The index `digest` names, fetched once.
    fn index(&self, image: &ImageRef, digest: &Digest) -> Result<Index, String> {
        let repo = self.repo(image);
        let slot = {
            let mut indexes = repo.indexes.lock().unwrap_or_else(|p| p.into_inner());
            indexes.entry(digest.clone()).or_default().clone()
        };
        slot.get_or_init(|| {
            let registry = self.registry(image, &repo)?;
            self.gets.fetch_add(1, Ordering::Relaxed);
            let fetched = registry
                .fetch_manifest(&digest.to_string(), Some(digest))
                .map_err(|e| e.to_string())?;
            parse_json(&format!("{image}: index {digest}"), &fetched.bytes)
                .map_err(|e| e.to_string())
        })
        .clone()
    }

    /// The platform of a single-platform manifest, from its config.
    pub fn platform_of(&self, image: &ImageRef, digest: &Digest) -> Result<Platform, String> {
        let repo = self.repo(image);
        let registry = self.registry(image, &repo)?;
        self.gets.fetch_add(2, Ordering::Relaxed);
        let fetched = registry
            .fetch_manifest(&digest.to_string(), Some(digest))
            .map_err(|e| e.to_string())?;
        let what = format!("{image}: manifest {digest}");
        let manifest: Manifest = parse_json(&what, &fetched.bytes).map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(
                registry
                    .blob_reader(&manifest.config.digest)
                    .map_err(|e| e.to_string())?,
                1 << 20,
            ),
            &mut bytes,
        )
        .map_err(|e| format!("{what}: reading its config: {e}"))?;
        let config: Config = parse_json(&what, &bytes).map_err(|e| e.to_string())?;
        Ok(Platform {
            os: config.os,
            architecture: config.architecture,
            variant: config.variant,
        })
    }

    /// The digest `tag` stands for: the index (or manifest) it names, or, for a reference
    /// that pins one platform's manifest, that platform's manifest in the tag's index.
    pub fn digest_of(
        &self,
        image: &ImageRef,
        tag: &str,
        platform: Option<&Platform>,
    ) -> Result<Option<Digest>, String> {
        let Some((digest, media_type)) = self.head(image, tag)? else {
            return Ok(None);
        };
        let Some(platform) = platform else {
            return Ok(Some(digest));
        };
        if MediaKind::of(&media_type) != MediaKind::Index {
            return Ok(Some(digest));
        }
        let index = self.index(image, &digest)?;
        let chosen = index
            .manifests
            .iter()
            .find(|d| {
                d.kind() == MediaKind::Manifest
                    && d.platform.as_ref().is_some_and(|p| p.satisfies(platform))
            })
            .ok_or_else(|| format!("{}:{tag} has no {platform} manifest", image.repository))?;
        Ok(Some(chosen.digest.clone()))
    }
}

/// `registry/repository`: what answers are cached under.
pub fn key(image: &ImageRef) -> String {
    format!("{}/{}", image.registry, image.repository)
}
