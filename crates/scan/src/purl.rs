//! A small package-URL parser (<https://github.com/package-url/purl-spec>): enough to rebuild
//! packages from SBOMs written by plinth, Syft and Trivy.

/// The parts of `pkg:type/namespace/name@version?qualifiers#subpath`, percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Purl {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: Vec<(String, String)>,
    pub subpath: Option<String>,
}

impl Purl {
    /// Parses a purl; `None` when it is not one.
    pub fn parse(s: &str) -> Option<Purl> {
        let rest = s.trim().strip_prefix("pkg:")?.trim_start_matches('/');
        let (rest, subpath) = match rest.split_once('#') {
            Some((r, sp)) => (r, Some(decode(sp.trim_matches('/')))),
            None => (rest, None),
        };
        let (rest, qualifiers) = match rest.split_once('?') {
            Some((r, q)) => (r, parse_qualifiers(q)),
            None => (rest, Vec::new()),
        };
        // The version follows the last `@` of the last path segment (scopes begin with `%40`).
        let (path, version) = match rest.rfind('@') {
            Some(at) if !rest[at..].contains('/') => (&rest[..at], Some(decode(&rest[at + 1..]))),
            _ => (rest, None),
        };
        let mut segments = path.trim_end_matches('/').split('/');
        let kind = segments.next()?.to_ascii_lowercase();
        let parts: Vec<String> = segments.map(decode).collect();
        let (name, namespace) = match parts.split_last() {
            Some((name, ns)) if !name.is_empty() => {
                (name.clone(), (!ns.is_empty()).then(|| ns.join("/")))
            }
            _ => return None,
        };
        if kind.is_empty() {
            return None;
        }
        Some(Purl {
            kind,
            namespace,
            name,
            version: version.filter(|v| !v.is_empty()),
            qualifiers,
            subpath,
        })
    }

    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn parse_qualifiers(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_ascii_lowercase(), decode(v)))
        .collect()
}

/// Percent-decoding; malformed escapes are kept as written.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_shapes() {
        let p = Purl::parse(
            "pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&upstream=openssl&distro=debian-12",
        )
        .unwrap();
        assert_eq!(p.kind, "deb");
        assert_eq!(p.namespace.as_deref(), Some("debian"));
        assert_eq!(p.name, "libssl3");
        assert_eq!(p.version.as_deref(), Some("3.0.15-1~deb12u1"));
        assert_eq!(p.qualifier("upstream"), Some("openssl"));
        let n = Purl::parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(
            (n.namespace.as_deref(), n.name.as_str()),
            (Some("@babel"), "core")
        );
        let g = Purl::parse("pkg:golang/github.com/docker/cli@v28.0.2%2Bincompatible").unwrap();
        assert_eq!(g.namespace.as_deref(), Some("github.com/docker"));
        assert_eq!(g.version.as_deref(), Some("v28.0.2+incompatible"));
        let s = Purl::parse("pkg:golang/github.com/cespare/xxhash@v2.3.0#v2").unwrap();
        assert_eq!(s.subpath.as_deref(), Some("v2"));
        assert!(Purl::parse("https://example.com").is_none());
        assert!(Purl::parse("pkg:").is_none());
        assert!(Purl::parse("pkg:npm/").is_none());
        assert_eq!(Purl::parse("pkg:npm/a%").unwrap().name, "a%");
        assert_eq!(Purl::parse("pkg:npm/a%4").unwrap().name, "a%4");
    }
}
