//! `test` and `assert` blocks: the case given, parameters set, and each expectation.

use std::collections::HashMap;
use std::path::Path;

use super::error::{CheckError, Located};
use super::expr::Ctx;
use super::ir::*;
use super::suggest;
use super::{Checker, KindSymbol, ValueSymbol};
use crate::syntax::Span;
use crate::syntax::ast;

/// The name of the file, in the `explanations/` folder beside a test's policy file, that stores
/// the explanation a test expects: its name in lowercase ASCII letters and digits, every other
/// run of characters one `-`. The test runner writes it there; the checker refuses two tests
/// whose files would be the same.
pub(crate) fn explanation_file_name(test_name: &str) -> String {
    let slug = test_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!("{slug}.txt")
}

impl<'a> Checker<'a> {
    /// Refuses two tests of one name, and two that would store their explanations in one file.
    pub(super) fn check_test_names(&mut self) {
        let mut names: HashMap<&str, ()> = HashMap::new();
        let mut files: HashMap<(String, String), &str> = HashMap::new();
        for &(file, test) in &self.test_asts {
            let name = test.name.text.as_str();
            if names.insert(name, ()).is_some() {
                self.errors.push(Located {
                    in_test: false,
                    file,
                    error: CheckError::DuplicateTest {
                        test: name.to_string(),
                        span: test.name.span,
                    },
                });
                continue;
            }
            let expects_explanation = test
                .expectations
                .iter()
                .any(|e| matches!(e, ast::Expectation::Explanation(_)));
            if !expects_explanation {
                continue;
            }
            let folder = Path::new(&self.sources[file].name)
                .parent()
                .map(|folder| folder.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stored = explanation_file_name(name);
            if let Some(other) = files.insert((folder, stored.clone()), name) {
                self.errors.push(Located {
                    in_test: false,
                    file,
                    error: CheckError::TestFileCollision {
                        test: name.to_string(),
                        other: other.to_string(),
                        stored,
                        span: test.name.span,
                    },
                });
            }
        }
    }

    /// Checks every `test`; a mistake inside one fails that test only.
    pub(super) fn check_tests(&mut self) {
        let Some(input) = self.input else { return };
        for index in 0..self.test_asts.len() {
            let (file, test) = self.test_asts[index];
            self.file = file;
            let errors_before_test = self.errors.len();
            let mut ctx = Ctx::constant();
            let given = match &test.given {
                Some(given) => {
                    let errors_before =
                        self.errors.iter().filter(|e| !e.error.is_warning()).count();
                    let expr = self.expect_type(given, &Type::Record(input), &mut ctx);
                    let errors_after = self.errors.iter().filter(|e| !e.error.is_warning()).count();
                    (errors_before == errors_after).then_some(expr)
                }
                None => {
                    self.error(CheckError::TestWithoutCase {
                        test: test.name.text.clone(),
                        span: test.name.span,
                    });
                    None
                }
            };
            let mut params = Vec::new();
            for (name, value) in &test.params {
                match self.values.get(&name.name) {
                    Some((ValueSymbol::Param(param), _)) => {
                        let param = *param;
                        let ty = self.params[param].ty.clone();
                        let expr = self.expect_type(value, &ty, &mut Ctx::constant());
                        self.check_kept(&expr, &ty, value.span);
                        params.push((param, expr));
                    }
                    _ => {
                        let candidates: Vec<&str> =
                            self.params.iter().map(|p| p.name.as_str()).collect();
                        let suggestion = suggest::closest(&name.name, candidates);
                        self.error(CheckError::UnknownName {
                            name: name.name.clone(),
                            suggestion,
                            span: name.span,
                        });
                    }
                }
            }
            let mut expectations = Vec::new();
            for expectation in &test.expectations {
                if let Some(checked) = self.expectation(expectation) {
                    expectations.push(checked);
                }
            }
            // A mistake in a test fails that test; the policy and the other tests stand.
            let broken: Vec<String> = self.errors[errors_before_test..]
                .iter()
                .filter(|e| !e.error.is_warning())
                .map(|e| {
                    let at = self.describe_place(Place {
                        file: e.file,
                        span: Span::new(
                            e.error_span_start() as usize,
                            e.error_span_start() as usize,
                        ),
                    });
                    format!("{at}: {}", e.error)
                })
                .collect();
            for found in &mut self.errors[errors_before_test..] {
                found.in_test = true;
            }
            self.tests.push(TestDef {
                broken,
                name: test.name.text.clone(),
                place: self.place(test.span),
                given,
                params,
                expectations,
            });
        }
    }

    /// Checks every `assert`: its `when` condition and what it expects.
    pub(super) fn check_asserts(&mut self) {
        for index in 0..self.assert_asts.len() {
            let (file, assertion) = self.assert_asts[index];
            self.file = file;
            let when = assertion
                .when
                .as_ref()
                .map(|condition| self.condition(condition, &mut Ctx::rule()));
            let expect = match &assertion.expect {
                ast::AssertExpectation::NotDecidedBy(rule) => match self.rule_ref(rule) {
                    Some(rule) => AssertCheck::NotDecidedBy(rule),
                    None => continue,
                },
                ast::AssertExpectation::Verdicts(kinds) => {
                    let resolved = kinds
                        .iter()
                        .filter_map(|kind| self.verdict_named(kind))
                        .collect();
                    AssertCheck::Verdicts(resolved)
                }
            };
            self.asserts.push(AssertDef {
                name: assertion.name.text.clone(),
                place: self.place(assertion.span),
                when,
                expect,
            });
        }
    }

    fn rule_ref(&mut self, name: &ast::Ident) -> Option<usize> {
        match self.rules_by_name.get(&name.name) {
            Some(&index) => Some(index),
            None => {
                self.unknown_rule(name);
                None
            }
        }
    }

    fn expectation(&mut self, expectation: &ast::Expectation) -> Option<Expectation> {
        Some(match expectation {
            ast::Expectation::Explanation(_) => Expectation::Explanation,
            ast::Expectation::DecidedBy(rule) => Expectation::DecidedBy(self.rule_ref(rule)?),
            ast::Expectation::Applied(rule) => Expectation::Applied(self.rule_ref(rule)?),
            ast::Expectation::NotApplied(rule) => Expectation::NotApplied(self.rule_ref(rule)?),
            ast::Expectation::Suppressed { rule, by } => {
                let rule = self.rule_ref(rule);
                let by = self.rule_ref(by);
                Expectation::Suppressed {
                    rule: rule?,
                    by: by?,
                }
            }
            ast::Expectation::Verdict(conclusion) | ast::Expectation::Obligation(conclusion) => {
                let want_verdict = matches!(expectation, ast::Expectation::Verdict(_));
                let text = self.source_text(conclusion.span);
                let (symbol, args) = self.conclusion(conclusion, &mut Ctx::constant(), false)?;
                match (symbol, want_verdict) {
                    (KindSymbol::Verdict(kind), true) => Expectation::Verdict { kind, args, text },
                    (KindSymbol::Obligation(kind), false) => {
                        Expectation::Obligation { kind, args, text }
                    }
                    (KindSymbol::Obligation(_), true) => {
                        self.error(CheckError::WrongArgument {
                            problem: format!(
                                "`{}` is an obligation, not a verdict",
                                conclusion.name.name
                            ),
                            help: format!("write `expect obligation {text}`"),
                            span: conclusion.name.span,
                        });
                        return None;
                    }
                    (KindSymbol::Verdict(_), false) => {
                        self.error(CheckError::WrongArgument {
                            problem: format!(
                                "`{}` is a verdict, not an obligation",
                                conclusion.name.name
                            ),
                            help: format!("write `expect {text}`"),
                            span: conclusion.name.span,
                        });
                        return None;
                    }
                }
            }
            ast::Expectation::NoObligation(name) => {
                Expectation::NoObligation(self.obligation_named(name)?)
            }
        })
    }
}
