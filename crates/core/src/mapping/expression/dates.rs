//! Dates as Entra's expression functions see them: .NET custom format strings (FormatDateTime),
//! the `M/d/yyyy h:mm:ss tt` text of CDate/Now/DateAdd, interval arithmetic (DateAdd, DateDiff)
//! and Active Directory's FILETIME numbers (NumFromDate, DateFromNum).

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, Timelike};

/// The text of Entra date values.
const ENTRA: &str = "M/d/yyyy h:mm:ss tt";

pub(super) const INTERVAL_HELP: &str = "the interval must be one of yyyy (year), m (month), d (day), ww (week), h (hour), n (minute), s (second)";

/// A parsed date: local wall time and, when the text had one, its UTC offset in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Parsed {
    pub local: NaiveDateTime,
    pub offset: Option<i32>,
}

impl Parsed {
    fn utc(self) -> NaiveDateTime {
        self.local - Duration::seconds(i64::from(self.offset.unwrap_or(0)))
    }
}

/// One piece of a .NET custom format string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Year(usize),
    Month(usize),
    Day(usize),
    Hour24(usize),
    Hour12(usize),
    Minute(usize),
    Second(usize),
    Fraction(usize),
    AmPm,
    Offset(usize),
    OffsetOrZ,
    Literal(String),
}

fn pieces(format: &str) -> Vec<Piece> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut run = 1;
        while i + run < chars.len() && chars[i + run] == c {
            run += 1;
        }
        let piece = match c {
            'y' => Piece::Year(run),
            'M' => Piece::Month(run),
            'd' => Piece::Day(run),
            'H' => Piece::Hour24(run),
            'h' => Piece::Hour12(run),
            'm' => Piece::Minute(run),
            's' => Piece::Second(run),
            'f' | 'F' => Piece::Fraction(run),
            't' => Piece::AmPm,
            'z' => Piece::Offset(run),
            'K' => Piece::OffsetOrZ,
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|x| *x == c)
                    .map_or(chars.len(), |p| i + 1 + p);
                out.push(Piece::Literal(chars[i + 1..end].iter().collect()));
                i = end + 1;
                continue;
            }
            '\\' => {
                out.push(Piece::Literal(
                    chars
                        .get(i + 1)
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                ));
                i += 2;
                continue;
            }
            other => {
                out.push(Piece::Literal(other.to_string()));
                i += 1;
                continue;
            }
        };
        out.push(piece);
        i += run;
    }
    out
}

/// Reads `min..=max` digits.
fn digits(input: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = input
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if n < min {
        return None;
    }
    Some((input[..n].parse().ok()?, &input[n..]))
}

fn offset(input: &str, with_minutes: bool) -> Option<(i32, &str)> {
    let sign = match input.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, rest) = digits(&input[1..], 1, 2)?;
    let (minutes, rest) = if with_minutes {
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        digits(rest, 2, 2)?
    } else {
        (0, rest)
    };
    Some((
        sign * i32::try_from(hours * 3600 + minutes * 60).ok()?,
        rest,
    ))
}

