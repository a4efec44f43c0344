//! Calendar dates and durations: the `date` and `duration` types of the language.

use std::fmt;

/// A day of the proleptic Gregorian calendar, stored as days since 1970-01-01. Policies and cases
/// name only days of 0001-01-01 to 9999-12-31 (the *calendar*); arithmetic may go beyond, exactly,
/// up to 2^60 days either way, past which a result is `BEFORE_ALL` or `AFTER_ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

/// How far from 1970-01-01 a computed date may go before it becomes `BEFORE_ALL` or `AFTER_ALL`:
/// 2^60 days. Reaching it takes more than ten million additions of the longest durations, and
/// below it every day count, month count and year of `add` fits an `i64` with room to spare.
const FARTHEST: i64 = 1 << 60;

/// Why a `YYYY-MM-DD` text is not a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateProblem {
    /// The text is not of the form `YYYY-MM-DD`.
    Shape,
    /// The month is not 1 to 12.
    Month(u32),
    /// The day does not exist in that month.
    Day { year: i32, month: u32, day: u32 },
    /// The year is outside 0001 to 9999.
    Year(i32),
}

impl fmt::Display for DateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateProblem::Shape => write!(f, "a date is written `YYYY-MM-DD`"),
            DateProblem::Month(month) => write!(f, "there is no month {month}"),
            DateProblem::Day { year, month, day } => {
                let last = days_in_month(*year, *month);
                write!(f, "{year}-{month:02} has {last} days, not {day}")
            }
            DateProblem::Year(year) => write!(
                f,
                "there is no year {year:04}: dates range from {} to {}",
                Date::MIN,
                Date::MAX
            ),
        }
    }
}

impl Date {
    /// 1970-01-01, used in place of a date that could not be read.
    pub const EPOCH: Date = Date(0);

    /// 0001-01-01, the first date a case or a policy can name.
    pub const MIN: Date = Date(-719_162);

    /// 9999-12-31, the last date a case or a policy can name.
    pub const MAX: Date = Date(2_932_896);

    /// Before every date: what a date moved more than 2^60 days before 1970 becomes. It compares
    /// less than every date, and moving it keeps it where it is.
    pub const BEFORE_ALL: Date = Date(i64::MIN);

    /// After every date: what a date moved more than 2^60 days after 1970 becomes. It compares
    /// greater than every date, and moving it keeps it where it is.
    pub const AFTER_ALL: Date = Date(i64::MAX);

