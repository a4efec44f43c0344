//! Document symbols, the editor's outline: rules grouped by the article their citation names
//! (`Art. 3(1) …` and `Art. 3(2) …` under `Art. 3`), then the other declarations.

use lsp_types::{DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind};

use super::Server;
use super::position::Lines;
use crate::syntax::Span;
use crate::syntax::ast::{Declaration, Ident};

/// Answers `textDocument/documentSymbol`.
pub fn document_symbols(
    server: &mut Server,
    params: &DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let (snapshot, file) = server.snapshot(&params.text_document.uri)?;
    let source = &snapshot.result.loaded.sources[file];
    let ast = source.ast.as_ref()?;
    let lines = Lines::new(&source.text);
    let symbol = |ident: &Ident, whole: Span, kind: SymbolKind, detail: Option<String>| {
        #[expect(deprecated, reason = "lsp-types requires the deprecated field")]
        DocumentSymbol {
            name: ident.name.clone(),
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: lines.range(whole.start as usize, whole.end.max(ident.span.end) as usize),
            selection_range: lines.range(ident.span.start as usize, ident.span.end as usize),
            children: None,
        }
    };
    let mut articles: Vec<(String, Vec<DocumentSymbol>)> = Vec::new();
    let mut others = Vec::new();
    for declaration in &ast.declarations {
        match declaration {
            Declaration::Rule(rule)
            | Declaration::AddRule(rule)
            | Declaration::ReplaceRule(rule) => {
                let citation = rule.citation.as_ref().map(|c| c.text.clone());
                let article = citation
                    .as_deref()
                    .map(article_of)
                    .unwrap_or_else(|| "without citation".to_string());
                let item = symbol(&rule.name, rule.span, SymbolKind::FUNCTION, citation);
                match articles.iter_mut().find(|(a, _)| *a == article) {
                    Some((_, rules)) => rules.push(item),
                    None => articles.push((article, vec![item])),
                }
            }
            Declaration::Enum(decl) => {
                let end = decl.members.last().map_or(decl.name.span, |m| m.span);
                others.push(symbol(
                    &decl.name,
                    decl.name.span.to(end),
                    SymbolKind::ENUM,
                    None,
                ));
            }
            Declaration::Record(decl) => {
                let end = decl.fields.last().map_or(decl.name.span, |f| f.name.span);
                let kind = SymbolKind::STRUCT;
                others.push(symbol(&decl.name, decl.name.span.to(end), kind, None));
            }
            Declaration::Set(decl) => {
                others.push(symbol(&decl.name, decl.span, SymbolKind::ARRAY, None));
            }
            Declaration::Const(decl) => {
                others.push(symbol(
                    &decl.name,
                    decl.name.span,
                    SymbolKind::CONSTANT,
                    None,
                ));
            }
            Declaration::Param(decl) => {
                others.push(symbol(
                    &decl.name,
                    decl.name.span,
                    SymbolKind::VARIABLE,
                    None,
                ));
            }
            Declaration::Verdicts(kinds, _) => {
                for kind in kinds {
                    others.push(symbol(&kind.name, kind.name.span, SymbolKind::EVENT, None));
                }
            }
            Declaration::Obligation(kind) => {
                others.push(symbol(&kind.name, kind.name.span, SymbolKind::EVENT, None));
            }
            Declaration::Test(test) => {
                let name = Ident {
                    name: format!("test \"{}\"", test.name.text),
                    span: test.name.span,
                };
                others.push(symbol(&name, test.span, SymbolKind::METHOD, None));
            }
            _ => {}
        }
    }
    let mut out: Vec<DocumentSymbol> = articles
        .into_iter()
        .map(|(article, rules)| {
            let start = rules.first().map(|r| r.range.start).unwrap_or_default();
            let end = rules.last().map(|r| r.range.end).unwrap_or_default();
            #[expect(deprecated, reason = "lsp-types requires the deprecated field")]
            DocumentSymbol {
                name: article,
                detail: Some(format!("{} rule{}", rules.len(), plural(rules.len()))),
                kind: SymbolKind::NAMESPACE,
                tags: None,
                deprecated: None,
                range: lsp_types::Range::new(start, end),
                selection_range: lsp_types::Range::new(start, start),
                children: Some(rules),
            }
        })
        .collect();
    out.extend(others);
    Some(DocumentSymbolResponse::Nested(out))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The article a citation names: `Art. 4(1)(a) Regulation …` gives `Art. 4`; a citation that
/// names no article is its own group.
pub fn article_of(citation: &str) -> String {
    let lead = ["Art. ", "Article ", "Art ", "Annex "]
        .iter()
        .find(|lead| citation.starts_with(**lead));
    match lead {
        Some(lead) => {
            let rest = &citation[lead.len()..];
            let number: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            format!("{}{number}", lead)
        }
        None => citation.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::article_of;

    #[test]
    fn articles_of_citations() {
        assert_eq!(
            article_of("Art. 4(1)(a) Regulation (EU) 2021/821"),
            "Art. 4"
        );
        assert_eq!(article_of("Art. 12 Regulation"), "Art. 12");
        assert_eq!(article_of("Annex IV"), "Annex IV");
        assert_eq!(article_of("Section 3"), "Section 3");
        assert_eq!(article_of(""), "");
    }
}
