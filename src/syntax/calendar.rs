//! Calendar dates and durations: the `date` and `duration` types of the language.

use std::fmt;

/// A day of the proleptic Gregorian calendar, stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// Why a `YYYY-MM-DD` text is not a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateProblem {
    /// The text is not of the form `YYYY-MM-DD`.
    Shape,
    /// The month is not 1 to 12.
    Month(u32),
    /// The day does not exist in that month.
    Day { year: i32, month: u32, day: u32 },
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
        }
    }
}

impl Date {
    /// 1970-01-01, used in place of a date that could not be read.
    pub const EPOCH: Date = Date(0);

    /// The date of a year, month (1–12) and day (1–31), if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<Date, DateProblem> {
        if !(1..=12).contains(&month) {
            return Err(DateProblem::Month(month));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateProblem::Day { year, month, day });
        }
        Ok(Date(days_from_civil(year, month, day)))
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
        let number = |range: std::ops::Range<usize>| -> u32 {
            text.get(range).and_then(|s| s.parse().ok()).unwrap_or(0)
        };
        let year = i32::try_from(number(0..4)).unwrap_or(0);
        Date::from_ymd(year, number(5..7), number(8..10))
    }

    /// The year, month and day.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i32 {
        self.0
    }

    /// The date a duration later (or earlier, for a negative sign). Adding months keeps the day of
    /// the month, clamped to the month's last day (2024-01-31 + 1 month = 2024-02-29).
    pub fn add(self, duration: Duration, sign: i32) -> Date {
        let days = self.0.saturating_add(sign.saturating_mul(duration.days));
        let (year, month, day) = civil_from_days(days);
        let months_total =
            (year as i64) * 12 + (month as i64 - 1) + (sign as i64) * (duration.months as i64);
        let new_year = months_total.div_euclid(12).clamp(-9999, 9999) as i32;
        let new_month = (months_total.rem_euclid(12) + 1) as u32;
        let new_day = day.min(days_in_month(new_year, new_month));
        Date(days_from_civil(new_year, new_month, new_day))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
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

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let (years, months) = (self.months / 12, self.months % 12);
        for (n, unit) in [(years, "year"), (months, "month"), (self.days, "day")] {
            if n != 0 {
                parts.push(format!("{n} {unit}{}", if n.abs() == 1 { "" } else { "s" }));
            }
        }
        if parts.is_empty() {
            return write!(f, "0 days");
        }
        write!(f, "{}", parts.join(" "))
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's algorithms for converting between civil dates and day counts.
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_reject_impossible_days() {
        let date = Date::parse("2024-02-29").unwrap();
        assert_eq!(date.to_string(), "2024-02-29");
        assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
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
}
