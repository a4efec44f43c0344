//! Rendering diagnostics (syntax, check and case errors) for people and for machines.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, Severity};
use serde::Serialize;

use crate::check::line_column;

/// A diagnostic with the text it points into.
pub struct Sourced<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub diagnostic: &'a dyn Diagnostic,
}

/// How diagnostics are drawn for people.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub colour: bool,
    pub width: usize,
}

/// Renders one diagnostic with its source, underlined, as miette draws it.
pub fn render_human(item: &Sourced<'_>, style: Style) -> String {
    let theme = if style.colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let with_source = WithSource {
        inner: item.diagnostic,
        source: NamedSource::new(item.name, item.text.to_string()),
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &with_source).is_err() {
        out = format!("{}: {}\n", item.name, item.diagnostic);
    }
    out
}

/// A diagnostic in the documented JSON form of `licit check --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub severity: &'static str,
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    pub labels: Vec<JsonLabel>,
}

/// A labelled place of a diagnostic.
#[derive(Debug, Clone, Serialize)]
pub struct JsonLabel {
    pub message: Option<String>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// The JSON form of a diagnostic.
pub fn to_json(item: &Sourced<'_>) -> JsonDiagnostic {
    let labels: Vec<JsonLabel> = item
        .diagnostic
        .labels()
        .map(|labels| {
            labels
                .map(|label| {
                    let (line, column) = line_column(item.text, label.offset());
                    let (end_line, end_column) =
                        line_column(item.text, label.offset() + label.len());
                    JsonLabel {
                        message: label.label().map(str::to_string),
                        line,
                        column,
                        end_line,
                        end_column,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let (line, column, end_line, end_column) = labels
        .first()
        .map(|l| (l.line, l.column, l.end_line, l.end_column))
        .unwrap_or((1, 1, 1, 1));
    JsonDiagnostic {
        file: item.name.to_string(),
        line,
        column,
        end_line,
        end_column,
        severity: if is_warning(item.diagnostic) {
            "warning"
        } else {
            "error"
        },
        code: item
            .diagnostic
            .code()
            .map(|c| c.to_string())
            .unwrap_or_default(),
        message: item.diagnostic.to_string(),
        help: item.diagnostic.help().map(|h| h.to_string()),
        labels,
    }
}

/// Whether a diagnostic is a warning.
pub fn is_warning(diagnostic: &dyn Diagnostic) -> bool {
    matches!(
        diagnostic.severity(),
        Some(Severity::Warning) | Some(Severity::Advice)
    )
}

/// Lends a diagnostic its source text for rendering.
struct WithSource<'a> {
    inner: &'a dyn Diagnostic,
    source: NamedSource<String>,
}

impl std::fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.inner, f)
    }
}

impl std::fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.inner, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl Diagnostic for WithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<Severity> {
        self.inner.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.inner.help()
    }
    fn url<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.inner.url()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.inner.labels()
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        self.inner.related()
    }
    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.inner.diagnostic_source()
    }
}
