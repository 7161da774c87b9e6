//! Post dates the way Jekyll reads them: from the file name or front matter, with or without an
//! offset, always shown (and put into URLs) in the site's time zone.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime as Zoned};

/// Formats Jekyll (Ruby's `Time.parse`) accepts in practice, with an explicit offset.
const WITH_OFFSET: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f %z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M %z",
    "%Y-%m-%d %H:%M%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f %z",
    "%Y-%m-%dT%H:%M%z",
];

/// Without an offset the time is a wall-clock time in the site's zone.
const WITHOUT_OFFSET: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
];

/// Parses a front matter date and converts it into `tz`.
pub fn parse(text: &str, tz: &TimeZone) -> Result<Zoned, String> {
    let t = text.trim();
    // jiff's `Date` parser also accepts full datetimes (dropping the time), so only a bare
    // `YYYY-MM-DD` may take this path.
    if t.len() == 10
        && let Ok(date) = t.parse::<Date>()
    {
        return midnight(date, tz);
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts.to_zoned_datetime(tz.clone()));
    }
    // `Z` and `UTC` suffixes mean +00:00.
    let normalized = if let Some(s) = t.strip_suffix(" UTC").or_else(|| t.strip_suffix('Z')) {
        format!("{} +0000", s.trim_end())
    } else {
        t.to_string()
    };
    for fmt in WITH_OFFSET {
        if let Ok(ts) = Timestamp::strptime(fmt, &normalized) {
            return Ok(ts.to_zoned_datetime(tz.clone()));
        }
    }
    for fmt in WITHOUT_OFFSET {
        if let Ok(dt) = DateTime::strptime(fmt, t) {
            return dt.to_zoned_datetime(tz.clone()).map_err(|e| e.to_string());
        }
    }
    Err(explain(t))
}

/// Says why a date that looks right is still rejected (`2019-02-30`), rather than only "bad".
fn explain(t: &str) -> String {
    let head: String = t.chars().take(10).collect();
    match head.parse::<Date>() {
        Err(e) if head.len() == 10 && head.as_bytes().get(4) == Some(&b'-') => {
            format!("invalid date `{t}`: {e}")
        }
        _ => format!(
            "invalid date `{t}`: expected YYYY-MM-DD, `YYYY-MM-DD HH:MM:SS +0800` or RFC 3339"
        ),
    }
}

pub fn midnight(date: Date, tz: &TimeZone) -> Result<Zoned, String> {
    date.to_datetime(jiff::civil::Time::midnight())
        .to_zoned_datetime(tz.clone())
        .map_err(|e| e.to_string())
}

/// Jekyll's file-name rule: `YYYY-MM-DD-title.ext`; returns the date and the title part.
pub fn from_file_stem(stem: &str) -> Option<Result<(Date, &str), String>> {
    let bytes = stem.as_bytes();
    if bytes.len() < 11 || bytes[10] != b'-' {
        return None;
    }
    let head = &stem[..10];
    let looks_like_date = head.bytes().enumerate().all(|(i, b)| {
        if i == 4 || i == 7 {
            b == b'-'
        } else {
            b.is_ascii_digit()
        }
    });
    if !looks_like_date {
        return None;
    }
    Some(
        head.parse::<Date>()
            .map(|d| (d, &stem[11..]))
            .map_err(|e| format!("invalid date `{head}` in file name: {e}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> TimeZone {
        TimeZone::UTC
    }

    fn shanghai() -> TimeZone {
        TimeZone::get("Asia/Shanghai").unwrap()
    }

    fn ymdh(z: &Zoned) -> String {
        z.strftime("%Y-%m-%d %H:%M:%S %z").to_string()
    }

    #[test]
    fn offset_dates_convert_to_site_zone() {
        let z = parse("2018-12-31 15:30:58 +0800", &utc()).unwrap();
        assert_eq!(ymdh(&z), "2018-12-31 07:30:58 +0000");
        let z = parse("2020-01-01 01:30:00 +0800", &utc()).unwrap();
        assert_eq!(ymdh(&z), "2019-12-31 17:30:00 +0000");
        let z = parse("2020-03-10 22:00:00 -0700", &shanghai()).unwrap();
        assert_eq!(ymdh(&z), "2020-03-11 13:00:00 +0800");
    }

    #[test]
    fn rfc3339_and_plain_dates() {
        let z = parse("2021-06-01T23:30:00Z", &shanghai()).unwrap();
        assert_eq!(ymdh(&z), "2021-06-02 07:30:00 +0800");
        let z = parse("2021-06-01T23:30:00+02:00", &utc()).unwrap();
        assert_eq!(ymdh(&z), "2021-06-01 21:30:00 +0000");
        let z = parse("2019-03-04", &shanghai()).unwrap();
        assert_eq!(ymdh(&z), "2019-03-04 00:00:00 +0800");
        let z = parse("2019-03-04 10:11", &shanghai()).unwrap();
        assert_eq!(ymdh(&z), "2019-03-04 10:11:00 +0800");
    }

    #[test]
    fn impossible_dates_are_explained() {
        let e = parse("2019-02-30", &utc()).unwrap_err();
        assert!(e.contains("2019-02-30"), "{e}");
        assert!(parse("yesterday", &utc()).unwrap_err().contains("expected"));
        assert!(parse("2019-13-01 10:00:00 +0800", &utc()).is_err());
    }

    #[test]
    fn file_stems() {
        let (d, rest) = from_file_stem("2018-12-31-deep-learning").unwrap().unwrap();
        assert_eq!(d.to_string(), "2018-12-31");
        assert_eq!(rest, "deep-learning");
        assert!(from_file_stem("about").is_none());
        assert!(from_file_stem("2019-02-30-x").unwrap().is_err());
    }
}
