//! Registry answers kept on disk for a while (`--cache-ttl`): tag lists and tag digests, one
//! small JSON file each, so CI jobs that run minutes apart ask a registry once. Best effort:
//! a cache that cannot be read or written is a cache miss, never an error.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use plinth_image::Digest;
use serde::{Deserialize, Serialize};

use crate::lookup::Tags;

#[derive(Debug, Clone)]
pub struct DiskCache {
    pub dir: PathBuf,
    pub ttl: Duration,
}

#[derive(Serialize, Deserialize)]
struct Entry<T> {
    key: String,
    /// Seconds since the epoch when the registry answered.
    at: u64,
    value: T,
}

#[derive(Serialize, Deserialize)]
struct TagsValue {
    tags: Vec<String>,
    truncated: bool,
}

#[derive(Serialize, Deserialize)]
struct HeadValue {
    digest: String,
    media_type: String,
}

impl DiskCache {
    pub fn tags(&self, key: &str) -> Option<Tags> {
        let v: TagsValue = self.get("tags", key)?;
        Some(Tags {
            tags: v.tags,
            truncated: v.truncated,
        })
    }

    pub fn put_tags(&self, key: &str, tags: &Tags) {
        self.put(
            "tags",
            key,
            TagsValue {
                tags: tags.tags.clone(),
                truncated: tags.truncated,
            },
        );
    }

    pub fn head(&self, key: &str) -> Option<(Digest, String)> {
        let v: HeadValue = self.get("head", key)?;
        Some((Digest::parse(&v.digest)?, v.media_type))
    }

    pub fn put_head(&self, key: &str, digest: &Digest, media_type: &str) {
        self.put(
            "head",
            key,
            HeadValue {
                digest: digest.to_string(),
                media_type: media_type.to_string(),
            },
        );
    }

    fn path(&self, kind: &str, key: &str) -> PathBuf {
        let name: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{kind}-{name}.json"))
    }

    fn get<T: for<'de> Deserialize<'de>>(&self, kind: &str, key: &str) -> Option<T> {
        let bytes = std::fs::read(self.path(kind, key)).ok()?;
        let entry: Entry<T> = serde_json::from_slice(&bytes).ok()?;
        // Two keys may share a file name once sanitised: the key inside decides.
        let fresh = now().saturating_sub(entry.at) < self.ttl.as_secs();
        (entry.key == key && fresh).then_some(entry.value)
    }

    fn put<T: Serialize>(&self, kind: &str, key: &str, value: T) {
        let entry = Entry {
            key: key.to_string(),
            at: now(),
            value,
        };
        let Ok(bytes) = serde_json::to_vec(&entry) else {
            return;
        };
        let path = self.path(kind, key);
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(&tmp, &bytes))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_expiry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache {
            dir: dir.path().join("c"),
            ttl: Duration::from_secs(60),
        };
        assert!(cache.tags("r/x").is_none());
        cache.put_tags(
            "r/x",
            &Tags {
                tags: vec!["1".into()],
                truncated: true,
            },
        );
        let got = cache.tags("r/x").expect("cached");
        assert_eq!(
            (got.tags.as_slice(), got.truncated),
            (&["1".to_string()][..], true)
        );
        assert!(cache.tags("r_x").is_none(), "same file name, other key");
        let expired = DiskCache {
            ttl: Duration::ZERO,
            ..cache.clone()
        };
        assert!(expired.tags("r/x").is_none());
        let d = Digest::of(b"x");
        cache.put_head("r/x:1", &d, "m");
        assert_eq!(cache.head("r/x:1"), Some((d, "m".into())));
    }
}
