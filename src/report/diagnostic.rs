//! Diagnostics as data: one owned [`Diagnostic`] for every problem licit reports (syntax, check,
//! case, parameter, usage and I/O), made from a pass's own error type, rendered for people
//! (miette, fixed width, colour only when asked) and for machines (the JSON of `licit check
//! --format json`).

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity};
use serde::Serialize;

use crate::syntax::LineIndex;

/// A pass's error with the text it points into, before it is made a [`Diagnostic`].
pub struct Sourced<'a> {
    /// The file's name as the user should see it; empty for a problem with no place.
    pub name: &'a str,
    /// The file's text.
    pub text: &'a str,
    /// The error.
    pub diagnostic: &'a dyn miette::Diagnostic,
}

impl<'a> Sourced<'a> {
    /// An error that has no place (an unreadable file, a bad argument).
    pub fn plain(diagnostic: &'a dyn miette::Diagnostic) -> Sourced<'a> {
        Sourced {
            name: "",
            text: "",
            diagnostic,
        }
    }
}

/// How diagnostics are drawn for people.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Colour (on a terminal that wants it).
    pub colour: bool,
    /// The width text is wrapped at.
    pub width: usize,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The policy, case or command cannot be used.
    Error,
    /// Something is probably wrong, but the policy can be used.
    Warning,
}

/// One problem: its stable code, message, places and help, as data. Serialises to the
/// documented JSON form (`docs/decision-json.md`, "Diagnostics").
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// The file the problem is in (empty when it has no place).
    pub file: String,
    /// Where the primary label starts and ends, lines and columns from 1 (1:1 without a place).
    pub line: usize,
    /// See `line`.
    pub column: usize,
    /// See `line`.
    pub end_line: usize,
    /// See `line`.
    pub end_column: usize,
    /// Error or warning.
    pub severity: Level,
    /// The stable code, such as `licit::check::unknown_name`.
    pub code: String,
    /// What is wrong, in one line.
    pub message: String,
    /// How to fix it, where that is known.
    pub help: Option<String>,
    /// The places, the primary one first.
    pub labels: Vec<Label>,
    /// Structured data about the problem (a witness case, the rules involved), where a tool
    /// can use it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// A labelled place of a diagnostic.
#[derive(Debug, Clone, Serialize)]
pub struct Label {
    /// What the place has to do with the problem.
    pub message: Option<String>,
    /// Where it starts and ends, lines and columns from 1.
    pub line: usize,
    /// See `line`.
    pub column: usize,
    /// See `line`.
    pub end_line: usize,
    /// See `line`.
    pub end_column: usize,
    /// The file, when it is not the diagnostic's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The byte offsets of the place in its file.
    #[serde(skip)]
    pub bytes: (usize, usize),
}

impl Diagnostic {
    /// The diagnostic of a pass's error, its places read in `text`.
    pub fn new(item: &Sourced<'_>) -> Diagnostic {
        Diagnostic::indexed(item, &LineIndex::new(item.text))
    }

