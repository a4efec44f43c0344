//! Rendering a decision and its explanation: a tree for the terminal, the documented JSON
//! object (docs/decision-json.md), and Markdown for reports.

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::check::ir::{Period, RuleDef};
use crate::eval::{Decision, Program, RuleTrace, Status, Trace, Value};

/// Colour and similar choices for terminal output.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextStyle {
    pub colour: bool,
}

impl TextStyle {
    fn bold(&self, text: &str) -> String {
        if self.colour {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn dim(&self, text: &str) -> String {
        if self.colour {
            format!("\x1b[2m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn rule_label(rule: &RuleDef) -> String {
    format!("{} ({})", rule.name, rule.citation)
}

/// The facts a condition read, named: `(case.destination, CN)`.
fn observed<'a>(
    rule: &'a RuleDef,
    trace: &'a Trace,
    condition: &crate::eval::ConditionTrace,
) -> Vec<(&'a str, &'a Value)> {
    let names = rule
        .conditions
        .get(condition.index)
        .map(|c| c.observed.as_slice())
        .unwrap_or(&[]);
    names
        .iter()
        .map(|(name, _)| name.as_str())
        .zip(trace.observed(condition))
        .collect()
}

/// `path = value, path = value` for the facts a condition read.
fn observed_text(program: &Program, observed: &[(&str, &Value)]) -> String {
    observed
        .iter()
        .map(|(path, value)| format!("{path} = {}", program.format_value(value)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line for a condition: its text, and the values it saw unless the text says it already.
fn condition_line(
    program: &Program,
    rule: &RuleDef,
    trace: &Trace,
    condition: &crate::eval::ConditionTrace,
) -> String {
    let text = rule
        .conditions
        .get(condition.index)
        .map(|c| c.text.as_str())
        .unwrap_or("");
    match observed(rule, trace, condition).as_slice() {
        [] => text.to_string(),
        [(path, value)] if *path == text => format!("{text} = {}", program.format_value(value)),
        facts => format!("{text}   ({})", observed_text(program, facts)),
    }
}

/// The names of the rules an exception is an exception to, each once (an exception to a rule
/// an amendment replaced excepts each of its texts).
pub(super) fn base_names<'p>(
    policy: &'p crate::check::Policy,
    definition: &RuleDef,
) -> Vec<&'p str> {
    let mut names: Vec<&str> = Vec::new();
    for base in &definition.exception_to {
        let name = policy.rules[*base].name.as_str();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// When a rule that is not in force would be: its own period, or the policy's when the policy
/// itself is not in force on the date.
fn in_force_text(program: &Program, decision: &Decision, rule: &RuleDef) -> String {
    if decision.policy_in_force {
        period_text(&rule.in_force)
    } else {
        format!(
            "the policy is in force {}",
            period_text(&program.policy.in_force)
        )
    }
}

/// Why a rule did not apply, or what suppressed it: the condition that failed and what it saw.
fn reason(program: &Program, decision: &Decision, trace: &Trace, rule: &RuleTrace) -> String {
    let definition = &program.policy.rules[rule.rule];
    match &rule.status {
        Status::NotApplicable { failed } => {
            let failed_line = trace
                .conditions(rule)
                .iter()
                .find(|c| c.index == *failed)
                .map(|condition| {
                    format!(
                        "✗ {}",
                        condition_line(program, definition, trace, condition)
                    )
                });
            match (&definition.for_each, failed_line) {
                (Some(each), None) => format!("✗ there is no member of {}", each.text),
                (Some(each), Some(line)) => {
                    format!(
                        "no member of {} meets every condition; for the last one, {line}",
                        each.text
                    )
                }
                (None, Some(line)) => line,
                (None, None) => "its condition is false".to_string(),
            }
        }
        Status::BaseNotApplicable => {
            let bases = base_names(&program.policy, definition);
            format!(
                "it is an exception to {}, which did not apply",
                bases.join(", ")
            )
        }
        Status::NotInForce => format!("in force {}", in_force_text(program, decision, definition)),
        Status::Suppressed { by } => {
            let names: Vec<String> = by
                .iter()
                .map(|e| rule_label(&program.policy.rules[*e]))
                .collect();
            format!("by {}", names.join(", "))
        }
        Status::Applied => String::new(),
    }
}

/// How a rule's or the policy's period reads in an explanation.
pub(super) fn period_text(period: &Period) -> String {
    period.describe("always")
}

/// The explanation as a tree for the terminal.
pub fn render_text(
    program: &Program,
    decision: &Decision,
    trace: &Trace,
    style: TextStyle,
) -> String {
    let policy = &program.policy;
    let mut out = String::new();
    let verdict =
        program.format_conclusion(&policy.verdicts[decision.verdict], &decision.verdict_args);
    match decision.decided_by {
        Some(rule) => {
            let definition = &policy.rules[rule];
            out.push_str(&format!(
                "{}   by {} — {}\n",
                style.bold(&verdict),
                definition.name,
                definition.citation
            ));
        }
        None => out.push_str(&format!(
            "{}   no rule concludes a verdict: the policy's `otherwise` verdict\n",
            style.bold(&verdict)
        )),
    }
    if !decision.policy_in_force {
        out.push_str(&format!(
            "  the policy is not in force on {} (in force {})\n",
            decision.date,
            period_text(&policy.in_force)
        ));
    }
    let decided_by = decision.decided_by.map(|rule| rule.index());
    let applied_first = decided_by.into_iter().chain(
        trace
            .rules
            .iter()
            .filter(|r| r.status == Status::Applied && Some(r.rule) != decided_by)
            .map(|r| r.rule),
    );
    for (position, rule) in applied_first.enumerate() {
        let Some(rule_trace) = trace.rules.iter().find(|r| r.rule == rule) else {
            continue;
        };
        let definition = &policy.rules[rule];
        if position > 0 || decision.decided_by.is_none() {
            let conclusion = definition
                .verdict
                .as_ref()
                .map(|v| policy.verdicts[v.kind].name.clone())
                .unwrap_or_else(|| "obligations only".to_string());
            out.push_str(&format!(
                "also applied: {} — {conclusion}\n",
                rule_label(definition)
            ));
        }
        if let Some(because) = &rule_trace.because {
            out.push_str(&format!("  because {because}\n"));
        }
        if let (Some(each), Some(binding)) = (&definition.for_each, &rule_trace.binding) {
            out.push_str(&format!(
                "  for {} = {} in {}\n",
                each.variable,
                program.format_value(binding),
                each.text
            ));
        }
        for condition in trace.conditions(rule_trace) {
            out.push_str(&format!(
                "  ✓ {}\n",
                condition_line(program, definition, trace, condition)
            ));
        }
        if definition.conditions.is_empty() {
            out.push_str("  ✓ (no condition: applies whenever in force)\n");
        }
    }
    for obligation in &decision.obligations {
        let definition = &policy.rules[obligation.rule];
        out.push_str(&format!(
            "obligation: {}   by {} — {}\n",
            program.format_conclusion(&policy.obligations[obligation.kind], &obligation.args),
            definition.name,
            definition.citation
        ));
    }
    let mut not_in_force = Vec::new();
    // Rules that failed on the same condition with the same facts are listed together, so a
    // case is not buried under every rule of another activity.
    let mut not_applicable: Vec<(String, Vec<String>)> = Vec::new();
    for rule in &trace.rules {
        let definition = &policy.rules[rule.rule];
        match &rule.status {
            Status::Applied => {}
            // A rule an amendment replaced has a text in force and others not: only a rule
            // with no text in force on the date is listed, once.
            Status::NotInForce => {
                let in_force_text = policy.rule_on(rule.rule, decision.date) != rule.rule;
                if !in_force_text && !not_in_force.contains(&definition.name.as_str()) {
                    not_in_force.push(definition.name.as_str());
                }
            }
            Status::Suppressed { .. } => {
                out.push_str(&format!(
                    "suppressed: {} {}\n",
                    rule_label(definition),
                    reason(program, decision, trace, rule)
                ));
            }
            Status::NotApplicable { .. } | Status::BaseNotApplicable => {
                let why = reason(program, decision, trace, rule);
                match not_applicable.iter_mut().find(|(seen, _)| *seen == why) {
                    Some((_, rules)) => rules.push(rule_label(definition)),
                    None => not_applicable.push((why, vec![rule_label(definition)])),
                }
            }
        }
    }
    for (why, rules) in &not_applicable {
        out.push_str(&format!("not applicable: {} — {why}\n", rules.join(", ")));
    }
    if !not_in_force.is_empty() {
        // A long list says how long it is rather than burying the decision under it.
        const SHOWN: usize = 30;
        let names = match not_in_force.len() {
            n if n <= SHOWN => not_in_force.join(", "),
            n => format!(
                "{} and {} more (`--format json` lists every rule)",
                not_in_force[..SHOWN].join(", "),
                n - SHOWN
            ),
        };
        out.push_str(&style.dim(&format!("not in force on {}: {names}\n", decision.date)));
        if style.colour {
            out.push('\n');
        }
    }
    out.push_str(&style.dim(&format!(
        "decided under \"{}\" as of {}\n",
        policy.title, decision.date
    )));
    // Facts of the case and texts of the policy may hold control characters.
    super::escape::for_terminal(&out, style.colour).into_owned()
}

/// The JSON form of a value: enum members and dates as strings, sets as arrays, records as
/// objects, `none` as null.
pub fn value_json(program: &Program, value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Decimal(d) => Json::String(d.to_string()),
        Value::Text(t) => Json::String(t.to_string()),
        Value::Date(d) => Json::String(d.to_string()),
        Value::Duration(d) => Json::String(d.to_string()),
        Value::Enum(ty, member) => Json::String(program.member_name(*ty, *member).to_string()),
        Value::EnumSet(..) | Value::Set(_) => Json::Array(
            value
                .set_members()
                .iter()
                .map(|m| value_json(program, m))
                .collect(),
        ),
        Value::Record(record, fields) => {
            let mut object = Map::new();
            let names = program
                .policy
                .records
                .get(usize::from(*record))
                .map(|r| &r.fields);
            for (position, field) in fields.iter().enumerate() {
                let name = names
                    .and_then(|n| n.get(position))
                    .map(|f| f.name.clone())
                    .unwrap_or_default();
                object.insert(name, value_json(program, field));
            }
            Json::Object(object)
        }
        Value::None => Json::Null,
    }
}

/// The decision object of `licit eval --format json`; documented in docs/decision-json.md.
#[derive(Debug, Serialize)]
/// Names, citations and condition texts are borrowed from the policy.
pub struct DecisionJson<'p> {
    /// In a batch, the case's line number in the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The policy that decided.
    pub policy: PolicyJson<'p>,
    /// The date the case was decided as of, `YYYY-MM-DD`.
    pub date: String,
    /// Whether the policy itself was in force on that date.
    pub policy_in_force: bool,
    /// The verdict with its arguments.
    pub verdict: ConclusionJson<'p>,
    /// The rule that decided; `None` when the `otherwise` verdict holds.
    pub decided_by: Option<RuleRefJson<'p>>,
    /// The obligations of every rule that applied.
    pub obligations: Vec<ObligationJson<'p>>,
    /// What happened to every rule, the deciding one first.
    pub explanation: Vec<RuleJson<'p>>,
    /// What the decision was made from (docs/receipts.md); every caller that has the case's
    /// text fills it in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<crate::api::receipt::Receipt>,
}

/// The policy a decision was made under.
#[derive(Debug, Serialize)]
pub struct PolicyJson<'p> {
    /// The title in its header.
    pub title: &'p str,
    /// Where its text comes from (the header's `source`), if it says.
    pub source: Option<&'p str>,
}

/// A verdict or obligation.
#[derive(Debug, Serialize)]
pub struct ConclusionJson<'p> {
    /// The verdict or obligation kind.
    pub kind: &'p str,
    /// Its arguments by parameter name.
    pub args: Map<String, Json>,
}

/// A rule named with its citation.
#[derive(Debug, Serialize)]
pub struct RuleRefJson<'p> {
    /// The rule's name.
    pub rule: &'p str,
    /// The article it cites.
    pub citation: &'p str,
}

/// An obligation with the rule that imposes it.
#[derive(Debug, Serialize)]
pub struct ObligationJson<'p> {
    /// The obligation kind.
    pub kind: &'p str,
    /// Its arguments by parameter name.
    pub args: Map<String, Json>,
    /// The rule that imposes it.
    pub rule: &'p str,
    /// The article that rule cites.
    pub citation: &'p str,
}

/// What happened to one rule.
#[derive(Debug, Serialize)]
pub struct RuleJson<'p> {
    /// The rule's name.
    pub rule: &'p str,
    /// The article it cites.
    pub citation: &'p str,
    /// `applied`, `suppressed`, `not_applicable`, `base_not_applicable` or `not_in_force`.
    pub status: &'static str,
    /// The rule's `because` text, filled in, when it applied or was suppressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
    /// The exceptions that suppressed it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed_by: Vec<&'p str>,
    /// For an exception: the rules it is an exception to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exception_to: Vec<&'p str>,
    /// Its conditions, each with its truth and the facts it read (when they all held).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<ConditionJson<'p>>,
    /// The condition that did not hold, when the rule did not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_condition: Option<ConditionJson<'p>>,
    /// When it is in force, for a rule not in force on the date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_force: Option<String>,
    /// For a rule with `for x in S` that applied: the variable and the member bound to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<Map<String, Json>>,
}

