//! Keywords are a gate: a rule's regex runs only in windows holding one of its keywords, so a
//! spelling its regex matches but no keyword holds is never reported. These are real-shaped
//! files whose only credential is spelled that way (`authtoken`, `AccessToken`,
//! `.dockerconfig`), each alone in a tree so that no other keyword opens the gate for it.

use plinth_image::reference::Reference;
use plinth_secrets::{Options, PathFilter, RuleSet, Scanner, scan_image};

/// The (rule, path, line) of each finding in a tree holding the one file `name`.
fn findings(name: &str, text: &str) -> Vec<(String, String, u64)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let image = Reference::parse(&format!("dir:{}", dir.path().display()))
        .unwrap()
        .open_local(None)
        .unwrap();
    let options = Options {
        filter: PathFilter::default(),
        max_size: plinth_secrets::DEFAULT_MAX_SIZE,
    };
    let report = scan_image(&image, &Scanner::new(RuleSet::builtin()), &options).unwrap();
    report
        .findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.target.clone(), f.line))
        .collect()
}

fn one(rule: &str, path: &str, line: u64) -> Vec<(String, String, u64)> {
    vec![(rule.to_string(), path.to_string(), line)]
}

#[test]
fn ngrok_authtoken_is_a_generic_password() {
    // ngrok's agent config (`ngrok config add-authtoken` writes it).
    let config = "version: \"2\"\nauthtoken: 2Xk9PqL3vRtY8wZ1nB5mC7dF0gH_4jK6sA2eU9iO\n";
    assert_eq!(
        findings("ngrok.yml", config),
        one("generic-password", "/ngrok.yml", 2)
    );
}

#[test]
fn camel_case_access_token_is_a_generic_password() {
    // .NET's appsettings.json, keys in PascalCase.
    let settings = "{\n  \"Logging\": { \"LogLevel\": { \"Default\": \"Information\" } },\n  \"Api\": {\n    \"BaseUrl\": \"https://api.example.net\",\n    \"AccessToken\": \"b3JnX2RlbW86cFZ4N3FMMm1LOXRSNHc\"\n  }\n}\n";
    assert_eq!(
        findings("appsettings.json", settings),
        one("generic-password", "/appsettings.json", 5)
    );
}

#[test]
fn dockerconfig_without_json_is_docker_credentials() {
    // An image pull secret whose data key is spelled `.dockerconfig`.
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\ntype: Opaque\ndata:\n  .dockerconfig: eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlLm5ldCI6eyJhdXRoIjoiWkdWd2JHOTVPbGx5WlRKclMxaGhUblJXY21aTWVHRXlZVEZOIn19fQ==\n";
    assert_eq!(
        findings("regcred.yaml", secret),
        one("dockerconfigjson", "/regcred.yaml", 7)
    );
}
