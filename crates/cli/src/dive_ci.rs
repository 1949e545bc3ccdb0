//! dive's CI rules: `lowestEfficiency`, `highestWastedBytes`, `highestUserWastedPercent`,
//! from flags or a `.dive-ci` file (`rules:` with `key: value` lines). Flags win.

use std::path::Path;

use plinth_image::report::Report;

use crate::cmd::layers::Args;
use crate::exit::{self, Failure};

#[derive(Debug, Default)]
pub struct Rules {
    lowest_efficiency: Option<f64>,
    highest_wasted_bytes: Option<u64>,
    highest_user_wasted_percent: Option<f64>,
}

impl Rules {
    /// dive's defaults, then the rules file, then flags.
    pub fn load(args: &Args) -> Result<Rules, Failure> {
        let mut values: Vec<(String, String)> = vec![
            ("lowestEfficiency".into(), "0.9".into()),
            ("highestWastedBytes".into(), "disabled".into()),
            ("highestUserWastedPercent".into(), "0.1".into()),
        ];
        let file = args
            .ci_config()
            .map(Path::to_path_buf)
            .or_else(|| Path::new(".dive-ci").is_file().then(|| ".dive-ci".into()));
        if let Some(file) = file {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                Failure::new(exit::INPUT, anyhow::anyhow!("{}: {e}", file.display()))
            })?;
            values.extend(parse_file(&text));
        }
        for (key, value) in args.rule_flags() {
            if let Some(v) = value {
                values.push((key.into(), v.into()));
            }
        }
        let mut rules = Rules::default();
        for (key, value) in values {
            rules
                .set(&key, &value)
                .map_err(|m| Failure::new(exit::USAGE, anyhow::anyhow!("--ci rule {key}: {m}")))?;
        }
        Ok(rules)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let value = value.trim().trim_matches('"').trim_matches('\'');
        let disabled = value.eq_ignore_ascii_case("disabled");
        let ratio = || {
            value
                .parse::<f64>()
                .map_err(|_| format!("{value:?} is not a number"))
        };
        match key {
            "lowestEfficiency" => {
                self.lowest_efficiency = if disabled { None } else { Some(ratio()?) }
            }
            "highestUserWastedPercent" => {
                self.highest_user_wasted_percent = if disabled { None } else { Some(ratio()?) }
            }
            "highestWastedBytes" => {
                self.highest_wasted_bytes = if disabled {
                    None
                } else {
                    Some(parse_size(value)?)
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The failed rules, each as one line.
    pub fn evaluate(&self, r: &Report) -> Vec<String> {
        let checks = [
            self.lowest_efficiency
                .filter(|&min| r.efficiency < min)
                .map(|min| {
                    format!(
                        "lowestEfficiency: image efficiency {:.4} is lower than {min}",
                        r.efficiency
                    )
                }),
            self.highest_wasted_bytes
                .filter(|&max| r.wasted_bytes > max)
                .map(|max| {
                    format!(
                        "highestWastedBytes: {} wasted bytes exceed {max}",
                        r.wasted_bytes
                    )
                }),
            self.highest_user_wasted_percent
                .filter(|&max| r.user_wasted_percent > max)
                .map(|max| {
                    format!(
                        "highestUserWastedPercent: {:.4} of user bytes wasted exceeds {max}",
                        r.user_wasted_percent
                    )
                }),
        ];
        checks.into_iter().flatten().collect()
    }
}

/// `key: value` lines under `rules:`; comments and other keys ignored.
fn parse_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// "20MB", "1.5 GiB", "1024" → bytes (decimal and binary units, as dive's humanize accepts).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("{s:?} is not a size"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024f64.powi(4),
        u => return Err(format!("unknown size unit {u:?}")),
    };
    Ok((n * mult) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("20MB"), Ok(20_000_000));
        assert_eq!(parse_size("1 MiB"), Ok(1 << 20));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn file_format() {
        let v = parse_file(
            "rules:\n  # comment\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n",
        );
        assert_eq!(
            v,
            vec![
                ("lowestEfficiency".into(), "0.95".into()),
                ("highestWastedBytes".into(), "20MB".into())
            ]
        );
    }
}
