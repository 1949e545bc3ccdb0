//! The walk's side of the layer cache: what a walk of one layer is stored under, how its
//! [`LayerFacts`] are written down, and when a layer may be taken from the cache unread.
//!
//! A layer's diff_id names its uncompressed bytes, so what a collector derived from them holds
//! wherever the layer turns up again. Two kinds of entries are kept for layers (and a base
//! image's manifests by digest, see `base.rs`):
//!
//! - *facts*, keyed by (this encoding's version, the collector's identity, diff_id);
//! - *verified* markers, keyed by (where the blob lives, its digest, diff_id): written only
//!   after a walk checked both digests over every byte, they say that the blob there
//!   decompresses to that diff_id. Local files name themselves by path and file identity, so
//!   a changed file is read and verified again; registries by content address alone.
//!
//! A layer is taken from the cache only when both are there. The store itself (a
//! directory, Redis) lives in plinth-cache, behind [`LayerCache`].

use crate::digest::Digest;
use crate::files::FileList;
use crate::walk::{Collector, LayerFacts};

/// A store of walked layers shared across runs and processes. Keys are 64 lowercase hex
/// digits; values are opaque. A store never fails a walk: a get that cannot answer is a
/// miss, and a put that cannot write is dropped (the store says so its own way).
pub trait LayerCache: Send + Sync {
    fn get(&self, key: &str) -> Option<Vec<u8>>;
    fn put(&self, key: &str, value: &[u8]);

    /// Told, for each layer a walk looked up, whether it was taken from the cache (a hit) or
    /// must be read (a miss): a layer is one lookup of two keys, which `get` cannot tell
    /// apart. For counts such as the server's metrics; nothing by default.
    fn looked_up(&self, _hit: bool) {}
}

/// Changes whenever the encoding below or the meaning of a marker does.
const FORMAT: &str = "plinth-layer-facts/1";

/// Where the facts a collector derived from the layer `diff_id` are stored.
pub(crate) fn facts_key(identity: &str, diff_id: &Digest) -> String {
    key(&["facts", FORMAT, identity, &diff_id.to_string()])
}

/// Where the marker saying "the blob `digest` at `fingerprint` was verified to be the layer
/// `diff_id`" is stored.
pub(crate) fn verified_key(fingerprint: &str, digest: &Digest, diff_id: &Digest) -> String {
    key(&[
        "verified",
        FORMAT,
        fingerprint,
        &digest.to_string(),
        &diff_id.to_string(),
    ])
}

/// Where a small blob read by digest (a base image's manifest) is stored: content-addressed,
/// so a copy is good whenever it still hashes to `digest`.
pub(crate) fn blob_key(digest: &Digest) -> String {
    key(&["blob", FORMAT, &digest.to_string()])
}

/// With `PLINTH_DEBUG` set, says on stderr whether each layer was read or taken from the
/// cache (tests check that a warm run reads none).
pub(crate) fn debug(line: &str) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("PLINTH_DEBUG").is_some_and(|v| !v.is_empty())) {
        eprintln!("plinth: debug: {line}");
    }
}

fn key(parts: &[&str]) -> String {
    Digest::of(parts.join("\0").as_bytes()).hex()
}

/// Writes a layer's facts down; `None` when the collector cannot store one of its items.
pub(crate) fn encode<C: Collector>(facts: &LayerFacts<C::Item>, collector: &C) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    facts.files.encode(&mut out);
    put_u64(&mut out, facts.warnings.len() as u64);
    for w in &facts.warnings {
        put_chunk(&mut out, w.as_bytes());
    }
    put_u64(&mut out, facts.collected.len() as u64);
    for (path, item) in &facts.collected {
        put_chunk(&mut out, path.as_bytes());
        put_chunk(&mut out, &collector.encode_item(item)?);
    }
    Some(out)
}