/// Parses `input` with a .NET custom format string.
pub(super) fn parse_dotnet(input: &str, format: &str) -> Option<Parsed> {
    let mut rest = input.trim();
    let (mut year, mut month, mut day) = (1i32, 1u32, 1u32);
    let (mut hour, mut minute, mut second, mut nanos) = (0u32, 0u32, 0u32, 0u32);
    let mut pm: Option<bool> = None;
    let mut tz = None;
    for piece in pieces(format) {
        match piece {
            Piece::Year(n) => {
                let (v, r) = digits(
                    rest,
                    if n >= 4 { 4 } else { n.max(2) },
                    if n >= 4 { 4 } else { 2 },
                )?;
                year = if n <= 2 {
                    2000 + i32::try_from(v).ok()?
                } else {
                    i32::try_from(v).ok()?
                };
                rest = r;
            }
            Piece::Month(n) => (month, rest) = digits(rest, n.min(2), 2)?,
            Piece::Day(n) => (day, rest) = digits(rest, n.min(2), 2)?,
            Piece::Hour24(n) | Piece::Hour12(n) => (hour, rest) = digits(rest, n.min(2), 2)?,
            Piece::Minute(n) => (minute, rest) = digits(rest, n.min(2), 2)?,
            Piece::Second(n) => (second, rest) = digits(rest, n.min(2), 2)?,
            Piece::Fraction(n) => {
                let (v, r) = digits(rest, 1, n)?;
                let read = rest.len() - r.len();
                nanos = v * 10u32.pow(u32::try_from(9 - read.min(9)).ok()?);
                rest = r;
            }
            Piece::AmPm => {
                let upper = rest.get(..2)?.to_ascii_uppercase();
                pm = Some(match upper.as_str() {
                    "AM" => false,
                    "PM" => true,
                    _ => return None,
                });
                rest = &rest[2..];
            }
            Piece::Offset(n) => {
                let (o, r) = offset(rest, n >= 3)?;
                tz = Some(o);
                rest = r;
            }
            Piece::OffsetOrZ => {
                if let Some(r) = rest.strip_prefix('Z') {
                    tz = Some(0);
                    rest = r;
                } else if let Some((o, r)) = offset(rest, true) {
                    tz = Some(o);
                    rest = r;
                }
            }
            Piece::Literal(text) => {
                rest = rest.strip_prefix(text.as_str()).or_else(|| {
                    // Any white space matches any white space.
                    text.trim().is_empty().then(|| rest.trim_start())
                })?;
            }
        }
    }
    if !rest.trim().is_empty() {
        return None;
    }
    if let Some(pm) = pm {
        if hour == 0 || hour > 12 {
            return None;
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    let local =
        NaiveDate::from_ymd_opt(year, month, day)?.and_hms_nano_opt(hour, minute, second, nanos)?;
    Some(Parsed { local, offset: tz })
}

/// Formats a date with a .NET custom format string.
pub(super) fn format_dotnet(parsed: Parsed, format: &str) -> String {
    use std::fmt::Write as _;
    let time = parsed.local;
    let offset = parsed.offset.unwrap_or(0);
    let sign = if offset < 0 { '-' } else { '+' };
    let (offset_hours, offset_minutes) = (offset.abs() / 3600, offset.abs() % 3600 / 60);
    let mut out = String::new();
    for piece in pieces(format) {
        // Writing to a String cannot fail.
        let _ = match piece {
            Piece::Year(width) if width <= 2 => {
                write!(out, "{:0width$}", time.year().rem_euclid(100))
            }
            Piece::Year(width) => write!(out, "{:0width$}", time.year()),
            Piece::Month(3) => write!(out, "{}", time.format("%b")),
            Piece::Month(width) if width > 3 => write!(out, "{}", time.format("%B")),
            Piece::Month(width) => write!(out, "{:0width$}", time.month()),
            Piece::Day(3) => write!(out, "{}", time.format("%a")),
            Piece::Day(width) if width > 3 => write!(out, "{}", time.format("%A")),
            Piece::Day(width) => write!(out, "{:0width$}", time.day()),
            Piece::Hour24(width) => write!(out, "{:0width$}", time.hour()),
            Piece::Hour12(width) => write!(out, "{:0width$}", time.hour12().1),
            Piece::Minute(width) => write!(out, "{:0width$}", time.minute()),
            Piece::Second(width) => write!(out, "{:0width$}", time.second()),
            Piece::Fraction(width) => {
                let nanos = format!("{:09}", time.nanosecond());
                write!(out, "{}", &nanos[..width.min(9)])
            }
            Piece::AmPm => write!(out, "{}", if time.hour() < 12 { "AM" } else { "PM" }),
            Piece::OffsetOrZ if parsed.offset.is_none() => write!(out, "Z"),
            Piece::Offset(1) => write!(out, "{sign}{offset_hours}"),
            Piece::Offset(2) => write!(out, "{sign}{offset_hours:02}"),
            Piece::Offset(_) | Piece::OffsetOrZ => {
                write!(out, "{sign}{offset_hours:02}:{offset_minutes:02}")
            }
            Piece::Literal(text) => write!(out, "{text}"),
        };
    }
    out
}

/// The text Entra shows for a date value.
pub(super) fn entra_format(t: NaiveDateTime) -> String {
    format_dotnet(
        Parsed {
            local: t,
            offset: None,
        },
        ENTRA,
    )
}

/// The forms [`parse_loose`] tries after RFC 3339.
const LOOSE_FORMATS: [&str; 9] = [
    "yyyy-MM-ddTHH:mm:ss.FFFFFFFK",
    "yyyy-MM-ddTHH:mm:ssK",
    "yyyy-MM-ddTHH:mm:ss",
    "yyyy-MM-dd HH:mm:ssK",
    "yyyy-MM-dd HH:mm:ss",
    "yyyy-MM-ddzzz",
    "yyyy-MM-ddK",
    "yyyy-MM-dd",
    ENTRA,
];

/// A date from the forms Entra's examples use, in UTC: RFC 3339, `2020-03-16-07:00`,
/// `2021-08-24`, `8/25/2021 5:41:18 PM`, `2021-08-24 10:00:00`.
pub(super) fn parse_loose(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.naive_utc());
    }

    LOOSE_FORMATS
        .iter()
        .find_map(|f| parse_dotnet(text, f))
        .map(Parsed::utc)
}

