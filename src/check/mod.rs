//! The checker: resolves names, types every expression, and checks exceptions and periods,
//! reporting every problem of a policy at once. It never evaluates anything.

pub mod error;
mod expr;
pub mod ir;
mod suggest;

use std::collections::HashMap;

pub use error::{CheckError, Located};
pub use ir::{FileId, Policy, Type};
pub use suggest::closest as closest_name;

use crate::syntax::Span;
use crate::syntax::ast;
use expr::Ctx;
use ir::*;

/// One source file of a policy, as the loader found it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user should see it.
    pub name: String,
    pub text: String,
    /// The parsed file; `None` when it has syntax errors that stopped the parser.
    pub ast: Option<ast::File>,
    /// For each `use` of the file, in order: the file it names, or why it could not be read.
    pub uses: Vec<Result<FileId, String>>,
    /// Which policy of an amendment chain the file belongs to: 0 for the deepest base, and the
    /// policy being checked has the highest layer. A used file has the layer of its user.
    pub layer: usize,
    /// When the file's header `amends` a policy that could not be read: why.
    pub amends_error: Option<String>,
}

/// The line and column (both from 1) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// Checks a policy made of the given sources. Returns the checked policy when there is no error
/// (warnings allowed), and every finding.
pub fn check(sources: &[Source]) -> (Option<Policy>, Vec<Located>) {
    let mut checker = Checker::new(sources);
    checker.run();
    let has_error = checker
        .errors
        .iter()
        .any(|found| !found.error.is_warning() && !found.in_test);
    let policy = if has_error { None } else { checker.finish() };
    let mut errors = checker.errors;
    hide_what_a_missing_use_explains(&mut errors);
    errors.sort_by_key(|found| (found.file, found.error_span_start()));
    (policy, errors)
}

/// When a `use`d file cannot be read, every name it declares is unknown wherever it is used:
/// hundreds of errors with one cause. Those about unknown names and types are hidden and
/// counted on the `use` that failed, the one thing to fix.
fn hide_what_a_missing_use_explains(errors: &mut Vec<Located>) {
    if !errors
        .iter()
        .any(|found| matches!(found.error, CheckError::MissingUse { .. }))
    {
        return;
    }
    let before = errors.len();
    errors.retain(|found| {
        !matches!(
            found.error,
            CheckError::UnknownName { .. } | CheckError::UnknownType { .. }
        )
    });
    let hidden_count = before - errors.len();
    for found in errors.iter_mut() {
        if let CheckError::MissingUse { hidden, .. } = &mut found.error {
            *hidden = hidden_count;
        }
    }
}