    /// As [`Diagnostic::new`], with the line index of `item.text` made once by the caller: the
    /// errors of one text share it (a case with thousands of unknown fields made a new index of
    /// the whole case for each, quadratic time).
    pub fn indexed(item: &Sourced<'_>, index: &LineIndex) -> Diagnostic {
        let labels: Vec<Label> = item
            .diagnostic
            .labels()
            .map(|labels| {
                labels
                    .map(|label| {
                        let (line, column) = index.line_column(label.offset());
                        let (end_line, end_column) =
                            index.line_column(label.offset() + label.len());
                        Label {
                            message: label.label().map(str::to_string),
                            line,
                            column,
                            end_line,
                            end_column,
                            file: None,
                            bytes: (label.offset(), label.offset() + label.len()),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (line, column, end_line, end_column) = labels
            .first()
            .map(|l| (l.line, l.column, l.end_line, l.end_column))
            .unwrap_or((1, 1, 1, 1));
        let severity = match is_warning(item.diagnostic) {
            true => Level::Warning,
            false => Level::Error,
        };
        Diagnostic {
            file: item.name.to_string(),
            line,
            column,
            end_line,
            end_column,
            severity,
            code: item
                .diagnostic
                .code()
                .map(|c| c.to_string())
                .unwrap_or_default(),
            message: item.diagnostic.to_string(),
            help: item.diagnostic.help().map(|h| h.to_string()),
            labels,
            data: None,
        }
    }

    /// The diagnostic of an error that has no place (an unreadable file, a bad argument).
    pub fn plain(diagnostic: &dyn miette::Diagnostic) -> Diagnostic {
        Diagnostic::new(&Sourced {
            name: "",
            text: "",
            diagnostic,
        })
    }

    /// Whether it is a warning.
    pub fn is_warning(&self) -> bool {
        self.severity == Level::Warning
    }

    /// The same diagnostic for a text that begins on line `first_line` of its file (a line of
    /// a batch).
    pub fn shifted(mut self, first_line: usize) -> Diagnostic {
        let shift = first_line.saturating_sub(1);
        self.line += shift;
        self.end_line += shift;
        for label in &mut self.labels {
            label.line += shift;
            label.end_line += shift;
        }
        self
    }

    /// The diagnostic drawn for people, with the text of its file underlined, as miette draws
    /// it.
    pub fn render(&self, text: &str, style: Style) -> String {
        // miette cannot draw a place past column 65,535 (it panics), and a line of thousands of
        // characters drawn whole helps nobody: such a diagnostic is drawn without its source,
        // with the place as line and column.
        let too_long = self
            .labels
            .iter()
            .any(|label| label.file.is_none() && line_length(text, label.bytes.0) > MAX_DRAWN_LINE);
        let text = if too_long { "" } else { text };
        let theme = if style.colour {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(style.width)
            .with_links(false);
        // Messages, help, labels and the source itself may quote a case or a policy: their
        // control characters are escaped (in the source, by characters of the same length, so
        // that the places stay right).
        let escape = |text: &str| super::escape::for_terminal(text, false).into_owned();
        let escaped = Diagnostic {
            file: escape(&self.file),
            message: escape(&self.message),
            help: self.help.as_deref().map(escape),
            labels: self
                .labels
                .iter()
                .map(|label| Label {
                    message: label.message.as_deref().map(escape),
                    ..label.clone()
                })
                .collect(),
            ..self.clone()
        };
        let drawn = Drawn {
            diagnostic: &escaped,
            source: NamedSource::new(
                &escaped.file,
                super::escape::source_for_terminal(text).into_owned(),
            ),
            labelled: !too_long,
        };
        let mut out = String::new();
        if handler.render_report(&mut out, &drawn).is_err() {
            out = format!("{}: {}\n", escaped.file, escaped.message);
        }
        if too_long {
            out.push_str(&format!(
                "  at {}:{}:{} (the line is too long to draw)\n",
                escaped.file, self.line, self.column
            ));
        }
        out
    }
}

/// The longest line, in bytes, drawn with a diagnostic (miette panics past column 65,535).
const MAX_DRAWN_LINE: usize = 32_768;

/// The length in bytes of the line that holds a byte offset.
fn line_length(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    let start = text.as_bytes()[..offset]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |n| n + 1);
    let end = text.as_bytes()[offset..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(text.len(), |n| offset + n);
    end - start
}

/// Renders one error with its source, underlined, as miette draws it.
pub fn render_human(item: &Sourced<'_>, style: Style) -> String {
    Diagnostic::new(item).render(item.text, style)
}

/// How many problems of one text are drawn for a person (the library's `Problems` text, the
/// command line's standard error); every one stays in the JSON diagnostics. Drawing costs the
/// length of the text for each, and a case can have thousands.
pub const MOST_DRAWN: usize = 100;

/// The diagnostics of errors, one line index made per text rather than per error (a case with
/// thousands of unknown fields took quadratic time). The items borrow their texts, so a text's
/// address and length name it for the whole call.
pub fn all(items: &[Sourced<'_>]) -> Vec<Diagnostic> {
    let mut index: Option<(*const u8, usize, LineIndex)> = None;
    items
        .iter()
        .map(|item| {
            let key = (item.text.as_ptr(), item.text.len());
            let index = match &mut index {
                Some((at, len, index)) if (*at, *len) == key => index,
                slot => &slot.insert((key.0, key.1, LineIndex::new(item.text))).2,
            };
            Diagnostic::indexed(item, index)
        })
        .collect()
}

/// The diagnostics of `items` (as [`all`]) and the text a person is shown of them: at most
/// [`MOST_DRAWN`] drawn, in their order, with errors chosen before warnings when there are more
/// (thousands of warnings must not hide the one error), and how many were not drawn. Drawing
/// each costs the length of its text: a policy's condition of 16,000 constant terms took 24 s.
pub fn drawn(items: &[Sourced<'_>], style: Style) -> (Vec<Diagnostic>, String, usize) {
    let diagnostics = all(items);
    let mut chosen = vec![diagnostics.len() <= MOST_DRAWN; diagnostics.len()];
    let errors_first = (diagnostics.iter().enumerate())
        .filter(|(_, diagnostic)| !diagnostic.is_warning())
        .chain((diagnostics.iter().enumerate()).filter(|(_, diagnostic)| diagnostic.is_warning()));
    for (position, _) in errors_first.take(MOST_DRAWN) {
        chosen[position] = true;
    }
    let mut text = String::new();
    for ((item, diagnostic), _) in (items.iter().zip(&diagnostics))
        .zip(&chosen)
        .filter(|(_, chosen)| **chosen)
    {
        text.push_str(&diagnostic.render(item.text, style));
    }
    let rest = diagnostics.len().saturating_sub(MOST_DRAWN);
    (diagnostics, text, rest)
}

/// Whether an error is a warning.
pub fn is_warning(diagnostic: &dyn miette::Diagnostic) -> bool {
    matches!(
        diagnostic.severity(),
        Some(Severity::Warning) | Some(Severity::Advice)
    )
}

/// A diagnostic lent the text of its file, for miette to draw.
struct Drawn<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<String>,
    /// Whether the labels are drawn (not when the source is left out).
    labelled: bool,
}

impl std::fmt::Debug for Drawn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl std::fmt::Display for Drawn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Drawn<'_> {}

impl miette::Diagnostic for Drawn<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        match self.diagnostic.code.is_empty() {
            true => None,
            false => Some(Box::new(&self.diagnostic.code)),
        }
    }
    fn severity(&self) -> Option<Severity> {
        Some(match self.diagnostic.severity {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = &self.diagnostic.labels;
        if labels.is_empty() || !self.labelled {
            return None;
        }
        Some(Box::new(
            labels
                .iter()
                .filter(|label| label.file.is_none())
                .map(|label| {
                    LabeledSpan::new(
                        label.message.clone(),
                        label.bytes.0,
                        label.bytes.1 - label.bytes.0,
                    )
                }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{Diagnostic, Sourced, Style};

    /// A place past column 65,535 (a minified file) is drawn without its line, not a panic.
    #[test]
    fn a_place_on_a_very_long_line_is_drawn_by_line_and_column() {
        let text = format!("{}@\nnext line\n", " ".repeat(70_000));
        let (_, errors) = crate::syntax::parse(&text);
        let Some(error) = errors.first() else {
            panic!("`@` is a syntax error");
        };
        let diagnostic = Diagnostic::new(&Sourced {
            name: "long.licit",
            text: &text,
            diagnostic: error,
        });
        let style = Style {
            colour: false,
            width: 100,
        };
        let drawn = diagnostic.render(&text, style);
        assert!(drawn.contains("at long.licit:1:70001"), "{drawn}");
        assert!(drawn.len() < 2_000, "{drawn}");
        // A short line is drawn with its source as before.
        let short = " @\n";
        let (_, errors) = crate::syntax::parse(short);
        let Some(error) = errors.first() else {
            panic!("`@` is a syntax error");
        };
        let drawn = Diagnostic::new(&Sourced {
            name: "short.licit",
            text: short,
            diagnostic: error,
        })
        .render(short, style);
        assert!(drawn.contains("[short.licit:1:2]"), "{drawn}");
    }
}