    /// The date of a year (0001–9999), month (1–12) and day (1–31), if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<Date, DateProblem> {
        if !(1..=9999).contains(&year) {
            return Err(DateProblem::Year(year));
        }
        // The year's first day and whether it is a leap year, and the month's length and the
        // days of the year before it, from tables (the case reader asks this of every date it
        // reads): month 0 wraps around to no entry.
        let index = month.wrapping_sub(1) as usize;
        let (Some(&length), Some(&before)) = (MONTH_LENGTHS.get(index), DAYS_BEFORE.get(index))
        else {
            return Err(DateProblem::Month(month));
        };
        let Some(&entry) = YEARS.get(year.unsigned_abs() as usize) else {
            return Err(DateProblem::Year(year));
        };
        let leap = entry & 1;
        if day == 0 || day > length + (leap & u32::from(month == 2)) {
            return Err(DateProblem::Day { year, month, day });
        }
        let days = (entry >> 1) + before + (leap & u32::from(month > 2)) + day - 1;
        Ok(Date(i64::from(days) - 719_162))
    }

    /// The last day of the date's year; `BEFORE_ALL` and `AFTER_ALL` stay where they are.
    pub fn end_of_year(self) -> Date {
        if self.is_beyond_reach() {
            return self;
        }
        let (year, _, _) = civil_from_days(self.0);
        Date(days_from_civil(year, 12, 31))
    }

    /// The last day of the year `years` after the date's (before it, for a negative count),
    /// when the date and that day are days of the calendar: `end_of_year()` plus `years`
    /// twelve-month periods, as `add` works it out (a 31 December stays one), without its
    /// arithmetic. None otherwise.
    pub fn end_of_year_after(self, years: i32) -> Option<Date> {
        let year = i32::from(self.text()?.year).checked_add(years)?;
        Date::from_ymd(year, 12, 31).ok()
    }

    /// Whether the date is `BEFORE_ALL` or `AFTER_ALL`.
    fn is_beyond_reach(self) -> bool {
        self.0.unsigned_abs() > FARTHEST.unsigned_abs()
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days(self) -> i64 {
        self.0
    }

    /// Whether the date is one of the calendar (0001-01-01 to 9999-12-31), the days a policy or a
    /// case can name.
    pub fn is_in_calendar(self) -> bool {
        (Date::MIN..=Date::MAX).contains(&self)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Date, DateProblem> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(DateProblem::Shape);
        }
        // Every byte but the dashes is a digit: the numbers are read from them directly.
        let digit = |at: usize| u32::from(bytes[at] - b'0');
        let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
        let month = digit(5) * 10 + digit(6);
        let day = digit(8) * 10 + digit(9);
        Date::from_ymd(i32::try_from(year).unwrap_or(0), month, day)
    }

    /// Writes the date as `Display` does, without the formatting machinery for a date of the
    /// calendar (the batch writer's common case).
    pub fn push_to(self, out: &mut String) {
        match self.text() {
            Some(text) => text.push_to(out),
            None => {
                use std::fmt::Write as _;
                let _ = write!(out, "{self}");
            }
        }
    }

    /// Writes the date as a JSON string, quotes included, as `push_to` writes it.
    #[inline]
    pub fn push_quoted(self, out: &mut String) {
        match self.text() {
            Some(text) => text.push_quoted(out),
            None => {
                out.push('"');
                self.push_to(out);
                out.push('"');
            }
        }
    }

    /// The text of a date of the calendar as two pieces made at compile time, or none for a
    /// date outside it: worked out once, it can be written several times (a batch line writes
    /// its date twice, in the line and in its receipt).
    pub fn text(self) -> Option<DateText> {
        if !self.is_in_calendar() {
            return None;
        }
        // Days of the calendar are 0 to 3,652,058 from 0001-01-01 (`MIN`), 306 to 3,652,364
        // from 0000-03-01, where the years of `civil_from_days` begin (a leap day is the last
        // of its year). The year is estimated from the mean year, never too low and at most one
        // too high, then corrected.
        let from_march = u32::try_from(self.0 - Date::MIN.0).unwrap_or(0) + 306;
        let mut year = (from_march + 2) * 400 / 146_097;
        let mut start = march_year_start(year);
        if from_march < start {
            year -= 1;
            start = march_year_start(year);
        }
        // Below 366 and 10,000: both fit 16 bits.
        let day_of_year = (from_march - start) as u16;
        // January and February end the year that began the March before.
        let year = year as u16 + u16::from(day_of_year >= 306);
        Some(DateText { year, day_of_year })
    }

    /// The year, month and day of a date of the calendar (a date outside gives the nearest
    /// day of the calendar).
    pub fn ymd(self) -> (i32, u32, u32) {
        let (year, month, day) = civil_from_days(self.clamp(Date::MIN, Date::MAX).0);
        (i32::try_from(year).unwrap_or(9999), month, day)
    }

    /// The date a duration later (or earlier, for a negative sign): the days first, then the
    /// months, keeping the day of the month, clamped to the month's last day (2024-01-31 + 1
    /// month = 2024-02-29). The result is exact, inside the calendar or not, up to 2^60 days
    /// from 1970; beyond, it is `AFTER_ALL` or `BEFORE_ALL`, which stay where they are.
    pub fn add(self, duration: Duration, sign: i32) -> Date {
        if self.is_beyond_reach() {
            return self;
        }
        let sign = i64::from(sign.signum());
        // At most 2^60 + 2^31 days and 2^31 months from 1970: every count below fits an `i64`.
        let days = self.0 + sign * i64::from(duration.days);
        let (year, month, day) = civil_from_days(days);
        let months_total = year * 12 + i64::from(month - 1) + sign * i64::from(duration.months);
        let new_year = months_total.div_euclid(12);
        let new_month = u32::try_from(months_total.rem_euclid(12) + 1).unwrap_or(1);
        let new_day = day.min(days_in_month(new_year, new_month));
        let days = days_from_civil(new_year, new_month, new_day);
        if days < -FARTHEST {
            Date::BEFORE_ALL
        } else if days > FARTHEST {
            Date::AFTER_ALL
        } else {
            Date(days)
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Date::BEFORE_ALL {
            return write!(f, "before every date");
        }
        if *self == Date::AFTER_ALL {
            return write!(f, "after every date");
        }
        let (year, month, day) = civil_from_days(self.0);
        if self.is_in_calendar() {
            write!(f, "{year:04}-{month:02}-{day:02}")
        } else {
            // ISO 8601's expanded years, with a sign: `+10000-01-01`, `+0000-12-31` (the year
            // before 0001), `-0001-12-31`.
            let sign = if year < 0 { '-' } else { '+' };
            write!(f, "{sign}{:04}-{month:02}-{day:02}", year.unsigned_abs())
        }
    }
}

