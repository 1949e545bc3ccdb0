//! Alpine secdb releases, discovered from the secdb's own index rather than a list in the code:
//! a new release (or an old one a user still runs) is fetched without a plinth release.
//!
//! The secdb host serves a directory listing at `/` (`<a href="v3.20/">`, `<a href="edge/">`)
//! and one per release (`<a href="main.json">`, `<a href="community.json">`). Mirrors serve the
//! same paths, so the listing is read from the first mirror that answers, else upstream.

use std::io::Read;

use crate::error::DbError;
use crate::fetch;
use crate::sources::{FeedSource, UpdateOptions};

/// The largest listing read; the real ones are a few kilobytes.
const LISTING_LIMIT: u64 = 1 << 20;

/// Every published `vX.Y/repo` and `edge/repo` with a JSON secdb file, in index order.
pub fn alpine_releases(options: &UpdateOptions) -> Result<Vec<String>, DbError> {
    let agent = fetch::agent(options);
    let bases = bases(options);
    let index = first_listing(&agent, &bases, "/")?;
    let mut out = Vec::new();
    for release in links(&index)
        .into_iter()
        .filter_map(|l| l.strip_suffix('/').map(str::to_string))
        .filter(|r| is_release(r))
    {
        let listing = first_listing(&agent, &bases, &format!("/{release}/"))?;
        for file in links(&listing) {
            if let Some(repo) = file.strip_suffix(".json") {
                out.push(format!("{release}/{repo}"));
            }
        }
    }
    if out.is_empty() {
        return Err(DbError::Http {
            url: format!("{}/", bases[0]),
            message: "the secdb index lists no release with a JSON file".into(),
        });
    }
    Ok(out)
}

/// Base URLs to read listings from: the mirrors in order, else the upstream secdb host.
fn bases(options: &UpdateOptions) -> Vec<String> {
    if options.mirrors.is_empty() {
        let upstream = FeedSource::alpine("v3.20/main").upstream;
        return vec![upstream];
    }
    options
        .mirrors
        .iter()
        .map(|m| m.trim_end_matches('/').to_string())
        .collect()
}

fn first_listing(agent: &ureq::Agent, bases: &[String], path: &str) -> Result<String, DbError> {
    let mut last = None;
    for base in bases {
        let url = format!("{base}{path}");
        match listing(agent, &url) {
            Ok(text) => return Ok(text),
            Err(message) => last = Some(DbError::Http { url, message }),
        }
    }
    Err(last.unwrap_or(DbError::Http {
        url: path.into(),
        message: "no secdb host to ask".into(),
    }))
}

fn listing(agent: &ureq::Agent, url: &str) -> Result<String, String> {
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(format!("HTTP {status}"));
    }
    let mut text = String::new();
    response
        .body_mut()
        .as_reader()
        .take(LISTING_LIMIT)
        .read_to_string(&mut text)
        .map_err(|e| format!("reading the listing: {e}"))?;
    Ok(text)
}

/// The `href` targets of a directory listing, relative ones only.
fn links(html: &str) -> Vec<&str> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|l| !l.is_empty() && !l.starts_with(['/', '.', '?']) && !l.contains("://"))
        .collect()
}

/// `v3.20`, `v3.9`, `edge`: what the secdb publishes per release.
fn is_release(name: &str) -> bool {
    if name == "edge" {
        return true;
    }
    let Some(rest) = name.strip_prefix('v') else {
        return false;
    };
    let mut parts = rest.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty()
            && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_and_files_from_listings() {
        let index = r#"<html><body><h1>Index of /</h1><hr><pre><a href="../">../</a>
<a href="edge/">edge/</a>   10-Oct-2025 10:00   -
<a href="v3.10/">v3.10/</a>   01-May-2021 10:00   -
<a href="v3.9/">v3.9/</a>
<a href="license.txt">license.txt</a>
<a href="https://alpinelinux.org/">home</a></pre></body></html>"#;
        let releases: Vec<&str> = links(index)
            .into_iter()
            .filter_map(|l| l.strip_suffix('/'))
            .filter(|r| is_release(r))
            .collect();
        assert_eq!(releases, ["edge", "v3.10", "v3.9"]);
        assert!(!is_release("v3"));
        assert!(!is_release("v3.x"));
        assert!(!is_release("latest-stable"));
    }
}
