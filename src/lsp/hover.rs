//! Hover: what the name under the cursor is — its type, a rule's citation and period, a set's
//! members with their dates (marking those in force today), an enum's members, a constant's or
//! parameter's value, and the file it is declared in when that is another.

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::Server;
use super::diagnostics::Snapshot;
use super::index::{Symbol, SymbolKind};
use super::position::Lines;
use crate::syntax::ast::{self, Declaration};
use crate::syntax::calendar::{Date, Duration};

/// Answers `textDocument/hover`.
pub fn hover(server: &mut Server, params: &HoverParams) -> Option<Hover> {
    let place = &params.text_document_position_params;
    let (snapshot, file) = server.snapshot(&place.text_document.uri)?;
    let sources = &snapshot.result.loaded.sources;
    let lines = Lines::new(&sources[file].text);
    let offset = lines.offset(place.position);
    let occurrence = snapshot.index.at(file, offset)?;
    let symbol = snapshot.index.symbols.get(occurrence.symbol)?;
    let mut text = describe(snapshot, symbol, today());
    if symbol.file != file {
        let declared = &sources[symbol.file];
        let line = Lines::new(&declared.text)
            .position(symbol.span.start as usize)
            .line;
        text.push_str(&format!(
            "\n\ndeclared in `{}`, line {}",
            short_name(&declared.name),
            line + 1
        ));
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(lines.range(occurrence.span.start as usize, occurrence.span.end as usize)),
    })
}

/// Today's date, from the system clock, or from `LICIT_TODAY` (`YYYY-MM-DD`) when it is set,
/// so that tests and screenshots show the same members on every day.
pub fn today() -> Date {
    if let Some(date) = std::env::var("LICIT_TODAY")
        .ok()
        .and_then(|text| Date::parse(&text).ok())
    {
        return date;
    }
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    Date::EPOCH.add(
        Duration {
            months: 0,
            days: i32::try_from(days).unwrap_or(0),
        },
        1,
    )
}

/// A file's name without its folders.
pub fn short_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// The hover text of a symbol, in Markdown.
pub fn describe(snapshot: &Snapshot, symbol: &Symbol, today: Date) -> String {
    let name = &symbol.name;
    let typed = |word: &str| match &symbol.ty {
        Some(ty) => format!("```licit\n{word} {name}: {ty}\n```"),
        None => format!("```licit\n{word} {name}\n```"),
    };
    match &symbol.kind {
        SymbolKind::Rule => rule(snapshot, name),
        SymbolKind::Set => {
            let mut text = typed("set");
            text.push_str(&set_members(snapshot, name, today));
            text
        }
        SymbolKind::Const => {
            let mut text = typed("const");
            for (value, period) in values(snapshot, name, false) {
                text.push_str(&format!("\n- `{value}`{period}"));
            }
            text
        }
        SymbolKind::Param => {
            let mut text = typed("param");
            for (value, period) in values(snapshot, name, true) {
                text.push_str(&format!("\n- default `{value}`{period}"));
            }
            text.push_str("\n\nset another value with `--param` or a test's `param`");
            text
        }
        SymbolKind::Enum => {
            let members: Vec<String> = snapshot
                .index
                .members(name)
                .iter()
                .map(|m| format!("`{}`", m.name))
                .collect();
            format!(
                "```licit\nenum {name}\n```\n{} members: {}",
                members.len(),
                members.join(", ")
            )
        }
        SymbolKind::Member(enum_name) => {
            format!("```licit\n{name}: {enum_name}\n```\na member of enum `{enum_name}`")
        }
        SymbolKind::Record => {
            let fields: Vec<String> = snapshot
                .index
                .fields(name)
                .iter()
                .map(|f| match &f.ty {
                    Some(ty) => format!("- `{}`: {ty}", f.name),
                    None => format!("- `{}`", f.name),
                })
                .collect();
            let word = match snapshot.index.input.as_deref() == Some(name.as_str()) {
                true => "input",
                false => "record",
            };
            format!("```licit\n{word} {name}\n```\n{}", fields.join("\n"))
        }
        SymbolKind::Field(record) => match &symbol.ty {
            Some(ty) => format!("```licit\n{record}.{name}: {ty}\n```"),
            None => format!("```licit\n{record}.{name}\n```"),
        },
        SymbolKind::Verdict | SymbolKind::Obligation => {
            let params: Vec<String> = snapshot
                .index
                .symbols
                .iter()
                .filter(|s| s.kind == SymbolKind::KindParam(name.clone()))
                .map(|s| match &s.ty {
                    Some(ty) => format!("{}: {ty}", s.name),
                    None => s.name.clone(),
                })
                .collect();
            let args = match params.is_empty() {
                true => String::new(),
                false => format!("({})", params.join(", ")),
            };
            format!("```licit\n{} {name}{args}\n```", symbol.kind.word())
        }
        SymbolKind::KindParam(kind) => match &symbol.ty {
            Some(ty) => format!("```licit\n{name}: {ty}\n```\nan argument of `{kind}`"),
            None => format!("an argument of `{kind}`"),
        },
        SymbolKind::Variable(ty) => match ty {
            Some(ty) => format!("```licit\n{name}: {ty}\n```\na variable"),
            None => format!("`{name}`: a variable"),
        },
    }
}