/// The text of a date of the calendar (`Date::text`): where its two pieces are in texts made
/// at compile time, `"YYYY` in `QUOTED_YEARS` and `-MM-DD"` in `FROM_MARCH`, a JSON string
/// together. Each piece is sliced at a fixed length, so that it is copied without a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateText {
    /// The calendar year, 1 to 9999.
    year: u16,
    /// The day's number in the year that began on the March 1 before it, 0 to 365.
    day_of_year: u16,
}

impl DateText {
    /// Writes the date as a JSON string, quotes included.
    #[inline]
    pub fn push_quoted(self, out: &mut String) {
        let (year, day) = (
            5 * usize::from(self.year),
            7 * usize::from(self.day_of_year),
        );
        if let Some(piece) = QUOTED_YEARS.get(year..year + 5) {
            out.push_str(piece);
        }
        if let Some(piece) = FROM_MARCH.get(day..day + 7) {
            out.push_str(piece);
        }
    }

    /// Writes the date without quotes, as `Display` does.
    #[inline]
    pub fn push_to(self, out: &mut String) {
        let (year, day) = (
            5 * usize::from(self.year),
            7 * usize::from(self.day_of_year),
        );
        if let Some(piece) = QUOTED_YEARS.get(year + 1..year + 5) {
            out.push_str(piece);
        }
        if let Some(piece) = FROM_MARCH.get(day..day + 6) {
            out.push_str(piece);
        }
    }
}

/// A length of time in months and days; `years` are twelve months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Duration {
    /// Whole months (a year is twelve).
    pub months: i32,
    /// Days beyond the months.
    pub days: i32,
}

impl Duration {
    /// The sum of two durations.
    pub fn plus(self, other: Duration, sign: i32) -> Duration {
        Duration {
            months: self
                .months
                .saturating_add(sign.saturating_mul(other.months)),
            days: self.days.saturating_add(sign.saturating_mul(other.days)),
        }
    }
}

/// Why a text is not a duration ([`Duration::parse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationProblem {
    /// The text is not a count and a unit, nor such parts joined by `+` or `-`.
    Form {
        /// The text with its parts joined by `+`, when it is a sum written without them
        /// (`1 year 1 month` for `1 year + 1 month`).
        suggestion: Option<String>,
    },
    /// More than 2147483647 months or days.
    TooLong,
}

/// The months and days one part of a duration's text stands for (`18 months`, `2 years`), or
/// `None` when the two words are not a count and a unit.
fn duration_part(count: &str, unit: &str) -> Option<Result<(i64, i64), DurationProblem>> {
    let digits = count.strip_prefix(['+', '-']).unwrap_or(count);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (per_unit, in_months) = match unit {
        "year" | "years" => (12, true),
        "month" | "months" => (1, true),
        "day" | "days" => (1, false),
        _ => return None,
    };
    let total = count
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(per_unit));
    Some(match total {
        Some(n) if in_months => Ok((n, 0)),
        Some(n) => Ok((0, n)),
        None => Err(DurationProblem::TooLong),
    })
}