/// Reads back what [`encode`] wrote; `None` for anything it could not have written.
pub(crate) fn decode<C: Collector>(bytes: &[u8], collector: &C) -> Option<LayerFacts<C::Item>> {
    let (files, rest) = FileList::decode(bytes)?;
    let mut r = Reader(rest);
    let warnings = (0..r.count()?)
        .map(|_| r.text())
        .collect::<Option<Vec<_>>>()?;
    let collected = (0..r.count()?)
        .map(|_| Some((r.text()?, collector.decode_item(r.chunk()?)?)))
        .collect::<Option<Vec<_>>>()?;
    r.0.is_empty().then_some(LayerFacts {
        files,
        collected,
        warnings,
    })
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_chunk(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u64(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Length-prefixed fields, each read with a bounds check.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(u64::from_le_bytes(*head))
    }

    /// A count of items, each at least 8 bytes long: more than the bytes left is damage (and
    /// must not be trusted to size an allocation).
    fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n <= self.0.len() / 8).then_some(n)
    }

    fn chunk(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        let bytes = self.0.get(..n)?;
        self.0 = &self.0[n..];
        Some(bytes)
    }

    fn text(&mut self) -> Option<String> {
        String::from_utf8(self.chunk()?.to_vec()).ok()
    }
}

/// Two byte strings as one item (a collector wrapping another stores its own part and the
/// inner collector's), read back by [`unpair`].
pub fn pair(first: &[u8], second: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + first.len() + second.len());
    put_chunk(&mut out, first);
    put_chunk(&mut out, second);
    out
}

/// The two byte strings [`pair`] joined; `None` for anything else.
pub fn unpair(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut r = Reader(bytes);
    let pair = (r.chunk()?, r.chunk()?);
    r.0.is_empty().then_some(pair)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::Kind;

    /// Keeps file sizes as text, to store something of its own.
    struct Sizes;

    impl Collector for Sizes {
        type Item = String;
        fn wants(&self, _: &str, _: u64, _: u32) -> Option<u64> {
            Some(1 << 20)
        }
        fn collect(&self, _: &str, _: u32, data: &[u8]) -> Option<String> {
            Some(data.len().to_string())
        }
        fn cache_identity(&self) -> Option<String> {
            Some("sizes".into())
        }
        fn encode_item(&self, item: &String) -> Option<Vec<u8>> {
            Some(item.as_bytes().to_vec())
        }
        fn decode_item(&self, bytes: &[u8]) -> Option<String> {
            String::from_utf8(bytes.to_vec()).ok()
        }
    }

    #[test]
    fn facts_round_trip_and_damage_is_a_miss() {
        let mut files = FileList::default();
        files.push(b"etc/os-release", b"", 3, 0o644, Kind::File);
        files.finish();
        let facts = LayerFacts {
            files,
            collected: vec![("etc/os-release".to_string(), "3".to_string())],
            warnings: vec!["absolute path in layer: /x".to_string()],
        };
        let bytes = encode(&facts, &Sizes).unwrap();
        let back = decode(&bytes, &Sizes).unwrap();
        assert_eq!(back.collected, facts.collected);
        assert_eq!(back.warnings, facts.warnings);
        assert_eq!(back.files.len(), 1);
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], &Sizes).is_none(), "truncated at {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, &Sizes).is_none());
    }

    #[test]
    fn keys_name_every_part() {
        let a = Digest::of(b"a");
        let b = Digest::of(b"b");
        assert_ne!(facts_key("sbom/1", &a), facts_key("sbom/2", &a));
        assert_ne!(facts_key("sbom/1", &a), facts_key("sbom/1", &b));
        assert_ne!(verified_key("f", &a, &b), verified_key("g", &a, &b));
        assert_eq!(facts_key("x", &a).len(), 64);
        assert_eq!(unpair(&pair(b"one", b"")), Some((&b"one"[..], &b""[..])));
        assert_eq!(unpair(b"\x01"), None);
    }
}