fn rule(snapshot: &Snapshot, name: &str) -> String {
    let mut text = String::new();
    for (source, decl) in rules_named(snapshot, name) {
        let citation = decl
            .citation
            .as_ref()
            .map(|c| format!(" \"{}\"", c.text))
            .unwrap_or_default();
        let period = decl
            .in_force
            .as_ref()
            .map(period_text)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| " in force with the policy".to_string());
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!(
            "```licit\nrule {name}{citation}\n```\n{}",
            period.trim()
        ));
        if !decl.exception_to.is_empty() {
            let targets: Vec<String> = decl
                .exception_to
                .iter()
                .map(|t| format!("`{}`", t.name))
                .collect();
            text.push_str(&format!("\n\nan exception to {}", targets.join(", ")));
        }
        text.push_str(&format!("\n\nin `{}`", short_name(source)));
    }
    text
}

fn rules_named<'s>(snapshot: &'s Snapshot, name: &str) -> Vec<(&'s str, &'s ast::RuleDecl)> {
    let mut found = Vec::new();
    for source in &snapshot.result.loaded.sources {
        let Some(ast) = &source.ast else { continue };
        for declaration in &ast.declarations {
            if let Declaration::Rule(rule)
            | Declaration::AddRule(rule)
            | Declaration::ReplaceRule(rule) = declaration
                && rule.name.name == name
            {
                found.push((source.name.as_str(), rule));
            }
        }
    }
    found
}

/// ` from D until D` (empty for no bounds).
fn period_text(period: &ast::Period) -> String {
    let mut text = String::new();
    if let Some(from) = period.from {
        text.push_str(&format!(" from {}", from.date));
    }
    if let Some(until) = period.until {
        text.push_str(&format!(" until {}", until.date));
    }
    match text.is_empty() {
        true => text,
        false => format!(" in force{text}"),
    }
}

fn in_force_on(period: &ast::Period, date: Date) -> bool {
    period.from.is_none_or(|f| f.date <= date) && period.until.is_none_or(|u| date <= u.date)
}

fn set_members(snapshot: &Snapshot, name: &str, today: Date) -> String {
    let mut lines = Vec::new();
    let mut today_count = 0;
    let mut total = 0;
    for source in &snapshot.result.loaded.sources {
        let Some(ast) = &source.ast else { continue };
        for declaration in &ast.declarations {
            let (members, word) = match declaration {
                Declaration::Set(set) if set.name.name == name => (&set.members, ""),
                Declaration::ChangeSet {
                    name: changed,
                    members,
                    add,
                    ..
                } if changed.name == name => {
                    (members, if *add { " (added)" } else { " (removed)" })
                }
                _ => continue,
            };
            for member in members {
                let written = source
                    .text
                    .get(member.value.span.start as usize..member.value.span.end as usize)
                    .unwrap_or("");
                let now = in_force_on(&member.period, today);
                if now && word.is_empty() {
                    today_count += 1;
                }
                total += 1;
                let mark = if now { "✓" } else { "·" };
                lines.push(format!(
                    "- {mark} `{written}`{}{word}",
                    period_text(&member.period)
                ));
            }
        }
    }
    format!(
        "\n{today_count} of {total} members in force today ({today}, ✓):\n{}",
        lines.join("\n")
    )
}

/// The values of a constant or the defaults of a parameter, with their periods.
fn values(snapshot: &Snapshot, name: &str, param: bool) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for source in &snapshot.result.loaded.sources {
        let Some(ast) = &source.ast else { continue };
        let text = |expr: &ast::Expr| {
            source
                .text
                .get(expr.span.start as usize..expr.span.end as usize)
                .unwrap_or("")
                .to_string()
        };
        for declaration in &ast.declarations {
            match declaration {
                Declaration::Const(decl) if !param && decl.name.name == name => {
                    for version in &decl.versions {
                        found.push((text(&version.value), period_text(&version.period)));
                    }
                }
                Declaration::Param(decl) if param && decl.name.name == name => {
                    found.push((text(&decl.default), String::new()));
                }
                Declaration::ChangeValue {
                    name: changed,
                    is_param,
                    versions,
                    ..
                } if *is_param == param && changed.name == name => {
                    for version in versions {
                        found.push((
                            text(&version.value),
                            format!("{} (amended)", period_text(&version.period)),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    found
}