impl Duration {
    /// Reads a duration as [`Duration`]'s `Display` writes it, which is also how the language
    /// writes it: a count and a unit (`5 years`, `18 months`, `1 day`), or such parts joined by
    /// `+` or `-` (`1 month + 2 days`). Words are separated by whitespace; a count may carry a
    /// sign. Cases, `--param` and `--what-if` values are read with it.
    pub fn parse(text: &str) -> Result<Duration, DurationProblem> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let (mut months, mut days) = (0_i64, 0_i64);
        let mut sign = 1;
        let mut rest = words.as_slice();
        loop {
            let [count, unit, tail @ ..] = rest else {
                return Err(Self::form_problem(&words));
            };
            let Some(part) = duration_part(count, unit) else {
                return Err(Self::form_problem(&words));
            };
            let (part_months, part_days) = part?;
            months = months
                .checked_add(sign * part_months)
                .ok_or(DurationProblem::TooLong)?;
            days = days
                .checked_add(sign * part_days)
                .ok_or(DurationProblem::TooLong)?;
            match tail {
                [] => break,
                ["+", more @ ..] => (sign, rest) = (1, more),
                ["-", more @ ..] => (sign, rest) = (-1, more),
                _ => return Err(Self::form_problem(&words)),
            }
        }
        match (i32::try_from(months), i32::try_from(days)) {
            (Ok(months), Ok(days)) => Ok(Duration { months, days }),
            _ => Err(DurationProblem::TooLong),
        }
    }

    /// A text that is not a duration; when its words are parts without `+` between them, the
    /// text with it.
    fn form_problem(words: &[&str]) -> DurationProblem {
        let pairs = words.chunks(2);
        let all_parts = words.len() >= 4
            && words.len().is_multiple_of(2)
            && pairs
                .clone()
                .all(|pair| matches!(pair, [count, unit] if duration_part(count, unit).is_some()));
        let suggestion = all_parts.then(|| {
            pairs
                .map(|pair| pair.join(" "))
                .collect::<Vec<_>>()
                .join(" + ")
        });
        DurationProblem::Form { suggestion }
    }
}

/// A count and its unit, singular for one: `1 year`, `18 months`.
fn write_part(f: &mut fmt::Formatter<'_>, count: impl Into<i64>, unit: &str) -> fmt::Result {
    let count = count.into();
    let plural = if count.abs() == 1 { "" } else { "s" };
    write!(f, "{count} {unit}{plural}")
}

/// The one way licit writes a duration, read back by [`Duration::parse`] and by the language:
/// the months in the largest unit that states them exactly (`12 months` is `1 year`, `18
/// months` stays), then the days joined by `+` or `-` (`1 month + 2 days`); no months is
/// `30 days`, nothing is `0 days`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.months == 0 {
            return write_part(f, self.days, "day");
        }
        if self.months % 12 == 0 {
            write_part(f, self.months / 12, "year")?;
        } else {
            write_part(f, self.months, "month")?;
        }
        match self.days {
            0 => Ok(()),
            days if days > 0 => {
                f.write_str(" + ")?;
                write_part(f, days, "day")
            }
            days => {
                f.write_str(" - ")?;
                write_part(f, i64::from(days).abs(), "day")
            }
        }
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: impl Into<i64>, month: u32) -> u32 {
    let year = year.into();
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// For each year from 0 to 9999, the days from 0001-01-01 to its first day, doubled, plus one
/// for a leap year (year 0 is never read: `from_ymd` refuses it first).
static YEARS: [u32; 10_000] = {
    let mut years = [0u32; 10_000];
    let mut year = 1;
    let mut first = 0u32;
    while year < 10_000 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        years[year as usize] = first << 1 | leap as u32;
        first += if leap { 366 } else { 365 };
        year += 1;
    }
    years
};

/// The days of each month of a year that is not a leap year, January first.
const MONTH_LENGTHS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// The days of such a year before each month.
const DAYS_BEFORE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

// Howard Hinnant's algorithms for converting between civil dates and day counts, in `i64`: exact
// for every day count within 2^61 of 1970.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The first day of the year that begins on March 1 of `year`, counted from 0000-03-01.
fn march_year_start(year: u32) -> u32 {
    365 * year + year / 4 - year / 100 + year / 400
}