/// A condition with its truth and the facts it read.
#[derive(Debug, Serialize, Clone)]
pub struct ConditionJson<'p> {
    /// The condition as the policy writes it.
    pub condition: &'p str,
    /// Whether it held.
    pub holds: bool,
    /// The facts it read, by path from the case, with their values.
    pub observed: Map<String, Json>,
}

fn conclusion_json(
    program: &Program,
    kind: &crate::check::ir::KindDef,
    args: &[Value],
) -> Map<String, Json> {
    kind.params
        .iter()
        .zip(args)
        .map(|((name, _), value)| (name.clone(), value_json(program, value)))
        .collect()
}

/// Builds the JSON object of a decision.
pub fn decision_json<'p>(
    program: &'p Program,
    decision: &Decision,
    trace: &Trace,
) -> DecisionJson<'p> {
    let policy = &program.policy;
    let rule_ref = |index: usize| RuleRefJson {
        rule: &policy.rules[index].name,
        citation: &policy.rules[index].citation,
    };
    let explanation = trace
        .rules
        .iter()
        .map(|rule| {
            let definition = &policy.rules[rule.rule];
            let conditions: Vec<ConditionJson> = trace
                .conditions(rule)
                .iter()
                .map(|c| ConditionJson {
                    condition: definition
                        .conditions
                        .get(c.index)
                        .map_or("", |d| d.text.as_str()),
                    holds: c.holds,
                    observed: observed(definition, trace, c)
                        .into_iter()
                        .map(|(path, value)| (path.to_string(), value_json(program, value)))
                        .collect(),
                })
                .collect();
            let (status, suppressed_by) = match &rule.status {
                Status::Applied => ("applied", Vec::new()),
                Status::Suppressed { by } => (
                    "suppressed",
                    by.iter().map(|e| policy.rules[*e].name.as_str()).collect(),
                ),
                Status::NotApplicable { .. } => ("not_applicable", Vec::new()),
                Status::BaseNotApplicable => ("base_not_applicable", Vec::new()),
                Status::NotInForce => ("not_in_force", Vec::new()),
            };
            let failed_condition = conditions.iter().find(|c| !c.holds).cloned();
            RuleJson {
                rule: &definition.name,
                citation: &definition.citation,
                status,
                because: rule.because.clone(),
                suppressed_by,
                exception_to: base_names(policy, definition),
                conditions,
                failed_condition,
                in_force: (rule.status == Status::NotInForce)
                    .then(|| in_force_text(program, decision, definition)),
                binding: match (&definition.for_each, &rule.binding) {
                    (Some(each), Some(value)) => Some(Map::from_iter([(
                        each.variable.clone(),
                        value_json(program, value),
                    )])),
                    _ => None,
                },
            }
        })
        .collect();
    DecisionJson {
        line: None,
        policy: PolicyJson {
            title: &policy.title,
            source: policy.source.as_deref(),
        },
        date: decision.date.to_string(),
        policy_in_force: decision.policy_in_force,
        verdict: ConclusionJson {
            kind: &policy.verdicts[decision.verdict].name,
            args: conclusion_json(
                program,
                &policy.verdicts[decision.verdict],
                &decision.verdict_args,
            ),
        },
        decided_by: decision.decided_by.map(|rule| rule_ref(rule.index())),
        obligations: decision
            .obligations
            .iter()
            .map(|o| ObligationJson {
                kind: &policy.obligations[o.kind].name,
                args: conclusion_json(program, &policy.obligations[o.kind], &o.args),
                rule: &policy.rules[o.rule].name,
                citation: &policy.rules[o.rule].citation,
            })
            .collect(),
        explanation,
        receipt: None,
    }
}

