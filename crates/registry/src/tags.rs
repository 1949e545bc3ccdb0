//! What `plinth outdated` asks of a registry: a repository's tags (`/v2/NAME/tags/list`,
//! paginated with `n` and `last`) and a manifest's digest from a `HEAD`, which Docker Hub
//! does not count as a pull.

use std::collections::HashSet;
use std::io::Read;

use plinth_image::{Digest, Result};
use ureq::Body;
use ureq::http::Response;

use crate::client::{Get, header};
use crate::source::{MANIFEST_ACCEPT, Registry};

/// One page of a tag list is small JSON; a registry sending more is refused.
const MAX_PAGE: u64 = 16 << 20;

/// A repository's tags, in the order the registry sent them (which means nothing).
#[derive(Debug, Clone, Default)]
pub struct TagList {
    pub tags: Vec<String>,
    /// Pages requested.
    pub pages: usize,
    /// The page cap was reached while the registry still had more to send.
    pub truncated: bool,
    pub rate_limit: Option<RateLimit>,
}

/// What a manifest `HEAD` says about the tag or digest asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub digest: Digest,
    pub media_type: String,
    pub rate_limit: Option<RateLimit>,
}

/// Docker Hub's `ratelimit-remaining: 76;w=21600`: requests left in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub remaining: u64,
}

impl Registry {
    /// Lists the repository's tags, `page_size` per request and at most `max_pages` requests.
    /// Follows `Link: <…>; rel="next"`; from a registry that sends none, a full page is
    /// followed by a request for the tags after its last entry (`last=`), until a page comes
    /// back short or brings nothing new (a registry that ignores `last` would otherwise loop).
    pub fn list_tags(&self, page_size: usize, max_pages: usize) -> Result<TagList> {
        let client = self.client();
        let base = format!("/v2/{}/tags/list", client.repository());
        let mut path = format!("{base}?n={page_size}");
        let mut list = TagList::default();
        let mut seen = HashSet::new();
        // A registry that has sent `Link` once says "no more" by leaving it out.
        let mut links = false;
        loop {
            if list.pages == max_pages {
                list.truncated = true;
                return Ok(list);
            }
            list.pages += 1;
            let get = Get {
                path: &path,
                accept: Some("application/json"),
                range_from: None,
                head: false,
            };
            let mut resp = client.get(&get)?;
            match resp.status().as_u16() {
                200 => {}
                404 => {
                    return Err(client.network("repository not found in the registry (404)"));
                }
                _ => return Err(client.status_error(&mut resp, "listing tags")),
            }
            list.rate_limit = rate_limit(&resp).or(list.rate_limit);
            let next = header(&resp, "link").and_then(|l| next_link(&l));
            links |= next.is_some();
            let page =
                read_page(&mut resp).map_err(|m| client.network(format!("tag list: {m}")))?;
            let full = page.len() >= page_size;
            let last = page.last().cloned();
            let mut fresh = 0;
            for tag in page {
                if seen.insert(tag.clone()) {
                    list.tags.push(tag);
                    fresh += 1;
                }
            }
            path = match (next, last) {
                (Some(next), _) if fresh > 0 => next,
                (None, Some(last)) if full && fresh > 0 && !links => {
                    format!("{base}?n={page_size}&last={}", query_escape(&last))
                }
                _ => return Ok(list),
            };
        }
    }

    /// The digest and media type of the manifest or index `reference` (a tag or a digest)
    /// names, from a `HEAD`; `None` when the registry has no such manifest. A registry whose
    /// `HEAD` omits `Docker-Content-Digest` is asked with a `GET` instead.
    pub fn head_manifest(&self, reference: &str) -> Result<Option<Head>> {
        let client = self.client();
        let path = format!("/v2/{}/manifests/{reference}", client.repository());
        let get = Get {
            path: &path,
            accept: Some(MANIFEST_ACCEPT),
            range_from: None,
            head: true,
        };
        let mut resp = client.get(&get)?;
        match resp.status().as_u16() {
            200 => {}
            404 => return Ok(None),
            _ => return Err(client.status_error(&mut resp, "asking for the manifest digest")),
        }
        let rate_limit = rate_limit(&resp);
        let digest = header(&resp, "docker-content-digest").and_then(|d| Digest::parse(d.trim()));
        let media_type = header(&resp, "content-type")
            .map(|c| c.split(';').next().unwrap_or("").trim().to_string())
            .filter(|c| !c.is_empty());
        if let (Some(digest), Some(media_type)) = (digest, media_type) {
            return Ok(Some(Head {
                digest,
                media_type,
                rate_limit,
            }));
        }
        let fetched = self.fetch_manifest(reference, None)?;
        Ok(Some(Head {
            digest: fetched.digest,
            media_type: fetched.media_type,
            rate_limit,
        }))
    }
}

/// The tags of one `{"name": …, "tags": […]}` page (`tags` may be null).
fn read_page(resp: &mut Response<Body>) -> std::result::Result<Vec<String>, String> {
    #[derive(serde::Deserialize)]
    struct Page {
        #[serde(default)]
        tags: Option<Vec<String>>,
    }
    let mut bytes = Vec::new();
    resp.body_mut()
        .as_reader()
        .take(MAX_PAGE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_PAGE {
        return Err(format!("a page larger than {MAX_PAGE} bytes"));
    }
    let page: Page = serde_json::from_slice(&bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    Ok(page.tags.unwrap_or_default())
}

/// The path and query of a `Link: <URL>; rel="next"` header (RFC 8288), absolute or not.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let is_next = params.split(';').any(|p| {
            p.trim()
                .strip_prefix("rel=")
                .is_some_and(|r| r.trim_matches('"').split(' ').any(|r| r == "next"))
        });
        let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let path = match url.split_once("://") {
            Some((_, rest)) => &rest[rest.find('/')?..],
            None => url,
        };
        (is_next && path.starts_with('/')).then(|| path.to_string())
    })
}

fn rate_limit(resp: &Response<Body>) -> Option<RateLimit> {
    let value = header(resp, "ratelimit-remaining")?;
    let remaining = value.split(';').next()?.trim().parse().ok()?;
    Some(RateLimit { remaining })
}

fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers() {
        assert_eq!(
            next_link(r#"</v2/library/alpine/tags/list?n=100&last=3.9>; rel="next""#).as_deref(),
            Some("/v2/library/alpine/tags/list?n=100&last=3.9")
        );
        assert_eq!(
            next_link(r#"<https://ghcr.io/v2/a/b/tags/list?last=x&n=5>; rel=next"#).as_deref(),
            Some("/v2/a/b/tags/list?last=x&n=5")
        );
        assert_eq!(
            next_link(r#"</a>; rel="prev", </b?x>; rel="next""#).as_deref(),
            Some("/b?x")
        );
        assert_eq!(next_link(r#"</a>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }
}
