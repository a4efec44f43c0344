//! The checker: resolves names, types every expression, and checks exceptions and periods,
//! reporting every problem of a policy at once. It never evaluates anything.

mod amendments;
mod assumptions;
mod conclusions;
mod declarations;
pub mod error;
mod expr;
pub mod ir;
mod rules;
mod suggest;
mod test_blocks;
pub(crate) use test_blocks::explanation_file_name;
mod types;
mod unused;
mod values;

use std::cell::OnceCell;
use std::collections::HashMap;

pub use error::{CheckError, Located};
pub use ir::{FileId, Policy};
pub use suggest::{closest as closest_name, did_you_mean_or};

use crate::syntax::ast;
use crate::syntax::{LineIndex, Span};
use ir::*;

/// One source file of a policy, as the loader found it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user should see it.
    pub name: String,
    /// The file's text.
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

/// The line and column (both from 1, the column in characters) of a byte offset. Indexes the
/// whole text for one question: to ask many, build a [`LineIndex`] once.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_column(offset)
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
    /// Pending, and closing a cycle of definitions already reported: a reference to it from
    /// another definition does not check it (which would follow the cycle round).
    Cyclic,
    Checking,
    Done,
}

struct Checker<'a> {
    sources: &'a [Source],
    /// Each source's line index, built the first time a place in it is described.
    line_indexes: Vec<OnceCell<LineIndex>>,
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
    /// How many constants and sets are being checked, one inside another's reference.
    definition_depth: usize,
    params: Vec<ParamDef>,
    param_asts: Vec<(FileId, &'a ast::ParamDecl)>,
    verdicts: Vec<KindDef>,
    verdict_asts: Vec<(FileId, &'a ast::KindDecl)>,
    verdicts_declared: Option<Place>,
    otherwise: Option<(FileId, &'a ast::Ident)>,
    obligations: Vec<KindDef>,
    obligation_asts: Vec<(FileId, &'a ast::KindDecl)>,
    /// While collecting, each rule's texts (`rules_by_name` indexes it by name); then empty.
    rule_slots: Vec<Vec<amendments::RuleVersion<'a>>>,
    /// Once collected, every text of every rule with the dates amendments leave it in force:
    /// a rule that an amendment replaces or repeals keeps its old text before the amendment's
    /// date. `rules_by_name` then gives a name's newest text.
    rule_asts: Vec<(FileId, &'a ast::RuleDecl)>,
    rule_windows: Vec<Period>,
    /// Every text of a rule, by name, in order.
    rule_versions: HashMap<String, Vec<usize>>,
    /// The period of the policy: its deepest base's (an amendment dates its changes only).
    policy_period: Option<Period>,
    /// The dates each layer's changes take effect: its header's `in force` (see
    /// `amendments::layer_windows`).
    layer_windows: Vec<Period>,
    /// Rules an amendment repeals: their name, the place of the repeal, its dates.
    repealed: Vec<(String, Place, Period)>,
    set_changes: Vec<(usize, FileId, &'a ast::Declaration, Period)>,
    const_changes: HashMap<usize, Vec<(FileId, &'a ast::Declaration, Period)>>,
    param_changes: HashMap<usize, Vec<(FileId, &'a ast::Declaration, Period)>>,
    amendments: Vec<Amendment>,
    rules: Vec<RuleDef>,
    test_asts: Vec<(FileId, &'a ast::TestDecl)>,
    assert_asts: Vec<(FileId, &'a ast::AssertDecl)>,
    asserts: Vec<AssertDef>,
    assume_asts: Vec<(FileId, &'a ast::AssumeDecl)>,
    assumptions: Vec<AssumeDef>,
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
            line_indexes: sources.iter().map(|_| OnceCell::new()).collect(),
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
            definition_depth: 0,
            params: Vec::new(),
            param_asts: Vec::new(),
            verdicts: Vec::new(),
            verdict_asts: Vec::new(),
            verdicts_declared: None,
            otherwise: None,
            obligations: Vec::new(),
            obligation_asts: Vec::new(),
            rule_slots: Vec::new(),
            rule_asts: Vec::new(),
            rule_windows: Vec::new(),
            rule_versions: HashMap::new(),
            policy_period: None,
            layer_windows: Vec::new(),
            repealed: Vec::new(),
            set_changes: Vec::new(),
            const_changes: HashMap::new(),
            param_changes: HashMap::new(),
            amendments: Vec::new(),
            rules: Vec::new(),
            test_asts: Vec::new(),
            assert_asts: Vec::new(),
            asserts: Vec::new(),
            assume_asts: Vec::new(),
            assumptions: Vec::new(),
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
        let (line, column) = self.line_indexes[place.file]
            .get_or_init(|| LineIndex::new(&source.text))
            .line_column(place.span.start as usize);
        format!("{}:{line}:{column}", source.name)
    }

    fn run(&mut self) {
        self.collect();
        self.resolve_records_and_kinds();
        self.check_input_date();
        self.resolve_param_types();
        self.check_definitions();
        self.check_params();
        self.check_field_defaults();
        self.check_verdict_order();
        self.check_rules();
        self.check_exception_cycles();
        self.check_tests();
        self.check_test_names();
        self.check_asserts();
        self.check_assumptions();
        self.report_unused();
    }

    /// The documentation comment above a declaration at `offset` in a file.
    fn doc_above(&self, file: FileId, offset: usize) -> Option<String> {
        crate::syntax::doc::doc_above(&self.sources.get(file)?.text, offset)
    }

    fn source_text(&self, span: Span) -> String {
        let text = self.sources[self.file]
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
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
            origin: ir::Origin::default(),
            source: header.source.as_ref().map(|s| s.text.clone()),
            in_force: self.policy_period.unwrap_or(Period {
                from: header.in_force.from.map(|d| d.date),
                until: header.in_force.until.map(|d| d.date),
            }),
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
            assumptions: std::mem::take(&mut self.assumptions),
        })
    }
}