/// The decision as a JSON string (pretty or one line).
pub fn render_json(
    program: &Program,
    decision: &Decision,
    trace: &Trace,
    receipt: Option<crate::api::receipt::Receipt>,
    pretty: bool,
) -> String {
    let mut json = decision_json(program, decision, trace);
    json.receipt = receipt;
    let text = if pretty {
        serde_json::to_string_pretty(&json)
    } else {
        serde_json::to_string(&json)
    };
    text.unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}

fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The decision as Markdown, for reports.
pub fn render_markdown(program: &Program, decision: &Decision, trace: &Trace) -> String {
    let policy = &program.policy;
    let mut out = String::new();
    let verdict =
        program.format_conclusion(&policy.verdicts[decision.verdict], &decision.verdict_args);
    out.push_str(&format!("## Decision: `{verdict}`\n\n"));
    match decision.decided_by {
        Some(rule) => out.push_str(&format!(
            "Decided by **{}** — {}, as of {} under *{}*.\n\n",
            policy.rules[rule].name, policy.rules[rule].citation, decision.date, policy.title
        )),
        None => out.push_str(&format!(
            "No rule applies; the policy's `otherwise` verdict holds, as of {} under *{}*.\n\n",
            decision.date, policy.title
        )),
    }
    if let Some(rule) = decision.decided_by
        && let Some(rule_trace) = trace.rules.iter().find(|r| r.rule == rule.index())
    {
        if let Some(because) = &rule_trace.because {
            out.push_str(&format!("> because {because}\n\n"));
        }
        if !trace.conditions(rule_trace).is_empty() {
            out.push_str("| | condition | facts |\n|---|---|---|\n");
            for condition in trace.conditions(rule_trace) {
                let text = policy.rules[rule]
                    .conditions
                    .get(condition.index)
                    .map(|c| c.text.as_str())
                    .unwrap_or("");
                out.push_str(&format!(
                    "| ✓ | `{}` | {} |\n",
                    markdown_cell(text),
                    markdown_cell(&observed_text(
                        program,
                        &observed(&policy.rules[rule], trace, condition)
                    ))
                ));
            }
            out.push('\n');
        }
    }
    if !decision.obligations.is_empty() {
        out.push_str("### Obligations\n\n");
        for obligation in &decision.obligations {
            let rule = &policy.rules[obligation.rule];
            out.push_str(&format!(
                "- `{}` — {} ({})\n",
                program.format_conclusion(&policy.obligations[obligation.kind], &obligation.args),
                rule.name,
                rule.citation
            ));
        }
        out.push('\n');
    }
    out.push_str(
        "### Every rule considered\n\n| rule | citation | status | why |\n|---|---|---|---|\n",
    );
    for rule in &trace.rules {
        let definition = &policy.rules[rule.rule];
        let status = match rule.status {
            Status::Applied => "applied",
            Status::Suppressed { .. } => "suppressed",
            Status::NotApplicable { .. } | Status::BaseNotApplicable => "not applicable",
            Status::NotInForce => "not in force",
        };
        let why = match &rule.status {
            Status::Applied => rule.because.clone().unwrap_or_default(),
            _ => reason(program, decision, trace, rule),
        };
        out.push_str(&format!(
            "| {} | {} | {status} | {} |\n",
            markdown_cell(&definition.name),
            markdown_cell(&definition.citation),
            markdown_cell(&why)
        ));
    }
    super::escape::for_terminal(&out, false).into_owned()
}
