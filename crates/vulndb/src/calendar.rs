//! Dates without a date crate: plinth only ever needs days since 1970 as a calendar date.

/// Days since 1970-01-01 as `YYYY-MM-DD` in the proleptic Gregorian calendar (Howard
/// Hinnant's days-to-civil algorithm).
pub fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Unix seconds as the date and the `HH:MM:SS` of that day, in UTC.
pub fn date_and_time(secs: u64) -> (String, String) {
    let rem = secs % 86_400;
    let time = format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60);
    (civil_date((secs / 86_400) as i64), time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_723), "2024-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(-1), "1969-12-31");
        assert_eq!(
            date_and_time(1_700_000_000),
            ("2023-11-14".into(), "22:13:20".into())
        );
    }
}