impl Located {
    /// Where the finding's first label starts, for ordering findings by place.
    pub fn error_span_start(&self) -> u32 {
        let report: &dyn miette::Diagnostic = &self.error;
        report
            .labels()
            .and_then(|mut labels| labels.next())
            .map(|label| label.offset() as u32)
            .unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeSymbol {
    Enum(usize),
    Record(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueSymbol {
    Const(usize),
    Set(usize),
    Param(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KindSymbol {
    Verdict(usize),
    Obligation(usize),
}

/// Where a const's or set's type stands while checking, so that references can be checked
/// in any order and cycles found.
#[derive(Debug, Clone, PartialEq)]
enum Progress {
    Pending,
    Checking,
    Done,
}

struct Checker<'a> {
    sources: &'a [Source],
    file: FileId,
    errors: Vec<Located>,
    header: Option<(FileId, &'a ast::Header)>,
    types: HashMap<String, (TypeSymbol, Place)>,
    values: HashMap<String, (ValueSymbol, Place)>,
    rules_by_name: HashMap<String, usize>,
    kinds: HashMap<String, (KindSymbol, Place)>,
    /// Enum member name → (enum, member index).
    members: HashMap<String, Vec<(usize, usize)>>,

    enums: Vec<EnumDef>,
    enum_places: Vec<Place>,
    records: Vec<RecordDef>,
    record_asts: Vec<(FileId, &'a ast::RecordDecl)>,
    input: Option<usize>,
    consts: Vec<ConstDef>,
    const_asts: Vec<(FileId, &'a ast::ConstDecl)>,
    const_progress: Vec<Progress>,
    sets: Vec<SetDef>,
    set_asts: Vec<(FileId, &'a ast::SetDecl)>,
    set_progress: Vec<Progress>,
    params: Vec<ParamDef>,
    param_asts: Vec<(FileId, &'a ast::ParamDecl)>,
    verdicts: Vec<KindDef>,
    verdict_asts: Vec<(FileId, &'a ast::KindDecl)>,
    verdicts_declared: Option<Place>,
    otherwise: Option<(FileId, &'a ast::Ident)>,
    obligations: Vec<KindDef>,
    obligation_asts: Vec<(FileId, &'a ast::KindDecl)>,
    rule_asts: Vec<(FileId, &'a ast::RuleDecl)>,
    /// Rules an amendment repeals: their index, the place of the repeal, their name.
    repealed: Vec<(usize, Place, String)>,
    set_changes: Vec<(usize, FileId, &'a ast::Declaration)>,
    const_changes: HashMap<usize, (FileId, &'a ast::Declaration)>,
    param_changes: HashMap<usize, (FileId, &'a ast::Declaration)>,
    amendments: Vec<Amendment>,
    rules: Vec<RuleDef>,
    test_asts: Vec<(FileId, &'a ast::TestDecl)>,
    assert_asts: Vec<(FileId, &'a ast::AssertDecl)>,
    asserts: Vec<AssertDef>,
    tests: Vec<TestDef>,

    /// Usage marks for the "never used" warnings, by declaration kind.
    used_types: Vec<bool>,
    used_records: Vec<bool>,
    used_values: HashMap<ValueSymbol, bool>,
    used_obligations: Vec<bool>,
}

impl std::hash::Hash for ValueSymbol {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            ValueSymbol::Const(i) => (0, *i).hash(state),
            ValueSymbol::Set(i) => (1, *i).hash(state),
            ValueSymbol::Param(i) => (2, *i).hash(state),
        }
    }
}

impl<'a> Checker<'a> {
    fn new(sources: &'a [Source]) -> Checker<'a> {
        Checker {
            sources,
            file: 0,
            errors: Vec::new(),
            header: None,
            types: HashMap::new(),
            values: HashMap::new(),
            rules_by_name: HashMap::new(),
            kinds: HashMap::new(),
            members: HashMap::new(),
            enums: Vec::new(),
            enum_places: Vec::new(),
            records: Vec::new(),
            record_asts: Vec::new(),
            input: None,
            consts: Vec::new(),
            const_asts: Vec::new(),
            const_progress: Vec::new(),
            sets: Vec::new(),
            set_asts: Vec::new(),
            set_progress: Vec::new(),
            params: Vec::new(),
            param_asts: Vec::new(),
            verdicts: Vec::new(),
            verdict_asts: Vec::new(),
            verdicts_declared: None,
            otherwise: None,
            obligations: Vec::new(),
            obligation_asts: Vec::new(),
            rule_asts: Vec::new(),
            repealed: Vec::new(),
            set_changes: Vec::new(),
            const_changes: HashMap::new(),
            param_changes: HashMap::new(),
            amendments: Vec::new(),
            rules: Vec::new(),
            test_asts: Vec::new(),
            assert_asts: Vec::new(),
            asserts: Vec::new(),
            tests: Vec::new(),
            used_types: Vec::new(),
            used_records: Vec::new(),
            used_values: HashMap::new(),
            used_obligations: Vec::new(),
        }
    }

    fn error(&mut self, error: CheckError) {
        self.errors.push(Located {
            in_test: false,
            file: self.file,
            error,
        });
    }

    fn place(&self, span: Span) -> Place {
        Place {
            file: self.file,
            span,
        }
    }

    fn describe_place(&self, place: Place) -> String {
        let source = &self.sources[place.file];
        let (line, column) = line_column(&source.text, place.span.start as usize);
        format!("{}:{line}:{column}", source.name)
    }

    fn run(&mut self) {
        self.collect();
        self.resolve_records_and_kinds();
        self.check_input_date();
        self.check_params();
        for index in 0..self.consts.len() {
            self.check_const(index);
        }
        for index in 0..self.sets.len() {
            self.check_set(index);
        }
        self.check_field_defaults();
        self.check_verdict_order();
        self.check_rules();
        self.check_exception_cycles();
        self.check_tests();
        self.check_asserts();
        self.report_unused();
    }

    /// First pass: registers every declaration under its name, applying amendments in order.
    fn collect(&mut self) {
        let sources = self.sources;
        let top_layer = sources.iter().map(|source| source.layer).max().unwrap_or(0);
        for (file, source) in sources.iter().enumerate() {
            self.file = file;
            let Some(ast) = &source.ast else { continue };
            if let Some(header) = &ast.header {
                if let (Some(reason), Some(path)) = (&source.amends_error, &header.amends) {
                    self.error(CheckError::MissingBase {
                        path: path.text.clone(),
                        reason: reason.clone(),
                        span: path.span,
                    });
                }
                // An amendment's header supersedes the header of the policy it amends.
                let superseded = self
                    .header
                    .is_some_and(|(first_file, _)| self.sources[first_file].layer < source.layer);
                if superseded {
                    self.header = None;
                }
                match self.header {
                    Some((first_file, first)) => {
                        let first = self.describe_place(Place {
                            file: first_file,
                            span: first.span,
                        });
                        self.error(CheckError::PolicyShape {
                            problem: "a policy has one `policy` header".to_string(),
                            help: format!("the header is already given at {first}; remove this one, or make this file a separate policy"),
                            span: header.title.span,
                        });
                    }
                    None => self.header = Some((file, header)),
                }
                self.check_period(&header.in_force);
            }
            let mut use_index = 0;
            for declaration in &ast.declarations {
                match declaration {
                    ast::Declaration::Use(path) => {
                        if let Some(Err(reason)) = source.uses.get(use_index) {
                            self.error(CheckError::MissingUse {
                                path: path.text.clone(),
                                reason: reason.clone(),
                                hidden: 0,
                                span: path.span,
                            });
                        }
                        use_index += 1;
                    }
                    ast::Declaration::Enum(decl) => {
                        let index = self.enums.len();
                        if self.declare_type(&decl.name, TypeSymbol::Enum(index)) {
                            let mut members: Vec<String> = Vec::new();
                            for member in &decl.members {
                                if members.contains(&member.name) {
                                    self.error(CheckError::DuplicateDefinition {
                                        name: member.name.clone(),
                                        first: format!("an earlier member of `{}`", decl.name.name),
                                        span: member.span,
                                    });
                                    continue;
                                }
                                self.members
                                    .entry(member.name.clone())
                                    .or_default()
                                    .push((index, members.len()));
                                members.push(member.name.clone());
                            }
                            if members.len() > 256 {
                                self.error(CheckError::PolicyShape {
                                    problem: format!(
                                        "enum `{}` has {} members",
                                        decl.name.name,
                                        members.len()
                                    ),
                                    help: "an enum has at most 256 members".to_string(),
                                    span: decl.name.span,
                                });
                            }
                            self.enums.push(EnumDef {
                                name: decl.name.name.clone(),
                                members,
                            });
                            self.enum_places.push(self.place(decl.name.span));
                            self.used_types.push(false);
                        }
                    }
                    ast::Declaration::Record(decl) => {
                        let index = self.records.len();
                        if self.declare_type(&decl.name, TypeSymbol::Record(index)) {
                            if decl.is_input {
                                match self.input {
                                    Some(first) => self.error(CheckError::PolicyShape {
                                        problem: "a policy has one `input` record".to_string(),
                                        help: format!("`{}` is already the input; declare this one with `record`", self.records[first].name),
                                        span: decl.name.span,
                                    }),
                                    None => self.input = Some(index),
                                }
                            }
                            self.records.push(RecordDef {
                                name: decl.name.name.clone(),
                                fields: Vec::new(),
                            });
                            self.record_asts.push((file, decl));
                            self.used_records.push(decl.is_input);
                        }
                    }
                    ast::Declaration::Const(decl) => {
                        let index = self.consts.len();
                        if self.declare_value(&decl.name, ValueSymbol::Const(index)) {
                            self.consts.push(ConstDef {
                                name: decl.name.name.clone(),
                                ty: Type::Error,
                                versions: Vec::new(),
                            });
                            self.const_asts.push((file, decl));
                            self.const_progress.push(Progress::Pending);
                        }
                    }
                    ast::Declaration::Set(decl) => {
                        let index = self.sets.len();
                        if self.declare_value(&decl.name, ValueSymbol::Set(index)) {
                            self.sets.push(SetDef {
                                name: decl.name.name.clone(),
                                element: Type::Error,
                                members: Vec::new(),
                                removed: Vec::new(),
                            });
                            self.set_asts.push((file, decl));
                            self.set_progress.push(Progress::Pending);
                        }
                    }
                    ast::Declaration::Param(decl) => {
                        let index = self.params.len();
                        if self.declare_value(&decl.name, ValueSymbol::Param(index)) {
                            self.params.push(ParamDef {
                                name: decl.name.name.clone(),
                                ty: Type::Error,
                                default: Expr::Bool(false),
                            });
                            self.param_asts.push((file, decl));
                        }
                    }
                    ast::Declaration::Verdicts(kinds, span) => {
                        if let Some(first) = self.verdicts_declared {
                            let first = self.describe_place(first);
                            self.error(CheckError::PolicyShape {
                                problem: "verdicts are declared twice".to_string(),
                                help: format!(
                                    "they are first declared at {first}; keep one `verdicts` line"
                                ),
                                span: *span,
                            });
                            continue;
                        }
                        self.verdicts_declared = Some(self.place(*span));
                        for kind in kinds {
                            let index = self.verdicts.len();
                            if self.declare_kind(&kind.name, KindSymbol::Verdict(index)) {
                                self.verdicts.push(KindDef {
                                    name: kind.name.name.clone(),
                                    params: Vec::new(),
                                });
                                self.verdict_asts.push((file, kind));
                            }
                        }
                    }
                    ast::Declaration::Otherwise(name) => {
                        if self.otherwise.is_some() {
                            self.error(CheckError::PolicyShape {
                                problem: "`otherwise` is given twice".to_string(),
                                help: "keep one `otherwise` line".to_string(),
                                span: name.span,
                            });
                        } else {
                            self.otherwise = Some((file, name));
                        }
                    }
                    ast::Declaration::Obligation(kind) => {
                        let index = self.obligations.len();
                        if self.declare_kind(&kind.name, KindSymbol::Obligation(index)) {
                            self.obligations.push(KindDef {
                                name: kind.name.name.clone(),
                                params: Vec::new(),
                            });
                            self.obligation_asts.push((file, kind));
                            self.used_obligations.push(false);
                        }
                    }
                    ast::Declaration::Rule(rule) => {
                        if let Some(&first) = self.rules_by_name.get(&rule.name.name) {
                            let (first_file, first_rule) = self.rule_asts[first];
                            let first = self.describe_place(Place {
                                file: first_file,
                                span: first_rule.name.span,
                            });
                            self.error(CheckError::DuplicateDefinition {
                                name: rule.name.name.clone(),
                                first,
                                span: rule.name.span,
                            });
                            continue;
                        }
                        self.rules_by_name
                            .insert(rule.name.name.clone(), self.rule_asts.len());
                        self.rule_asts.push((file, rule));
                    }
                    ast::Declaration::Assert(assertion) => {
                        if source.layer == top_layer {
                            self.assert_asts.push((file, assertion));
                        }
                    }
                    // The tests of an amended policy are the amendment's own.
                    ast::Declaration::Test(test) => {
                        if source.layer == top_layer {
                            self.test_asts.push((file, test));
                        }
                    }
                    ast::Declaration::AddRule(rule) => {
                        if self.amendment_allowed(source, rule.name.span, "add rule") {
                            if self.rules_by_name.contains_key(&rule.name.name) {
                                self.error(CheckError::PolicyShape {
                                    problem: format!(
                                        "rule `{}` is already in the policy this amends",
                                        rule.name.name
                                    ),
                                    help: format!(
                                        "write `replace rule {}` to replace it",
                                        rule.name.name
                                    ),
                                    span: rule.name.span,
                                });
                                continue;
                            }
                            self.rules_by_name
                                .insert(rule.name.name.clone(), self.rule_asts.len());
                            self.rule_asts.push((file, rule));
                            self.amendment_note(
                                format!("adds rule `{}`", rule.name.name),
                                &rule.citation,
                            );
                        }
                    }
                    ast::Declaration::ReplaceRule(rule) => {
                        if self.amendment_allowed(source, rule.name.span, "replace rule") {
                            match self.rules_by_name.get(&rule.name.name) {
                                Some(&index) => {
                                    self.rule_asts[index] = (file, rule);
                                    self.amendment_note(
                                        format!("replaces rule `{}`", rule.name.name),
                                        &rule.citation,
                                    );
                                }
                                None => self.unknown_amended_rule(&rule.name),
                            }
                        }
                    }
                    ast::Declaration::RepealRule {
                        name,
                        citation,
                        span,
                    } => {
                        if self.amendment_allowed(source, *span, "repeal rule") {
                            match self.rules_by_name.remove(&name.name) {
                                Some(index) => {
                                    self.repealed.push((
                                        index,
                                        self.place(name.span),
                                        name.name.clone(),
                                    ));
                                    self.amendment_note(
                                        format!("repeals rule `{}`", name.name),
                                        citation,
                                    );
                                }
                                None => self.unknown_amended_rule(name),
                            }
                        }
                    }
                    ast::Declaration::ChangeSet {
                        name,
                        citation,
                        add,
                        span,
                        ..
                    } => {
                        if self.amendment_allowed(source, *span, "change set") {
                            match self.values.get(&name.name) {
                                Some((ValueSymbol::Set(index), _)) => {
                                    let index = *index;
                                    self.set_changes.push((index, file, declaration));
                                    let what = if *add {
                                        "adds members to"
                                    } else {
                                        "removes members from"
                                    };
                                    self.amendment_note(
                                        format!("{what} set `{}`", name.name),
                                        citation,
                                    );
                                }
                                _ => self.unknown_amended_value(name, "set"),
                            }
                        }
                    }
                    ast::Declaration::ChangeValue {
                        name,
                        citation,
                        is_param,
                        span,
                        ..
                    } => {
                        if self.amendment_allowed(source, *span, "change") {
                            match (self.values.get(&name.name), is_param) {
                                (Some((ValueSymbol::Const(index), _)), false) => {
                                    let index = *index;
                                    self.const_changes.insert(index, (file, declaration));
                                    self.amendment_note(
                                        format!("changes constant `{}`", name.name),
                                        citation,
                                    );
                                }
                                (Some((ValueSymbol::Param(index), _)), true) => {
                                    let index = *index;
                                    self.param_changes.insert(index, (file, declaration));
                                    self.amendment_note(
                                        format!("changes parameter `{}`", name.name),
                                        citation,
                                    );
                                }
                                _ => self.unknown_amended_value(
                                    name,
                                    if *is_param { "parameter" } else { "constant" },
                                ),
                            }
                        }
                    }
                }
            }
        }
        self.remove_repealed_rules();
        self.file = self.header.map(|(file, _)| file).unwrap_or(0);
        let anchor = self
            .header
            .map(|(_, header)| header.title.span)
            .unwrap_or_default();
        if self.header.is_none() && self.sources.iter().any(|source| source.ast.is_some()) {
            self.error(CheckError::PolicyShape {
                problem: "the policy has no `policy` header".to_string(),
                help:
                    "begin one file with `policy \"title\" source \"…\" in force from YYYY-MM-DD`"
                        .to_string(),
                span: Span::new(0, 0),
            });
        }
        if self.input.is_none() && (!self.rule_asts.is_empty() || !self.test_asts.is_empty()) {
            self.error(CheckError::PolicyShape {
                problem: "the policy declares no `input` record".to_string(),
                help: "declare the shape of a case: `input Case { date: date, … }`".to_string(),
                span: anchor,
            });
        }
        if self.verdicts_declared.is_none()
            && (!self.rule_asts.is_empty() || !self.test_asts.is_empty())
        {
            self.error(CheckError::PolicyShape {
                problem: "the policy declares no verdicts".to_string(),
                help: "declare them strongest first: `verdicts licence_required > no_licence_required`".to_string(),
                span: anchor,
            });
        }
    }

    /// Whether an amendment's change may stand here (only in a policy that `amends` another).
    fn amendment_allowed(&mut self, source: &Source, span: Span, what: &str) -> bool {
        if source.layer > 0 {
            return true;
        }
        self.error(CheckError::PolicyShape {
            problem: format!("`{what}` belongs in an amendment"),
            help: "say which policy this amends in the header: `amends \"../dual-use\"`; in a policy of its own, declare the rule or value directly".to_string(),
            span,
        });
        false
    }

    fn amendment_note(&mut self, change: String, citation: &Option<ast::Str>) {
        self.amendments.push(Amendment {
            change,
            citation: citation
                .as_ref()
                .map(|c| c.text.clone())
                .unwrap_or_default(),
            place: self.place(citation.as_ref().map(|c| c.span).unwrap_or_default()),
        });
    }

    fn unknown_amended_rule(&mut self, name: &ast::Ident) {
        let suggestion =
            suggest::closest(&name.name, self.rules_by_name.keys().map(String::as_str));
        self.error(CheckError::UnknownRule {
            name: name.name.clone(),
            suggestion,
            span: name.span,
        });
    }

    fn unknown_amended_value(&mut self, name: &ast::Ident, what: &str) {
        let suggestion = suggest::closest(&name.name, self.values.keys().map(String::as_str));
        self.error(CheckError::UnknownName {
            name: name.name.clone(),
            suggestion: suggestion
                .or_else(|| Some(format!("a {what} of the policy this amends")))
                .filter(|s| !s.starts_with("a ")),
            span: name.span,
        });
    }

    /// Drops repealed rules, keeping the others in order, and says which remaining rules were
    /// exceptions to a repealed one (at the repeal, where the amendment can fix it).
    fn remove_repealed_rules(&mut self) {
        if self.repealed.is_empty() {
            return;
        }
        let repealed: Vec<usize> = self.repealed.iter().map(|(index, _, _)| *index).collect();
        let kept: Vec<(FileId, &ast::RuleDecl)> = self
            .rule_asts
            .iter()
            .enumerate()
            .filter(|(index, _)| !repealed.contains(index))
            .map(|(_, rule)| *rule)
            .collect();
        for (_, place, name) in self.repealed.clone() {
            for (_, rule) in &kept {
                if rule.exception_to.iter().any(|base| base.name == name) {
                    self.errors.push(Located {
                        in_test: false,
                        file: place.file,
                        error: CheckError::PolicyShape {
                            problem: format!(
                                "`{}` is an exception to `{name}`, which this repeals",
                                rule.name.name
                            ),
                            help: format!("repeal or replace `{}` too", rule.name.name),
                            span: place.span,
                        },
                    });
                }
            }
        }
        self.rule_asts = kept;
        self.rules_by_name = self
            .rule_asts
            .iter()
            .enumerate()
            .map(|(index, (_, rule))| (rule.name.name.clone(), index))
            .collect();
    }

    fn first_place_text(&self, place: Place) -> String {
        self.describe_place(place)
    }

    fn declare_type(&mut self, name: &ast::Ident, symbol: TypeSymbol) -> bool {
        if BUILTIN_TYPES.contains(&name.name.as_str()) {
            self.error(CheckError::DuplicateDefinition {
                name: name.name.clone(),
                first: "the built-in types".to_string(),
                span: name.span,
            });
            return false;
        }
        if let Some((_, first)) = self.types.get(&name.name) {
            let first = self.first_place_text(*first);
            self.error(CheckError::DuplicateDefinition {
                name: name.name.clone(),
                first,
                span: name.span,
            });
            return false;
        }
        self.types
            .insert(name.name.clone(), (symbol, self.place(name.span)));
        true
    }

    fn declare_value(&mut self, name: &ast::Ident, symbol: ValueSymbol) -> bool {
        if name.name == "case" {
            self.error(CheckError::DuplicateDefinition {
                name: name.name.clone(),
                first: "the language (`case` is the case being decided)".to_string(),
                span: name.span,
            });
            return false;
        }
        if let Some((_, first)) = self.values.get(&name.name) {
            let first = self.first_place_text(*first);
            self.error(CheckError::DuplicateDefinition {
                name: name.name.clone(),
                first,
                span: name.span,
            });
            return false;
        }
        self.values
            .insert(name.name.clone(), (symbol, self.place(name.span)));
        self.used_values.insert(symbol, false);
        true
    }

    fn declare_kind(&mut self, name: &ast::Ident, symbol: KindSymbol) -> bool {
        if let Some((_, first)) = self.kinds.get(&name.name) {
            let first = self.first_place_text(*first);
            self.error(CheckError::DuplicateDefinition {
                name: name.name.clone(),
                first,
                span: name.span,
            });
            return false;
        }
        self.kinds
            .insert(name.name.clone(), (symbol, self.place(name.span)));
        true
    }

    fn check_period(&mut self, period: &ast::Period) -> Period {
        if let (Some(from), Some(until)) = (period.from, period.until)
            && until.date < from.date
        {
            self.error(CheckError::PeriodReversed {
                from: from.date.to_string(),
                until: until.date.to_string(),
                span: from.span.to(until.span),
            });
        }
        Period {
            from: period.from.map(|d| d.date),
            until: period.until.map(|d| d.date),
        }
    }

    /// Resolves a written type.
    fn resolve_type(&mut self, ty: &ast::TypeExpr) -> Type {
        match ty {
            ast::TypeExpr::Set(inner, _) => Type::Set(Box::new(self.resolve_type(inner))),
            ast::TypeExpr::Optional(inner, _) => Type::Optional(Box::new(self.resolve_type(inner))),
            ast::TypeExpr::Named(name) => match name.name.as_str() {
                "bool" => Type::Bool,
                "int" => Type::Int,
                "decimal" => Type::Decimal,
                "text" => Type::Text,
                "date" => Type::Date,
                "duration" => Type::Duration,
                other => match self.types.get(other) {
                    Some((TypeSymbol::Enum(index), _)) => {
                        let index = *index;
                        self.used_types[index] = true;
                        Type::Enum(index)
                    }
                    Some((TypeSymbol::Record(index), _)) => {
                        let index = *index;
                        self.used_records[index] = true;
                        Type::Record(index)
                    }
                    None => {
                        let candidates: Vec<&str> = BUILTIN_TYPES
                            .iter()
                            .copied()
                            .chain(self.types.keys().map(String::as_str))
                            .collect();
                        let suggestion = suggest::closest(other, candidates);
                        self.error(CheckError::UnknownType {
                            name: other.to_string(),
                            suggestion,
                            span: name.span,
                        });
                        Type::Error
                    }
                },
            },
        }
    }

    fn resolve_records_and_kinds(&mut self) {
        for index in 0..self.record_asts.len() {
            let (file, decl) = self.record_asts[index];
            self.file = file;
            let mut fields: Vec<FieldDef> = Vec::new();
            for field in &decl.fields {
                if fields.iter().any(|f| f.name == field.name.name) {
                    self.error(CheckError::DuplicateDefinition {
                        name: field.name.name.clone(),
                        first: format!("an earlier field of `{}`", decl.name.name),
                        span: field.name.span,
                    });
                    continue;
                }
                let ty = self.resolve_type(&field.ty);
                fields.push(FieldDef {
                    name: field.name.name.clone(),
                    ty,
                    default: None,
                });
            }
            self.records[index].fields = fields;
        }
        for index in 0..self.verdict_asts.len() {
            let (file, decl) = self.verdict_asts[index];
            self.file = file;
            self.verdicts[index].params = self.kind_params(decl);
        }
        for index in 0..self.obligation_asts.len() {
            let (file, decl) = self.obligation_asts[index];
            self.file = file;
            self.obligations[index].params = self.kind_params(decl);
        }
    }

    /// The input must carry the date of the act: it picks the rules in force.
    fn check_input_date(&mut self) {
        let Some(input) = self.input else { return };
        let has_date = self.records[input]
            .field_index("date")
            .is_some_and(|position| self.records[input].fields[position].ty == Type::Date);
        if !has_date {
            let (file, decl) = self.record_asts[input];
            self.file = file;
            self.error(CheckError::PolicyShape {
                problem: format!("input `{}` has no field `date: date`", decl.name.name),
                help: "a case carries the date of the act, which picks the rules in force: add `date: date`".to_string(),
                span: decl.name.span,
            });
        }
    }

    fn kind_params(&mut self, decl: &ast::KindDecl) -> Vec<(String, Type)> {
        let mut params: Vec<(String, Type)> = Vec::new();
        for (name, ty) in &decl.params {
            if params.iter().any(|(n, _)| *n == name.name) {
                self.error(CheckError::DuplicateDefinition {
                    name: name.name.clone(),
                    first: format!("an earlier parameter of `{}`", decl.name.name),
                    span: name.span,
                });
                continue;
            }
            let ty = self.resolve_type(ty);
            params.push((name.name.clone(), ty));
        }
        params
    }

    fn check_params(&mut self) {
        for index in 0..self.param_asts.len() {
            let (file, decl) = self.param_asts[index];
            self.file = file;
            let ty = self.resolve_type(&decl.ty);
            let mut ctx = Ctx::constant();
            let mut default = self.expect_type(&decl.default, &ty, &mut ctx);
            // An amendment's `change param` gives a new default.
            if let Some(&(change_file, ast::Declaration::ChangeValue { versions, .. })) =
                self.param_changes.get(&index)
            {
                self.file = change_file;
                if let Some(version) = versions.first() {
                    default = self.expect_type(&version.value, &ty, &mut Ctx::constant());
                }
            }
            self.params[index].ty = ty;
            self.params[index].default = default;
        }
    }

    /// Checks a constant (on first reference or in order), finding cycles.
    fn check_const(&mut self, index: usize) {
        match self.const_progress[index] {
            Progress::Done => return,
            Progress::Checking => {
                let (file, decl) = self.const_asts[index];
                self.errors.push(Located {
                    in_test: false,
                    file,
                    error: CheckError::PolicyShape {
                        problem: format!(
                            "constant `{}` is defined in terms of itself",
                            decl.name.name
                        ),
                        help: "give the constant a value that does not refer back to it"
                            .to_string(),
                        span: decl.name.span,
                    },
                });
                return;
            }
            Progress::Pending => {}
        }
        self.const_progress[index] = Progress::Checking;
        let saved_file = self.file;
        let (file, decl) = self.const_asts[index];
        self.file = file;
        let mut ty = decl.ty.as_ref().map(|ty| self.resolve_type(ty));
        let mut versions = Vec::new();
        // An amendment's `change const` replaces the versions, keeping the declared type.
        let declared_versions = match self.const_changes.get(&index) {
            Some(&(change_file, ast::Declaration::ChangeValue { versions, .. })) => {
                self.file = change_file;
                versions
            }
            _ => &decl.versions,
        };
        for (position, version) in declared_versions.iter().enumerate() {
            let mut ctx = Ctx::constant();
            let (expr, found) = match &ty {
                Some(ty) => {
                    let expr = self.expect_type(&version.value, ty, &mut ctx);
                    (expr, ty.clone())
                }
                None => self.expr(&version.value, None, &mut ctx),
            };
            if ty.is_none() {
                ty = Some(found);
            }
            let period = self.check_period(&version.period);
            let dated = version.period.from.is_some() || version.period.until.is_some();
            if position + 1 == declared_versions.len() && dated {
                self.error(CheckError::PolicyShape {
                    problem: format!(
                        "constant `{}` has no value outside the dates given",
                        decl.name.name
                    ),
                    help: "end the list with an undated value, used when no dated one is in force"
                        .to_string(),
                    span: version.value.span,
                });
            }
            versions.push((expr, period));
        }
        self.consts[index].ty = ty.unwrap_or(Type::Error);
        self.consts[index].versions = versions;
        self.const_progress[index] = Progress::Done;
        self.file = saved_file;
    }

    fn check_set(&mut self, index: usize) {
        match self.set_progress[index] {
            Progress::Done => return,
            Progress::Checking => {
                let (file, decl) = self.set_asts[index];
                self.errors.push(Located {
                    in_test: false,
                    file,
                    error: CheckError::PolicyShape {
                        problem: format!("set `{}` is defined in terms of itself", decl.name.name),
                        help: "list its members without referring back to it".to_string(),
                        span: decl.name.span,
                    },
                });
                return;
            }
            Progress::Pending => {}
        }
        self.set_progress[index] = Progress::Checking;
        let saved_file = self.file;
        let (file, decl) = self.set_asts[index];
        self.file = file;
        let mut element = decl.element_type.as_ref().map(|ty| self.resolve_type(ty));
        let mut members = Vec::new();
        for member in &decl.members {
            let mut ctx = Ctx::constant();
            let expr = match &element {
                Some(ty) => self.expect_type(&member.value, ty, &mut ctx),
                None => {
                    let (expr, found) = self.expr(&member.value, None, &mut ctx);
                    element = Some(found);
                    expr
                }
            };
            let period = self.check_period(&member.period);
            members.push((expr, period));
        }
        if element.is_none() {
            self.error(CheckError::NeedsType {
                what: format!("the empty set `{}`", decl.name.name),
                help: format!(
                    "give the element type: `set {}: Country = {{}}`",
                    decl.name.name
                ),
                span: decl.name.span,
            });
        }
        self.sets[index].element = element.clone().unwrap_or(Type::Error);
        // Amendments add and remove members, in order.
        let mut removed = Vec::new();
        let changes: Vec<(FileId, &ast::Declaration)> = self
            .set_changes
            .iter()
            .filter(|(set, _, _)| *set == index)
            .map(|(_, file, change)| (*file, *change))
            .collect();
        for (change_file, change) in changes {
            let ast::Declaration::ChangeSet {
                add,
                members: changed,
                ..
            } = change
            else {
                continue;
            };
            self.file = change_file;
            let element_ty = element.clone().unwrap_or(Type::Error);
            for member in changed {
                let expr = self.expect_type(&member.value, &element_ty, &mut Ctx::constant());
                let period = self.check_period(&member.period);
                if *add {
                    members.push((expr, period));
                } else {
                    removed.push((expr, period));
                }
            }
        }
        self.sets[index].members = members;
        self.sets[index].removed = removed;
        self.set_progress[index] = Progress::Done;
        self.file = saved_file;
    }

    fn check_field_defaults(&mut self) {
        for index in 0..self.record_asts.len() {
            let (file, decl) = self.record_asts[index];
            self.file = file;
            for field in &decl.fields {
                let Some(default) = &field.default else {
                    continue;
                };
                let Some(position) = self.records[index].field_index(&field.name.name) else {
                    continue;
                };
                let ty = self.records[index].fields[position].ty.clone();
                let mut ctx = Ctx::constant();
                let expr = self.expect_type(default, &ty, &mut ctx);
                self.records[index].fields[position].default = Some(expr);
            }
        }
    }

    fn check_verdict_order(&mut self) {
        let Some((file, name)) = self.otherwise else {
            if self.verdicts_declared.is_some() {
                let place = self
                    .verdicts_declared
                    .unwrap_or(self.place(Span::default()));
                self.file = place.file;
                self.error(CheckError::PolicyShape {
                    problem: "the policy does not say what holds when no rule applies".to_string(),
                    help: "add `otherwise <verdict>`, for example `otherwise no_licence_required`"
                        .to_string(),
                    span: place.span,
                });
            }
            return;
        };
        self.file = file;
        if let Some(index) = self.verdict_named(name)
            && !self.verdicts[index].params.is_empty()
        {
            self.error(CheckError::WrongArgument {
                problem: format!("`otherwise` verdict `{}` takes arguments", name.name),
                help: "choose a verdict without parameters for `otherwise`".to_string(),
                span: name.span,
            });
        }
    }

    /// The verdict a name stands for; where it stands for none (or for an obligation), an
    /// `unknown_kind` error that suggests the closest verdict.
    fn verdict_named(&mut self, name: &ast::Ident) -> Option<usize> {
        if let Some((KindSymbol::Verdict(index), _)) = self.kinds.get(&name.name) {
            return Some(*index);
        }
        let suggestion =
            suggest::closest(&name.name, self.verdicts.iter().map(|v| v.name.as_str()));
        self.unknown_kind(name, suggestion);
        None
    }

    /// The obligation a name stands for; where it stands for none (or for a verdict), an
    /// `unknown_kind` error that suggests the closest obligation.
    fn obligation_named(&mut self, name: &ast::Ident) -> Option<usize> {
        if let Some((KindSymbol::Obligation(index), _)) = self.kinds.get(&name.name) {
            return Some(*index);
        }
        let suggestion =
            suggest::closest(&name.name, self.obligations.iter().map(|o| o.name.as_str()));
        self.unknown_kind(name, suggestion);
        None
    }

    fn unknown_kind(&mut self, name: &ast::Ident, suggestion: Option<String>) {
        self.error(CheckError::UnknownKind {
            name: name.name.clone(),
            suggestion,
            span: name.span,
        });
    }

    fn check_rules(&mut self) {
        let policy_period = self.header.map(|(_, header)| Period {
            from: header.in_force.from.map(|d| d.date),
            until: header.in_force.until.map(|d| d.date),
        });
        for index in 0..self.rule_asts.len() {
            let (file, rule) = self.rule_asts[index];
            self.file = file;
            let citation = match &rule.citation {
                Some(citation) if !citation.text.trim().is_empty() => citation.text.clone(),
                _ => {
                    self.error(CheckError::MissingCitation {
                        rule: rule.name.name.clone(),
                        span: rule.name.span,
                    });
                    String::new()
                }
            };
            let in_force = rule
                .in_force
                .as_ref()
                .map(|period| self.check_period(period))
                .unwrap_or_default();
            // Rules inherited from the policy an amendment amends may lie outside its period.
            let inherited =
                self.sources[file].layer < self.sources.iter().map(|s| s.layer).max().unwrap_or(0);
            if let Some(policy) = policy_period.filter(|_| !inherited) {
                let ends_before = matches!((in_force.until, policy.from), (Some(until), Some(from)) if until < from);
                let starts_after = matches!((in_force.from, policy.until), (Some(from), Some(until)) if from > until);
                if ends_before || starts_after {
                    self.error(CheckError::NeverInForce {
                        rule: rule.name.name.clone(),
                        policy_period: describe_period(&policy),
                        rule_period: describe_period(&in_force),
                        span: rule.name.span,
                    });
                }
            }
            let mut exception_to = Vec::new();
            for base in &rule.exception_to {
                match self.rules_by_name.get(&base.name) {
                    Some(&base_index) => exception_to.push(base_index),
                    None if self.repealed.iter().any(|(_, _, name)| *name == base.name) => {
                        // Reported at the repeal, where the amendment can fix it.
                    }
                    None => {
                        let suggestion = suggest::closest(
                            &base.name,
                            self.rules_by_name.keys().map(String::as_str),
                        );
                        self.error(CheckError::UnknownRule {
                            name: base.name.clone(),
                            suggestion,
                            span: base.span,
                        });
                    }
                }
            }
            let mut allows = Vec::new();
            for (finding, reason) in &rule.allows {
                if ir::FINDINGS.contains(&finding.name.as_str()) {
                    allows.push((finding.name.clone(), reason.text.clone()));
                } else {
                    let suggestion = suggest::closest(&finding.name, ir::FINDINGS);
                    self.error(CheckError::WrongArgument {
                        problem: format!("`{}` is not an analysis finding", finding.name),
                        help: suggestion_or(
                            suggestion,
                            format!(
                                "the findings are {}",
                                backticked(ir::FINDINGS.iter().copied())
                            ),
                        ),
                        span: finding.span,
                    });
                }
            }
            // `for x in S`: the set is read in the rule's context; `x` is then bound in the
            // condition, the conclusion and the `because` text.
            let mut for_each = None;
            let mut binding: Option<(String, Type)> = None;
            if let Some((variable, set)) = &rule.for_each {
                let mut ctx = Ctx::rule();
                let (set_expr, set_ty) = self.expr(set, None, &mut ctx);
                let element =
                    self.set_element(&set_ty, set.span, "`for` ranges over the members of a set");
                binding = Some((variable.name.clone(), element));
                for_each = Some(ForEach {
                    variable: variable.name.clone(),
                    set: set_expr,
                    text: self.source_text(set.span),
                });
            }
            let rule_ctx = || {
                let mut ctx = Ctx::rule();
                if let Some((name, ty)) = &binding {
                    ctx.bind(name, ty.clone());
                }
                ctx
            };
            let mut conditions = Vec::new();
            if let Some(when) = &rule.when {
                let conjuncts: Vec<&ast::Expr> = match &when.kind {
                    ast::ExprKind::And(operands) => operands.iter().collect(),
                    _ => vec![when],
                };
                let mut ctx = rule_ctx();
                for conjunct in conjuncts {
                    ctx.reset_observed();
                    let errors_before = self.errors.len();
                    let expr = self.condition(conjunct, &mut ctx);
                    if !ctx.reads_facts_since_reset() && self.errors.len() == errors_before {
                        self.error(CheckError::ConstantCondition {
                            span: conjunct.span,
                        });
                    }
                    conditions.push(Condition {
                        expr,
                        text: self.source_text(conjunct.span),
                        observed: std::mem::take(&mut ctx.observed),
                    });
                    expr::narrow_after(conjunct, &mut ctx);
                }
            }
            let mut verdict = None;
            let mut obligations = Vec::new();
            for conclusion in &rule.then {
                let mut ctx = rule_ctx();
                if let Some(when) = &rule.when {
                    expr::narrow_after(when, &mut ctx);
                }
                match self.conclusion(conclusion, &mut ctx, true) {
                    Some((KindSymbol::Verdict(kind), args)) => {
                        if verdict.is_some() {
                            self.error(CheckError::TwoVerdicts {
                                span: conclusion.span,
                            });
                        }
                        verdict = Some(Conclusion {
                            kind,
                            args: args
                                .into_iter()
                                .map(|arg| arg.unwrap_or(Expr::Bool(false)))
                                .collect(),
                        });
                    }
                    Some((KindSymbol::Obligation(kind), args)) => {
                        obligations.push(Conclusion {
                            kind,
                            args: args
                                .into_iter()
                                .map(|arg| arg.unwrap_or(Expr::Bool(false)))
                                .collect(),
                        });
                    }
                    None => {}
                }
            }
            if rule.then.is_empty() {
                self.error(CheckError::PolicyShape {
                    problem: format!("rule `{}` concludes nothing", rule.name.name),
                    help: "add `then <verdict>` or `then <obligation>(…)`".to_string(),
                    span: rule.name.span,
                });
            }
            let mut because = Vec::new();
            if let Some(template) = &rule.because {
                let mut ctx = rule_ctx();
                if let Some(when) = &rule.when {
                    expr::narrow_after(when, &mut ctx);
                }
                for part in &template.parts {
                    match part {
                        ast::TemplatePart::Text(text) => {
                            because.push(TemplatePart::Text(text.clone()))
                        }
                        ast::TemplatePart::Hole(hole) => {
                            let (expr, _) = self.expr(hole, None, &mut ctx);
                            because.push(TemplatePart::Hole(expr));
                        }
                    }
                }
            }
            self.rules.push(RuleDef {
                name: rule.name.name.clone(),
                citation,
                exception_to,
                in_force,
                for_each,
                conditions,
                verdict,
                obligations,
                because,
                place: self.place(rule.span),
                inherited,
                allows,
            });
        }
        // An exception that concludes a verdict must have a base with a verdict to replace.
        for index in 0..self.rules.len() {
            let (file, rule_ast) = self.rule_asts[index];
            if self.rules[index].verdict.is_none() {
                continue;
            }
            for &base in &self.rules[index].exception_to {
                if self.rules[base].verdict.is_none()
                    && self.rules[base].obligations.iter().len() > 0
                {
                    let span = exception_span(rule_ast, &self.rules[base].name);
                    self.errors.push(Located {
                        in_test: false,
                        file,
                        error: CheckError::ExceptionReplacesNothing {
                            exception: self.rules[index].name.clone(),
                            base: self.rules[base].name.clone(),
                            span,
                        },
                    });
                }
            }
        }
        // An exception in force only when the rule it is an exception to is not can never bite.
        for index in 0..self.rules.len() {
            let (file, rule_ast) = self.rule_asts[index];
            for &base in &self.rules[index].exception_to {
                let (own, theirs) = (self.rules[index].in_force, self.rules[base].in_force);
                let disjoint = matches!((own.until, theirs.from), (Some(until), Some(from)) if until < from)
                    || matches!((theirs.until, own.from), (Some(until), Some(from)) if until < from);
                if disjoint {
                    let span = exception_span(rule_ast, &self.rules[base].name);
                    self.errors.push(Located {
                        in_test: false,
                        file,
                        error: CheckError::ExceptionOutOfForce {
                            exception: self.rules[index].name.clone(),
                            base: self.rules[base].name.clone(),
                            exception_period: describe_period(&own),
                            base_period: describe_period(&theirs),
                            span,
                        },
                    });
                }
            }
        }
    }

    fn source_text(&self, span: Span) -> String {
        let text = self.sources[self.file]
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn check_exception_cycles(&mut self) {
        // Depth-first search over "is an exception to" edges; a back edge closes a cycle.
        let count = self.rules.len();
        let mut state = vec![0u8; count];
        let mut stack: Vec<usize> = Vec::new();
        let mut reported = vec![false; count];
        for start in 0..count {
            if state[start] == 0 {
                self.visit_exceptions(start, &mut state, &mut stack, &mut reported);
            }
        }
    }

    fn visit_exceptions(
        &mut self,
        rule: usize,
        state: &mut [u8],
        stack: &mut Vec<usize>,
        reported: &mut [bool],
    ) {
        state[rule] = 1;
        stack.push(rule);
        let bases = self.rules[rule].exception_to.clone();
        for base in bases {
            if state[base] == 1 {
                let position = stack.iter().position(|&r| r == base).unwrap_or(0);
                let members: Vec<usize> = stack[position..].to_vec();
                if members.iter().any(|&m| reported[m]) {
                    continue;
                }
                for &m in &members {
                    reported[m] = true;
                }
                let mut names: Vec<String> = members
                    .iter()
                    .map(|&m| self.rules[m].name.clone())
                    .collect();
                names.push(self.rules[base].name.clone());
                let (file, rule_ast) = self.rule_asts[rule];
                let span = exception_span(rule_ast, &self.rules[base].name);
                self.errors.push(Located {
                    in_test: false,
                    file,
                    error: CheckError::ExceptionCycle {
                        cycle: names.join(" → "),
                        span,
                    },
                });
            } else if state[base] == 0 {
                self.visit_exceptions(base, state, stack, reported);
            }
        }
        stack.pop();
        state[rule] = 2;
    }

    fn check_tests(&mut self) {
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
                    self.error(CheckError::PolicyShape {
                        problem: format!("test `{}` gives no case", test.name.text),
                        help: "add `given { … }` with the facts of the case".to_string(),
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

    fn check_asserts(&mut self) {
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
                let suggestion =
                    suggest::closest(&name.name, self.rules_by_name.keys().map(String::as_str));
                self.error(CheckError::UnknownRule {
                    name: name.name.clone(),
                    suggestion,
                    span: name.span,
                });
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

    /// Checks `kind(name: value, …)`. With `complete`, every parameter must be given (a rule's
    /// conclusion); otherwise missing ones are left open (a test's expectation).
    fn conclusion(
        &mut self,
        conclusion: &ast::Conclusion,
        ctx: &mut Ctx,
        complete: bool,
    ) -> Option<(KindSymbol, Vec<Option<Expr>>)> {
        let symbol = match self.kinds.get(&conclusion.name.name) {
            Some((symbol, _)) => *symbol,
            None => {
                let suggestion =
                    suggest::closest(&conclusion.name.name, self.kinds.keys().map(String::as_str));
                self.unknown_kind(&conclusion.name, suggestion);
                return None;
            }
        };
        let params = match symbol {
            KindSymbol::Verdict(index) => self.verdicts[index].params.clone(),
            KindSymbol::Obligation(index) => {
                self.used_obligations[index] = true;
                self.obligations[index].params.clone()
            }
        };
        let mut args: Vec<Option<Expr>> = vec![None; params.len()];
        for arg in &conclusion.args {
            match params.iter().position(|(name, _)| *name == arg.name.name) {
                Some(position) => {
                    if args[position].is_some() {
                        self.error(CheckError::WrongArgument {
                            problem: format!("argument `{}` is given twice", arg.name.name),
                            help: "give each argument once".to_string(),
                            span: arg.name.span,
                        });
                        continue;
                    }
                    let ty = params[position].1.clone();
                    args[position] = Some(self.expect_type(&arg.value, &ty, ctx));
                }
                None => {
                    let suggestion =
                        suggest::closest(&arg.name.name, params.iter().map(|(n, _)| n.as_str()));
                    let expected = if params.is_empty() {
                        format!("`{}` takes no arguments", conclusion.name.name)
                    } else {
                        format!(
                            "the parameters of `{}` are {}",
                            conclusion.name.name,
                            backticked(params.iter().map(|(n, _)| n.as_str()))
                        )
                    };
                    // A misspelt parameter: check the value as the parameter meant, so that
                    // the one mistake is reported once.
                    let meant = suggestion
                        .as_ref()
                        .and_then(|name| params.iter().position(|(n, _)| n == name))
                        .filter(|position| args[*position].is_none());
                    if let Some(position) = meant {
                        let ty = params[position].1.clone();
                        args[position] = Some(self.expect_type(&arg.value, &ty, ctx));
                    }
                    self.error(CheckError::WrongArgument {
                        problem: format!(
                            "`{}` has no parameter `{}`",
                            conclusion.name.name, arg.name.name
                        ),
                        help: suggestion_or(suggestion, expected),
                        span: arg.name.span,
                    });
                }
            }
        }
        if complete {
            for (position, (name, ty)) in params.iter().enumerate() {
                if args[position].is_none() {
                    self.error(CheckError::WrongArgument {
                        problem: format!("missing argument `{name}` of `{}`", conclusion.name.name),
                        help: format!(
                            "give it: `{}({name}: …)` where `{name}` is {}",
                            conclusion.name.name,
                            self.type_name(ty)
                        ),
                        span: conclusion.span,
                    });
                }
            }
        }
        Some((symbol, args))
    }

    fn report_unused(&mut self) {
        for (index, used) in self.used_types.clone().into_iter().enumerate() {
            let place = self.enum_places[index];
            if !used {
                self.file = place.file;
                self.error(CheckError::Unused {
                    what: "enum",
                    name: self.enums[index].name.clone(),
                    span: place.span,
                });
            }
        }
        for (index, used) in self.used_records.clone().into_iter().enumerate() {
            if !used {
                let (file, decl) = self.record_asts[index];
                self.file = file;
                self.error(CheckError::Unused {
                    what: "record",
                    name: decl.name.name.clone(),
                    span: decl.name.span,
                });
            }
        }
        let mut unused_values: Vec<(String, Place, &'static str)> = Vec::new();
        for (name, (symbol, place)) in &self.values {
            if self.used_values.get(symbol) == Some(&false) {
                let what = match symbol {
                    ValueSymbol::Const(_) => "constant",
                    ValueSymbol::Set(_) => "set",
                    ValueSymbol::Param(_) => "parameter",
                };
                unused_values.push((name.clone(), *place, what));
            }
        }
        for (name, place, what) in unused_values {
            self.file = place.file;
            self.error(CheckError::Unused {
                what,
                name,
                span: place.span,
            });
        }
        for (index, used) in self.used_obligations.clone().into_iter().enumerate() {
            if !used {
                let (file, decl) = self.obligation_asts[index];
                self.file = file;
                self.error(CheckError::Unused {
                    what: "obligation",
                    name: decl.name.name.clone(),
                    span: decl.name.span,
                });
            }
        }
    }

    fn finish(&mut self) -> Option<Policy> {
        let (_, header) = self.header?;
        let otherwise = match self
            .otherwise
            .and_then(|(_, name)| self.kinds.get(&name.name))
        {
            Some((KindSymbol::Verdict(index), _)) => *index,
            _ => return None,
        };
        Some(Policy {
            title: header.title.text.clone(),
            source: header.source.as_ref().map(|s| s.text.clone()),
            in_force: Period {
                from: header.in_force.from.map(|d| d.date),
                until: header.in_force.until.map(|d| d.date),
            },
            enums: std::mem::take(&mut self.enums),
            records: std::mem::take(&mut self.records),
            input: self.input?,
            consts: std::mem::take(&mut self.consts),
            sets: std::mem::take(&mut self.sets),
            params: std::mem::take(&mut self.params),
            verdicts: std::mem::take(&mut self.verdicts),
            otherwise,
            obligations: std::mem::take(&mut self.obligations),
            rules: std::mem::take(&mut self.rules),
            tests: std::mem::take(&mut self.tests),
            amendments: std::mem::take(&mut self.amendments),
            asserts: std::mem::take(&mut self.asserts),
        })
    }
}

const BUILTIN_TYPES: [&str; 6] = ["bool", "int", "decimal", "text", "date", "duration"];

/// Where a rule names the rule it is an exception to, or its name when it does not.
fn exception_span(rule: &ast::RuleDecl, base: &str) -> Span {
    rule.exception_to
        .iter()
        .find(|name| name.name == base)
        .map(|name| name.span)
        .unwrap_or(rule.name.span)
}

fn describe_period(period: &Period) -> String {
    match (period.from, period.until) {
        (Some(from), Some(until)) => format!("from {from} until {until}"),
        (Some(from), None) => format!("from {from}"),
        (None, Some(until)) => format!("until {until}"),
        (None, None) => "at all times".to_string(),
    }
}

fn backticked<'s>(names: impl Iterator<Item = &'s str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn suggestion_or(suggestion: Option<String>, fallback: String) -> String {
    match suggestion {
        Some(name) => format!("did you mean `{name}`?"),
        None => fallback,
    }
}
