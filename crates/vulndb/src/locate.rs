//! Feeds whose file name changes with each publication, found through a small index first:
//! Red Hat names its latest CSAF VEX archive in `archive_latest.txt`; an Amazon Linux
//! repository is named by its `mirror.list`, and its `repodata/repomd.xml` names the
//! `updateinfo` file (`<sha256>-updateinfo.xml.gz`).
//!
//! Index documents are fetched whole, with the same retries, timeouts and truncation checks as
//! feeds, and never conditionally: they are small and say where the conditional request goes.

use std::path::Path;

use indicatif::ProgressBar;

use crate::error::DbError;
use crate::fetch::{self, Fetched, Validators};
use crate::sources::{FeedSource, UpdateOptions};

/// How a source's path leads to its feed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locate {
    /// The path is the feed.
    Direct,
    /// The path is a text file whose first line names the feed in the same directory.
    LatestName,
    /// The path is a yum `mirror.list`: its first URL is a repository whose
    /// `repodata/repomd.xml` names the `updateinfo` document.
    YumMirrorList,
}

/// The largest index document read (a `repomd.xml` is a few KiB).
const MAX_INDEX: u64 = 1 << 20;

/// Fetches a source from the first mirror (or upstream) that serves it, through its index when
/// it has one; `have` makes the feed's own request conditional.
pub(crate) fn fetch(
    agent: &ureq::Agent,
    source: &FeedSource,
    have: &Validators,
    dest: &Path,
    options: &UpdateOptions,
    bar: &ProgressBar,
) -> Result<Fetched, DbError> {
    let urls = source.urls(&options.mirrors);
    if source.locate == Locate::Direct {
        return fetch::fetch(agent, &urls, have, dest, options, bar);
    }
    let scratch = dest.with_extension("index");
    let mut last = None;
    for url in &urls {
        let fetched = resolve(agent, source.locate, url, &scratch, options, bar)
            .and_then(|feed| fetch::fetch(agent, &[feed], have, dest, options, bar));
        match fetched {
            Ok(fetched) => return Ok(fetched),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| DbError::Http {
        url: source.name.clone(),
        message: "no URL to fetch".into(),
    }))
}

/// The feed URL an index URL leads to.
fn resolve(
    agent: &ureq::Agent,
    locate: Locate,
    url: &str,
    scratch: &Path,
    options: &UpdateOptions,
    bar: &ProgressBar,
) -> Result<String, DbError> {
    let bad = |message: String| DbError::Http {
        url: url.to_string(),
        message,
    };
    match locate {
        Locate::Direct => Ok(url.to_string()),
        Locate::LatestName => {
            let text = get_small(agent, url, scratch, options, bar)?;
            let name = first_line(&text).ok_or_else(|| bad("names no file".into()))?;
            if name.contains('/') || name.contains('<') {
                return Err(bad(format!("`{name}` is not a file name")));
            }
            Ok(format!("{}{name}", directory(url)))
        }
        Locate::YumMirrorList => {
            let text = get_small(agent, url, scratch, options, bar)?;
            let repo = first_line(&text)
                .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
                .ok_or_else(|| bad("names no repository URL".into()))?
                .trim_end_matches('/')
                .to_string();
            let repomd_url = format!("{repo}/repodata/repomd.xml");
            let repomd = get_small(agent, &repomd_url, scratch, options, bar)?;
            let href = updateinfo_href(&repomd).ok_or_else(|| DbError::Http {
                url: repomd_url.clone(),
                message: "names no updateinfo document".into(),
            })?;
            Ok(format!("{repo}/{}", href.trim_start_matches('/')))
        }
    }
}

/// Fetches a small document into memory, through a scratch file.
fn get_small(
    agent: &ureq::Agent,
    url: &str,
    scratch: &Path,
    options: &UpdateOptions,
    bar: &ProgressBar,
) -> Result<String, DbError> {
    let urls = [url.to_string()];
    let Fetched::Body { file, .. } =
        fetch::fetch(agent, &urls, &Validators::default(), scratch, options, bar)?
    else {
        return Err(DbError::Http {
            url: url.to_string(),
            message: "304 to an unconditional request".into(),
        });
    };
    let read = std::fs::read(&file);
    let _ = std::fs::remove_file(&file);
    let bytes = read.map_err(|e| DbError::io(&file, e))?;
    if bytes.len() as u64 > MAX_INDEX {
        return Err(DbError::Http {
            url: url.to_string(),
            message: format!("{} bytes: too large for an index", bytes.len()),
        });
    }
    String::from_utf8(bytes).map_err(|_| DbError::Http {
        url: url.to_string(),
        message: "an index that is not text".into(),
    })
}

fn first_line(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
}

/// `https://h/a/b.txt` → `https://h/a/`.
fn directory(url: &str) -> &str {
    url.rfind('/').map_or(url, |at| &url[..=at])
}

/// `<data type="updateinfo"><location href="repodata/…-updateinfo.xml.gz"/>`.
fn updateinfo_href(repomd: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(repomd).ok()?;
    let data = doc
        .descendants()
        .find(|n| n.tag_name().name() == "data" && n.attribute("type") == Some("updateinfo"))?;
    let location = data
        .children()
        .find(|n| n.tag_name().name() == "location")?;
    location.attribute("href").map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_documents() {
        assert_eq!(
            directory("https://h/data/csaf/v2/vex/archive_latest.txt"),
            "https://h/data/csaf/v2/vex/"
        );
        assert_eq!(
            first_line("\n# comment\ncsaf_vex_2025-01-05.tar.zst\n"),
            Some("csaf_vex_2025-01-05.tar.zst")
        );
        let repomd = r#"<?xml version="1.0"?><repomd xmlns="http://linux.duke.edu/metadata/repo">
            <data type="primary"><location href="repodata/p.xml.gz"/></data>
            <data type="updateinfo"><location href="repodata/abc-updateinfo.xml.gz"/></data>
            </repomd>"#;
        assert_eq!(
            updateinfo_href(repomd).as_deref(),
            Some("repodata/abc-updateinfo.xml.gz")
        );
    }
}