/// `dateTime` plus `n` intervals.
pub(super) fn add(t: NaiveDateTime, interval: &str, n: i64) -> Option<NaiveDateTime> {
    let months = |m: i64| -> Option<NaiveDateTime> {
        let m32 = u32::try_from(m.unsigned_abs()).ok()?;
        if m >= 0 {
            t.checked_add_months(Months::new(m32))
        } else {
            t.checked_sub_months(Months::new(m32))
        }
    };
    match interval {
        "yyyy" => months(n.checked_mul(12)?),
        "m" => months(n),
        "d" => t.checked_add_signed(Duration::try_days(n)?),
        "ww" => t.checked_add_signed(Duration::try_weeks(n)?),
        "h" => t.checked_add_signed(Duration::try_hours(n)?),
        "n" => t.checked_add_signed(Duration::try_minutes(n)?),
        "s" => t.checked_add_signed(Duration::try_seconds(n)?),
        _ => None,
    }
}

/// `date2 - date1` in intervals: calendar boundaries for years and months, rounded elapsed time
/// for the others (as Entra's documented examples give).
pub(super) fn diff(interval: &str, a: NaiveDateTime, b: NaiveDateTime) -> Option<i64> {
    let elapsed = (b - a).num_milliseconds();
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    // Differences of real dates fit.
    let round = |unit_ms: i64| ((elapsed as f64) / (unit_ms as f64)).round() as i64;
    Some(match interval {
        "yyyy" => i64::from(b.year() - a.year()),
        "m" => i64::from(b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month()),
        "d" => round(86_400_000),
        "ww" => round(7 * 86_400_000),
        "h" => round(3_600_000),
        "n" => round(60_000),
        "s" => round(1000),
        _ => return None,
    })
}

const FILETIME_EPOCH_OFFSET_S: i64 = 11_644_473_600;

/// Active Directory's FILETIME (100-nanosecond intervals since 1601-01-01 UTC) to a date.
pub(super) fn from_filetime(n: i64) -> Option<NaiveDateTime> {
    let seconds = n / 10_000_000 - FILETIME_EPOCH_OFFSET_S;
    let nanos = u32::try_from((n % 10_000_000) * 100).ok()?;
    DateTime::from_timestamp(seconds, nanos).map(|d| d.naive_utc())
}

/// A date to Active Directory's FILETIME.
pub(super) fn to_filetime(t: NaiveDateTime) -> i64 {
    let utc = t.and_utc();
    (utc.timestamp() + FILETIME_EPOCH_OFFSET_S) * 10_000_000
        + i64::from(utc.timestamp_subsec_nanos() / 100)
}