/// `"0000` to `"9999`, one after another: the year of a date with its opening quote is five
/// bytes at five times it.
static QUOTED_YEARS: &str = {
    static BYTES: [u8; 50_000] = {
        let mut bytes = [0u8; 50_000];
        let mut year = 0;
        while year < 10_000 {
            bytes[5 * year] = b'"';
            bytes[5 * year + 1] = b'0' + (year / 1000) as u8;
            bytes[5 * year + 2] = b'0' + (year / 100 % 10) as u8;
            bytes[5 * year + 3] = b'0' + (year / 10 % 10) as u8;
            bytes[5 * year + 4] = b'0' + (year % 10) as u8;
            year += 1;
        }
        bytes
    };
    match std::str::from_utf8(&BYTES) {
        Ok(text) => text,
        Err(_) => panic!("digits and quotes are ASCII"),
    }
};

/// `-03-01"` to `-02-29"`, the 366 days of a year that begins on March 1 (as the years of
/// `civil_from_days` do), one after another: a day's month and day with the closing quote are
/// seven bytes at seven times its number in that year.
const FROM_MARCH: &str = {
    const DAYS: [u8; 12] = [31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 29];
    const BYTES: [u8; 2_562] = {
        let mut bytes = [0u8; 2_562];
        let (mut at, mut index) = (0, 0);
        while index < 12 {
            let month = if index < 10 { index + 3 } else { index - 9 };
            let mut day = 1;
            while day <= DAYS[index] as usize {
                bytes[7 * at] = b'-';
                bytes[7 * at + 1] = b'0' + (month / 10) as u8;
                bytes[7 * at + 2] = b'0' + (month % 10) as u8;
                bytes[7 * at + 3] = b'-';
                bytes[7 * at + 4] = b'0' + (day / 10) as u8;
                bytes[7 * at + 5] = b'0' + (day % 10) as u8;
                bytes[7 * at + 6] = b'"';
                at += 1;
                day += 1;
            }
            index += 1;
        }
        bytes
    };
    match std::str::from_utf8(&BYTES) {
        Ok(text) => text,
        Err(_) => panic!("digits, dashes and quotes are ASCII"),
    }
};

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every duration `Display` writes, `parse` reads back; a sum written without `+` is
    /// refused with the text that has it, and more than a duration holds is too long.
    #[test]
    fn durations_read_back_what_display_writes() {
        let counts = [
            0,
            1,
            -1,
            2,
            11,
            12,
            18,
            -18,
            24,
            30,
            1 << 24,
            i32::MAX,
            i32::MIN,
        ];
        for months in counts {
            for days in counts {
                let duration = Duration { months, days };
                let text = duration.to_string();
                assert_eq!(Duration::parse(&text), Ok(duration), "{text}");
            }
        }
        assert_eq!(
            Duration {
                months: 18,
                days: 0
            }
            .to_string(),
            "18 months"
        );
        assert_eq!(
            Duration {
                months: 12,
                days: 2
            }
            .to_string(),
            "1 year + 2 days"
        );
        assert_eq!(
            Duration {
                months: 1,
                days: -1
            }
            .to_string(),
            "1 month - 1 day"
        );
        assert_eq!(
            Duration::parse(" +5 years "),
            Ok(Duration {
                months: 60,
                days: 0
            })
        );
        assert_eq!(
            Duration::parse("1 year 1 month"),
            Err(DurationProblem::Form {
                suggestion: Some("1 year + 1 month".to_string())
            })
        );
        for text in [
            "",
            "5",
            "years",
            "5 weeks",
            "1 year +",
            "1 year and 2 days",
            "5 years 3",
        ] {
            assert_eq!(
                Duration::parse(text),
                Err(DurationProblem::Form { suggestion: None }),
                "{text}"
            );
        }
        for text in [
            "178956971 years",
            "2147483648 days",
            "99999999999999999999 days",
        ] {
            assert_eq!(
                Duration::parse(text),
                Err(DurationProblem::TooLong),
                "{text}"
            );
        }
    }

    /// `push_to` writes what `Display` does, for days all over the calendar and outside it, and
    /// `parse` reads it back.
    #[test]
    fn push_to_writes_what_display_does() {
        let mut days: Vec<i64> = (Date::MIN.0..=Date::MAX.0).step_by(997).collect();
        days.extend([
            Date::MIN.0,
            Date::MAX.0,
            0,
            Date::MIN.0 - 1,
            Date::MAX.0 + 1,
        ]);
        days.extend([Date::BEFORE_ALL.0, Date::AFTER_ALL.0]);
        // Every day of the years around the first and last and the turns of centuries (leap
        // and not), where the arithmetic of eras could slip.
        for year in [
            1, 2, 399, 400, 401, 1599, 1600, 1700, 1899, 1900, 2000, 2100, 9998, 9999,
        ] {
            let first = Date::from_ymd(year, 1, 1).unwrap().0;
            days.extend(first..first + 366);
        }
        for day in days {
            let mut out = String::from(">");
            Date(day).push_to(&mut out);
            assert_eq!(out, format!(">{}", Date(day)), "day {day}");
            // And reading the text back gives the day.
            if Date(day).is_in_calendar() {
                assert_eq!(Date::parse(&out[1..]), Ok(Date(day)), "day {day}");
            }
        }
    }

    /// The text of every day of the calendar, one after another, is what `Display` writes,
    /// with and without quotes; the days just outside have none.
    #[test]
    fn every_day_of_the_calendar_has_its_text() {
        let mut out = String::new();
        let mut quoted = String::new();
        for day in Date::MIN.0..=Date::MAX.0 {
            let text = Date(day)
                .text()
                .unwrap_or_else(|| panic!("day {day} has a text"));
            out.clear();
            text.push_to(&mut out);
            quoted.clear();
            text.push_quoted(&mut quoted);
            let (year, month, day_of_month) = civil_from_days(day);
            let expected = format!("{year:04}-{month:02}-{day_of_month:02}");
            assert_eq!(out, expected, "day {day}");
            assert_eq!(quoted, format!("\"{expected}\""), "day {day}");
        }
        assert_eq!(Date(Date::MIN.0 - 1).text(), None);
        assert_eq!(Date(Date::MAX.0 + 1).text(), None);
    }

    /// The end of a year some whole years on is what `end_of_year` and `add` work out, for
    /// days all over the calendar (every day near its ends) and counts of years that leave it;
    /// none exactly where the result is not a day of the calendar.
    #[test]
    fn the_end_of_a_year_some_years_on_is_what_add_works_out() {
        let mut days: Vec<i64> = (Date::MIN.0..=Date::MAX.0).step_by(331).collect();
        days.extend(Date::MIN.0..Date::MIN.0 + 800);
        days.extend(Date::MAX.0 - 800..=Date::MAX.0);
        days.extend([
            Date::MIN.0 - 1,
            Date::MAX.0 + 1,
            Date::BEFORE_ALL.0,
            Date::AFTER_ALL.0,
        ]);
        for day in days {
            let date = Date(day);
            for years in [
                -10_000,
                -9_999,
                -20,
                -5,
                -1,
                0,
                1,
                2,
                3,
                5,
                10,
                100,
                9_998,
                i32::MAX,
            ] {
                let expected = date.end_of_year().add(
                    Duration {
                        months: years.saturating_mul(12),
                        days: 0,
                    },
                    1,
                );
                let found = date.end_of_year_after(years);
                if date.is_in_calendar()
                    && expected.is_in_calendar()
                    && years.checked_mul(12).is_some()
                {
                    assert_eq!(found, Some(expected), "day {day}, {years} years");
                } else {
                    assert_eq!(found, None, "day {day}, {years} years");
                }
            }
        }
    }

    /// `from_ymd`'s unsigned arithmetic gives `days_from_civil`'s day for every day of the
    /// calendar, one after another.
    #[test]
    fn every_day_of_the_calendar_is_the_day_after_the_one_before() {
        let mut expected = Date::MIN.0;
        for year in 1..=9999 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    assert_eq!(
                        Date::from_ymd(year, month, day),
                        Ok(Date(expected)),
                        "{year}-{month}-{day}"
                    );
                    assert_eq!(days_from_civil(i64::from(year), month, day), expected);
                    expected += 1;
                }
            }
        }
        assert_eq!(expected, Date::MAX.0 + 1);
    }

    /// `from_ymd` refuses exactly the years, months and days out of the calendar, with the
    /// problem checked first: the year, then the month, then the day.
    #[test]
    fn from_ymd_refuses_what_is_not_a_day() {
        for year in [-1, 0, 1, 4, 100, 400, 1900, 2000, 2023, 2024, 9999, 10_000] {
            for month in 0..=13 {
                for day in 0..=33 {
                    let expected = if !(1..=9999).contains(&year) {
                        Err(DateProblem::Year(year))
                    } else if !(1..=12).contains(&month) {
                        Err(DateProblem::Month(month))
                    } else if day == 0 || day > days_in_month(year, month) {
                        Err(DateProblem::Day { year, month, day })
                    } else {
                        Ok(Date(days_from_civil(i64::from(year), month, day)))
                    };
                    assert_eq!(
                        Date::from_ymd(year, month, day),
                        expected,
                        "{year}-{month}-{day}"
                    );
                }
            }
        }
        assert_eq!(
            Date::from_ymd(2024, u32::MAX, 1),
            Err(DateProblem::Month(u32::MAX))
        );
    }

    #[test]
    fn dates_round_trip_and_reject_impossible_days() {
        let date = Date::parse("2024-02-29").unwrap();
        assert_eq!(date.to_string(), "2024-02-29");
        assert_eq!(Date::parse("1970-01-01").unwrap().0, 0);
        assert_eq!(
            Date::parse("2023-02-29"),
            Err(DateProblem::Day {
                year: 2023,
                month: 2,
                day: 29
            })
        );
        assert_eq!(Date::parse("2022-13-01"), Err(DateProblem::Month(13)));
        assert_eq!(Date::parse("2022-1-01"), Err(DateProblem::Shape));
    }

    #[test]
    fn adding_durations_clamps_to_month_end() {
        let date = Date::parse("2024-01-31").unwrap();
        let month = Duration { months: 1, days: 0 };
        assert_eq!(date.add(month, 1).to_string(), "2024-02-29");
        let five_years = Duration {
            months: 60,
            days: 0,
        };
        assert_eq!(
            Date::parse("2022-03-01")
                .unwrap()
                .add(five_years, 1)
                .to_string(),
            "2027-03-01"
        );
        assert_eq!(
            date.add(
                Duration {
                    months: 0,
                    days: 30
                },
                -1
            )
            .to_string(),
            "2024-01-01"
        );
    }

    fn days(days: i32) -> Duration {
        Duration { months: 0, days }
    }

    #[test]
    fn the_calendar_runs_from_year_one_to_9999() {
        assert_eq!(Date::parse("0001-01-01"), Ok(Date::MIN));
        assert_eq!(Date::parse("9999-12-31"), Ok(Date::MAX));
        assert_eq!(Date::parse("0000-01-01"), Err(DateProblem::Year(0)));
        assert_eq!(
            DateProblem::Year(0).to_string(),
            "there is no year 0000: dates range from 0001-01-01 to 9999-12-31"
        );
        assert!(Date::MIN.is_in_calendar() && Date::MAX.is_in_calendar());
    }

    #[test]
    fn arithmetic_past_the_calendar_is_exact() {
        let after = Date::MAX.add(days(1), 1);
        assert!(!after.is_in_calendar() && after > Date::MAX);
        assert_eq!(after.to_string(), "+10000-01-01");
        assert_eq!(after.add(days(1), -1), Date::MAX);
        let before = Date::MIN.add(days(1), -1);
        assert!(!before.is_in_calendar() && before < Date::MIN);
        assert_eq!(before.to_string(), "+0000-12-31");
        assert_eq!(Date::MIN.add(days(367), -1).to_string(), "-0001-12-31");
        let year = Duration {
            months: 12,
            days: 0,
        };
        assert_eq!(Date::MAX.add(year, 1).to_string(), "+10000-12-31");
        assert_eq!(Date::MAX.add(year, -1).to_string(), "9998-12-31");
        // Out and back in: ten thousand years on and nine thousand back.
        let start = Date::parse("2021-09-09").unwrap();
        let on = Duration {
            months: 120_000,
            days: 0,
        };
        let back = Duration {
            months: 108_000,
            days: 0,
        };
        assert_eq!(start.add(on, 1).add(back, -1).to_string(), "3021-09-09");
        // The days first, then the months.
        let mixed = Duration {
            months: -1,
            days: 1,
        };
        assert_eq!(Date::MAX.add(mixed, 1).to_string(), "9999-12-01");
        for extreme in [i32::MAX, i32::MIN] {
            for date in [Date::MIN, Date::EPOCH, Date::MAX] {
                let far = date.add(days(extreme), 1);
                assert!(!far.is_in_calendar());
                assert_eq!(far > date, extreme > 0);
                assert_eq!(far.add(days(extreme), -1), date);
                let both = Duration {
                    months: extreme,
                    days: extreme,
                };
                assert_eq!(date.add(both, 1) > date, extreme > 0);
                assert_eq!(date.add(both, -1) < date, extreme > 0);
                assert!(date.add(both, 1).end_of_year() >= date.add(both, 1));
            }
        }
        assert_eq!(Date::AFTER_ALL.add(days(-5), 1), Date::AFTER_ALL);
        assert_eq!(Date::AFTER_ALL.end_of_year(), Date::AFTER_ALL);
        assert_eq!(Date::AFTER_ALL.to_string(), "after every date");
        assert_eq!(Date::BEFORE_ALL.to_string(), "before every date");
        assert_eq!(Date::MAX.end_of_year(), Date::MAX);
        assert_eq!(after.end_of_year().to_string(), "+10000-12-31");
        // 2^60 days is the farthest a date goes; a step past it is after every date, and
        // getting there takes more than ten million of the longest durations.
        let longest = Duration {
            months: i32::MAX,
            days: i32::MAX,
        };
        assert!(FARTHEST / (i64::from(i32::MAX) * 32) > 10_000_000);
        let near = Date(FARTHEST - (1 << 30));
        assert_eq!(near.add(longest, 1), Date::AFTER_ALL);
        assert_eq!(
            Date(-FARTHEST + (1 << 30)).add(longest, -1),
            Date::BEFORE_ALL
        );
        let exact = Date(FARTHEST - (1 << 40)).add(days(1 << 30), 1);
        assert_eq!(exact.0, FARTHEST - (1 << 40) + (1 << 30));
    }

    /// A seeded walk over the calendar: moving a date by days and back is exact while it stays
    /// in the calendar, and the result compares with the start as the days say.
    #[test]
    fn moving_by_days_is_exact_and_ordered() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let span = Date::MAX.0 - Date::MIN.0 + 1;
        for _ in 0..20_000 {
            let start = Date::MIN.0 + i64::try_from(next() % span as u64).unwrap();
            let date = Date(start);
            let (year, month, day) = date.ymd();
            assert_eq!(Date::from_ymd(year, month, day), Ok(date));
            assert_eq!(Date::parse(&date.to_string()), Ok(date));
            let n = match next() % 3 {
                0 => (next() % 800) as i32 - 400,
                1 => (next() % 8_000_000) as i32 - 4_000_000,
                _ => (next() % u64::from(u32::MAX)) as i64 as i32,
            };
            let moved = date.add(days(n), 1);
            let exact = start + i64::from(n);
            assert_eq!(moved.0, exact, "{date} + {n} days");
            assert_eq!(moved.add(days(n), -1), date, "{date} + {n} days - {n} days");
            assert_eq!(
                moved.is_in_calendar(),
                (Date::MIN.0..=Date::MAX.0).contains(&exact)
            );
            assert_eq!(moved.cmp(&date), n.cmp(&0), "{date} + {n} days");
            let months = Duration {
                months: (next() % 240_000) as i32 - 120_000,
                days: 0,
            };
            let later = date.add(months, 1);
            assert_eq!(later.cmp(&date), months.months.cmp(&0), "{date} + {months}");
        }
    }
}
