//! Registry authentication state: `WWW-Authenticate` challenges, bearer tokens and their
//! expiry. The HTTP side of the token flow lives in [`crate::client`]; this module only
//! parses and remembers.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::credentials::Credentials;

/// What a `401` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Parses `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. Quoted values may
/// hold commas (`scope="repository:a:pull,push"`), so this is a small tokenizer, not a split.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    let params = parse_params(rest);
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    Some(Challenge::Bearer {
        realm: params.get("realm")?.clone(),
        service: params.get("service").cloned(),
        scope: params.get("scope").cloned(),
    })
}

fn parse_params(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_ascii_lowercase();
        if key.is_empty() {
            return out;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',') {
                value.push(c);
            }
            value = value.trim().to_string();
        }
        out.insert(key, value);
    }
}

/// A token service's answer. Docker's uses `token`, OAuth-style ones `access_token`.
#[derive(serde::Deserialize)]
pub struct TokenReply {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenReply {
    pub fn token(&self) -> Option<&str> {
        self.token
            .as_deref()
            .or(self.access_token.as_deref())
            .filter(|t| !t.is_empty())
    }

    /// How long to use the token: what the service says less a margin; 60 s by spec default.
    pub fn lifetime(&self) -> Duration {
        let secs = self.expires_in.unwrap_or(60).max(1);
        Duration::from_secs(secs).saturating_sub(Duration::from_secs(secs.min(10) / 2))
    }
}

/// The credentials for one registry and the `Authorization` value currently in use.
pub struct Auth {
    pub credentials: Option<Credentials>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    header: Option<String>,
    expires: Option<Instant>,
    /// The bearer challenge that led to the current token, to renew it without another 401.
    challenge: Option<Challenge>,
}

impl Auth {
    /// A registry's own bearer token is the header from the first request on.
    pub fn new(credentials: Option<Credentials>) -> Auth {
        let header = credentials
            .as_ref()
            .and_then(Credentials::bearer)
            .map(|token| format!("Bearer {token}"));
        Auth {
            credentials,
            state: Mutex::new(State {
                header,
                ..State::default()
            }),
        }
    }

    /// Whether the credentials are a token to send as it is, with nothing to exchange.
    pub fn fixed(&self) -> bool {
        self.credentials
            .as_ref()
            .is_some_and(|c| c.bearer().is_some())
    }

    /// The header to send now, or the challenge to answer first when a token has expired.
    pub fn current(&self) -> Result<Option<String>, Challenge> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match (&state.expires, &state.challenge) {
            (Some(at), Some(ch)) if Instant::now() >= *at => Err(ch.clone()),
            _ => Ok(state.header.clone()),
        }
    }

    pub fn set_basic(&self) -> bool {
        let Some(creds) = self.credentials.as_ref().filter(|_| !self.fixed()) else {
            return false;
        };
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let header = creds.basic();
        if state.header.as_ref() == Some(&header) {
            return false;
        }
        *state = State {
            header: Some(header),
            ..State::default()
        };
        true
    }

    pub fn set_token(&self, token: &str, lifetime: Duration, challenge: Challenge) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        *state = State {
            header: Some(format!("Bearer {token}")),
            // A lifetime past what the clock can hold (a hostile `expires_in`) never expires.
            expires: Instant::now().checked_add(lifetime),
            challenge: Some(challenge),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_hub_challenge() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push""#,
        );
        assert_eq!(
            c,
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull,push".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="x""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Bearer service=x"), None);
        assert_eq!(parse_challenge("Negotiate"), None);
        let unquoted = parse_challenge("bearer realm=http://h/t, service=s").unwrap();
        assert!(
            matches!(unquoted, Challenge::Bearer { realm, service: Some(s), .. } if realm == "http://h/t" && s == "s")
        );
    }

    #[test]
    fn a_registry_token_is_sent_as_it_is() {
        let auth = Auth::new(Some(Credentials::registry_token("t0k")));
        assert_eq!(auth.current(), Ok(Some("Bearer t0k".to_string())));
        assert!(auth.fixed());
        assert!(!auth.set_basic(), "never turned into basic credentials");
        assert_eq!(auth.current(), Ok(Some("Bearer t0k".to_string())));
        assert!(!Auth::new(Some(Credentials::new("u", "p"))).fixed());
    }

    #[test]
    fn token_lifetime_has_a_margin() {
        let reply: TokenReply =
            serde_json::from_str(r#"{"access_token":"t","expires_in":300}"#).unwrap();
        assert_eq!(reply.token(), Some("t"));
        assert_eq!(reply.lifetime(), Duration::from_secs(295));
        let reply: TokenReply = serde_json::from_str(r#"{"token":""}"#).unwrap();
        assert_eq!(reply.token(), None);
    }

    /// A hostile registry's `WWW-Authenticate`: any mix of schemes, keys, quotes, escapes and
    /// separators gives a challenge or none, never a panic; a bearer one always has its realm.
    #[test]
    fn hostile_challenges_never_panic() {
        use proptest::prelude::*;
        let token = prop::sample::select(vec![
            "Bearer ",
            "Basic ",
            "bearer",
            "realm",
            "service",
            "scope",
            "=",
            "\"",
            "\\",
            ",",
            " ",
            "\t",
            "é",
            "https://h/t",
            "repository:a:pull,push",
            "",
        ]);
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(2048));
        runner
            .run(&proptest::collection::vec(token, 0..24), |tokens| {
                let header = tokens.concat();
                if let Some(Challenge::Bearer { realm, .. }) = parse_challenge(&header) {
                    prop_assert!(header.contains("realm"), "{header:?} gave {realm:?}");
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_token_that_outlives_the_clock_is_kept_not_a_panic() {
        let reply: TokenReply =
            serde_json::from_str(r#"{"token":"t","expires_in":18446744073709551615}"#).unwrap();
        let auth = Auth::new(None);
        auth.set_token("t", reply.lifetime(), Challenge::Basic);
        assert_eq!(auth.current(), Ok(Some("Bearer t".to_string())));
    }
}
