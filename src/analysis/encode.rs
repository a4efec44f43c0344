//! The symbolic encoding: each fact of a case as boolean variables (one per class, exactly one
//! true; one per class for a set), and every expression as a binary decision diagram over them.
//!
//! A set of records of the case is searched with as many members as there are different things
//! its quantifiers ask of a member (at most `MOST_MEMBERS`); sets inside such a member (a
//! licence's items) through their membership tests. Anything the encoding cannot express
//! becomes a fresh variable and is named as an approximation.

use std::collections::HashMap;

use crate::check::ir::{Arith, Compare, Type};
use crate::eval::{Epoch, Expr, Program, Value, arithmetic};
use crate::syntax::calendar::{Date, Duration};

use super::bdd::{FALSE, Manager, Node, TRUE};
use super::domain::{Domain, MOST_MEMBERS, quantified_bodies, quantified_key};
use super::error::SearchError;

/// The sets of records in a case (not inside another set), by path, with their sizes.
fn record_sets(
    program: &Program,
    value: &Value,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, usize)>,
) {
    let Value::Record(record, fields) = value else {
        return;
    };
    let Some(definition) = program.policy.records.get(usize::from(*record)) else {
        return;
    };
    for (field, value) in definition.fields.iter().zip(fields.iter()) {
        path.push(field.name.clone());
        match value {
            Value::Set(members) if matches!(members.first(), Some(Value::Record(..))) => {
                out.push((path.clone(), members.len()));
            }
            Value::Record(..) => record_sets(program, value, path, out),
            _ => {}
        }
        path.pop();
    }
}

/// Whether a part of a fact's path is the number of a member of a set of records
/// (`licences.1.items`); the names of fields are never numbers.
pub(super) fn is_member_index(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit())
}

/// A fact of the case (or of a member of a set of records) and its variables.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    pub(super) ty: Type,
    /// For a scalar: the bits of its value's number in binary (for an optional scalar, 0 is
    /// `none` and class `c` is `c + 1`); all bits false is the first value, preferred in
    /// witnesses. For a set: one variable per class. For a bool: one. For a set of records:
    /// one per member searched, "has this member".
    pub(super) vars: Vec<u32>,
    /// For a scalar: how many values the bits encode.
    pub(super) count: usize,
}

/// A symbolic value during the search.
#[derive(Debug, Clone)]
pub(super) enum Sym {
    Known(Value),
    Bool(Node),
    /// A scalar fact: its slot.
    Scalar(usize),
    /// A set of enum members or texts: its slot.
    Bits(usize),
    /// A record of the case, or the member of a set of records: its path and record type.
    Record(Vec<String>, usize),
    /// A set of records: its path, record type and the slot of its members' presence.
    Records(Vec<String>, usize, usize),
    /// A set inside the member of a set of records: its path.
    Atoms(Vec<String>),
    /// A date fact moved by a duration (`l.valid_from + 5 years`): its slot, the duration and
    /// the direction.
    Shifted(usize, Duration, i32),
    /// An int fact plus a known int (`case.quantity + 2`): its slot and the amount added.
    Offset(usize, i64),
    /// A decimal fact plus a known decimal (`case.value - 0.25`): its slot and the amount added.
    DecimalOffset(usize, rust_decimal::Decimal),
}

/// The encoder: two policies (or one twice), the classes of their facts, each fact's slot of
/// variables, and the diagrams built from them.
pub(super) struct Search<'p> {
    pub(super) old: &'p Program,
    pub(super) new: &'p Program,
    pub(super) domain: Domain,
    pub(super) manager: Manager,
    pub(super) slots: Vec<Slot>,
    pub(super) slot_of: HashMap<Vec<String>, usize>,
    next_var: u32,
    pub(super) approximations: Vec<String>,
    /// Sets inside the member of a set of records (a licence's items): each membership test
    /// is a variable of its own, and one more says the set is empty.
    pub(super) atom_sets: HashMap<Vec<String>, AtomSet>,
    /// The rule being encoded, to say where an approximation is.
    pub(super) current_rule: String,
    /// Whether the policies' assumptions restrict only the final regions a search asks about
    /// (a diff's differences), not every rule's region: the same answers, and far smaller
    /// diagrams when an assumption compares two facts.
    pub(super) late_assumptions: bool,
    /// For each set of records of the case, what the quantifiers over it ask of a member
    /// (see `quantified_over`).
    quantified: HashMap<Vec<String>, std::collections::HashSet<String>>,
    /// How many members each set of records of the case is searched with: as many as the
    /// different things asked of its members when they are at most `MOST_MEMBERS` (see
    /// `domain::quantified_bodies`), otherwise one; one for a set not listed.
    members: HashMap<Vec<String>, usize>,
    /// For each set of records of the case, how many different things its quantifiers ask
    /// of a member (`domain::quantified_bodies`), counted once for `members` and `for_case`.
    asked: HashMap<Vec<String>, usize>,
}

/// A set of a record searched by the membership tests made of it.
#[derive(Debug, Clone, Default)]
pub(super) struct AtomSet {
    pub(super) empty: u32,
    /// What is tested to be a member, and the variable for "it is".
    pub(super) atoms: Vec<(Member, u32)>,
}

/// The thing tested to be a member of an atom set.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Member {
    Known(Value),
    Slot(usize),
}

impl<'p> Search<'p> {
    /// A search about one case: its date and the values of its facts are classes of their own,
    /// so that "the case keeps this fact" is exact.
    pub(super) fn for_case(program: &'p Program, case: &Value, date: Date) -> Search<'p> {
        let mut search = Search::on_dates(program, program, &[date]);
        search.domain = Domain::build_with(program, program, &[date], case);
        // Each member the case has of a set of records is one the search has, so that "the
        // case keeps its licences" is exact (up to `MOST_MEMBERS`, and where the policy's
        // quantifiers do not already take the search past it).
        let mut sets = Vec::new();
        record_sets(program, case, &mut Vec::new(), &mut sets);
        for (path, count) in sets {
            if search.asked.get(&path).copied().unwrap_or(0) <= MOST_MEMBERS {
                let members = search.members.entry(path).or_insert(1);
                *members = (*members).max(count.min(MOST_MEMBERS));
            }
        }
        search
    }

    /// A search whose classes of dates also tell apart the dates it is asked about beside the
    /// dates of change (a case's own date, an `--as-of` date).
    pub(super) fn on_dates(old: &'p Program, new: &'p Program, dates: &[Date]) -> Search<'p> {
        let asked: HashMap<Vec<String>, usize> = quantified_bodies([old, new])
            .into_iter()
            .map(|(path, bodies)| (path, bodies.len()))
            .collect();
        Search {
            old,
            new,
            domain: Domain::build(old, new, dates),
            manager: Manager::new(16_000_000),
            slots: Vec::new(),
            slot_of: HashMap::new(),
            next_var: 0,
            approximations: Vec::new(),
            atom_sets: HashMap::new(),
            current_rule: String::new(),
            late_assumptions: false,
            quantified: HashMap::new(),
            // Members enough to miss no case, or one when that would take more than
            // `MOST_MEMBERS`: the search is then an approximation either way, and each
            // member multiplies the variables of its facts.
            members: asked
                .iter()
                .map(|(path, &count)| match count {
                    1..=MOST_MEMBERS => (path.clone(), count),
                    _ => (path.clone(), 1),
                })
                .collect(),
            asked,
        }
    }

    fn fresh(&mut self) -> u32 {
        let var = self.next_var;
        self.next_var += 1;
        var
    }

    /// The slot of a fact, created on first use.
    fn slot(&mut self, path: &[String], ty: &Type) -> usize {
        if let Some(&slot) = self.slot_of.get(path) {
            return slot;
        }
        let (vars, count) = match ty {
            Type::Bool => (vec![self.fresh()], 0),
            Type::Set(inner) if matches!(**inner, Type::Record(_)) => {
                let members = self.members.get(path).copied().unwrap_or(1);
                ((0..members).map(|_| self.fresh()).collect(), 0)
            }
            Type::Set(inner) => {
                let classes = self.domain.class_count(inner);
                ((0..classes).map(|_| self.fresh()).collect(), 0)
            }
            Type::Optional(inner) => {
                let count = self.domain.class_count(inner) + 1;
                ((0..bits_for(count)).map(|_| self.fresh()).collect(), count)
            }
            scalar => {
                let count = self.domain.class_count(scalar).max(1);
                ((0..bits_for(count)).map(|_| self.fresh()).collect(), count)
            }
        };
        let slot = self.slots.len();
        self.slots.push(Slot {
            ty: ty.clone(),
            vars,
            count,
        });
        self.slot_of.insert(path.to_vec(), slot);
        slot
    }

    /// Where every condition holds.
    pub(super) fn conjunction(
        &mut self,
        conditions: &[Expr],
        env: &mut SymEnv<'_>,
    ) -> Result<Node, SearchError> {
        let mut result = TRUE;
        for condition in conditions {
            let node = self.truth(condition, env)?;
            result = self.manager.and(result, node)?;
            if result == FALSE {
                break;
            }
        }
        Ok(result)
    }

    /// `some` (or `every`) member of a symbolic set satisfies `body`, which `written` gives
    /// as written (the quantifier's body, or a `for` rule's conditions).
    pub(super) fn over_members(
        &mut self,
        set: Sym,
        some: bool,
        env: &mut SymEnv<'_>,
        written: &dyn Fn() -> String,
        body: &mut dyn FnMut(&mut Self, &mut SymEnv<'_>) -> Result<Node, SearchError>,
    ) -> Result<Node, SearchError> {
        let mut result = if some { FALSE } else { TRUE };
        match set {
            Sym::Known(value) => {
                for member in value.set_members() {
                    env.locals.push(Sym::Known(member));
                    let holds = body(self, env);
                    env.locals.pop();
                    let holds = holds?;
                    result = if some {
                        self.manager.or(result, holds)?
                    } else {
                        self.manager.and(result, holds)?
                    };
                }
            }
            Sym::Bits(slot) => {
                let Type::Set(element) = self.slots[slot].ty.clone() else {
                    return Ok(self.opaque("a set"));
                };
                for class in 0..self.slots[slot].vars.len() {
                    let bit = self.manager.var(self.slots[slot].vars[class])?;
                    env.locals
                        .push(Sym::Known(self.domain.representative(&element, class)));
                    let holds = body(self, env);
                    env.locals.pop();
                    let holds = holds?;
                    let part = if some {
                        self.manager.and(bit, holds)?
                    } else {
                        let not_bit = self.manager.not(bit)?;
                        self.manager.or(not_bit, holds)?
                    };
                    result = if some {
                        self.manager.or(result, part)?
                    } else {
                        self.manager.and(result, part)?
                    };
                }
            }
            Sym::Records(path, record, present_slot) => {
                let members = self.slots[present_slot].vars.clone();
                self.quantified_over(&path, quantified_key(some, &written()), members.len());
                // Some (every) member that is there satisfies the body.
                for (index, var) in members.into_iter().enumerate() {
                    let present = self.manager.var(var)?;
                    let mut member_path = path.clone();
                    member_path.push(index.to_string());
                    env.locals.push(Sym::Record(member_path, record));
                    let holds = body(self, env);
                    env.locals.pop();
                    let holds = holds?;
                    result = if some {
                        let part = self.manager.and(present, holds)?;
                        self.manager.or(result, part)?
                    } else {
                        let absent = self.manager.not(present)?;
                        let part = self.manager.or(absent, holds)?;
                        self.manager.and(result, part)?
                    };
                }
            }
            _ => result = self.opaque("a quantifier over a value the search cannot enumerate"),
        }
        Ok(result)
    }

    /// Counts a quantifier (or `for` rule) over a set of records of the case, which is searched
    /// with `members` members: as many as the different things asked of them (see
    /// `domain::quantified_bodies`) when they are at most `MOST_MEMBERS`, otherwise one. Past
    /// `members` different things, a case may need more members than the search tries (a
    /// licence for the item, another for the destination, …), so the set is named as an
    /// approximation.
    fn quantified_over(&mut self, path: &[String], written: String, members: usize) {
        let bodies = self.quantified.entry(path.to_vec()).or_default();
        if bodies.insert(written) && bodies.len() == members + 1 {
            self.approximations.push(format!(
                "the set `{}` with at most {} member{}, though its quantifiers ask more \
                 different things of its members (a case that needs more members is not searched)",
                path.join("."),
                ["no", "one", "two", "three"]
                    .get(members)
                    .copied()
                    .unwrap_or("many"),
                if members == 1 { "" } else { "s" }
            ));
        }
    }

    /// A fresh variable standing for a condition the search cannot encode exactly.
    fn opaque(&mut self, what: &str) -> Node {
        self.approximations
            .push(format!("{what} (in rule `{}`)", self.current_rule));
        let var = self.fresh();
        self.manager.var(var).unwrap_or(FALSE)
    }

    pub(super) fn truth(&mut self, expr: &Expr, env: &mut SymEnv<'_>) -> Result<Node, SearchError> {
        let value = self.sym(expr, env)?;
        Ok(match value {
            Sym::Bool(node) => node,
            Sym::Known(value) => {
                if value.as_bool() {
                    TRUE
                } else {
                    FALSE
                }
            }
            Sym::Scalar(slot) if self.slots[slot].ty == Type::Bool => {
                self.manager.var(self.slots[slot].vars[0])?
            }
            _ => self.opaque("a condition that is not a truth value"),
        })
    }

    /// The known value of an expression, or its symbolic form.
    pub(super) fn sym(&mut self, expr: &Expr, env: &mut SymEnv<'_>) -> Result<Sym, SearchError> {
        Ok(match expr {
            Expr::Value(value) => Sym::Known(value.clone()),
            Expr::Case => Sym::Record(Vec::new(), env.program.policy.input),
            Expr::Local(depth) => match env
                .locals
                .len()
                .checked_sub(depth + 1)
                .and_then(|i| env.locals.get(i))
            {
                Some(sym) => sym.clone(),
                None => Sym::Known(Value::None),
            },
            Expr::Const(index) => {
                Sym::Known(env.epoch.consts.get(*index).cloned().unwrap_or(Value::None))
            }
            Expr::NamedSet(index) => match env.program.dated_set(*index) {
                // Kept with its members' dates: built for the date examined.
                Some(dated) => Sym::Known(dated.at(env.date)),
                None => Sym::Known(env.epoch.sets.get(*index).cloned().unwrap_or(Value::None)),
            },
            Expr::Field(base, position) => {
                let base = self.sym(base, env)?;
                self.field(base, *position, env)
            }
            Expr::SetLit(members, element) => {
                let mut values = Vec::new();
                for member in members {
                    match self.sym(member, env)? {
                        Sym::Known(value) => values.push(value),
                        _ => return Ok(Sym::Bool(self.opaque("a set built from facts"))),
                    }
                }
                Sym::Known(Value::set_of(values, *element))
            }
            Expr::RecordLit(..) => Sym::Bool(self.opaque("a record built in a condition")),
            Expr::Not(inner) => {
                let node = self.truth(inner, env)?;
                Sym::Bool(self.manager.not(node)?)
            }
            Expr::And(items) => Sym::Bool(self.conjunction(items, env)?),
            Expr::Or(items) => {
                let nodes = items
                    .iter()
                    .map(|item| self.truth(item, env))
                    .collect::<Result<Vec<_>, _>>()?;
                Sym::Bool(self.manager.any(nodes)?)
            }
            Expr::Compare(op, a, b) => {
                let a = self.sym(a, env)?;
                let b = self.sym(b, env)?;
                Sym::Bool(self.compare(*op, a, b)?)
            }
            Expr::In(member, set) => {
                let member = self.sym(member, env)?;
                let set = self.sym(set, env)?;
                Sym::Bool(self.membership(member, set)?)
            }
            Expr::IsNone(inner) => match self.sym(inner, env)? {
                Sym::Known(value) => Sym::Known(Value::Bool(matches!(value, Value::None))),
                Sym::Scalar(slot) if matches!(self.slots[slot].ty, Type::Optional(_)) => {
                    Sym::Bool(self.value_node(slot, 0)?)
                }
                _ => Sym::Known(Value::Bool(false)),
            },
            Expr::IsEmpty(inner) => {
                let set = self.sym(inner, env)?;
                self.is_empty(set)?
            }
            Expr::Arith(op, a, b) => {
                let a = self.sym(a, env)?;
                let b = self.sym(b, env)?;
                self.arith(*op, a, b)
            }
            Expr::Quantifier { every, set, body } => {
                let set = self.sym(set, env)?;
                let written = || format!("{body:?}");
                let node = self.over_members(set, !*every, env, &written, &mut |search, env| {
                    search.truth(body, env)
                })?;
                Sym::Bool(node)
            }
            Expr::If(condition, then, otherwise) => {
                let condition = self.truth(condition, env)?;
                let then_sym = self.sym(then, env)?;
                let otherwise_sym = self.sym(otherwise, env)?;
                self.choose(condition, then_sym, otherwise_sym)?
            }
            Expr::StartsWith(text, prefix) => {
                let text = self.sym(text, env)?;
                let prefix = self.sym(prefix, env)?;
                self.starts_with(text, prefix)?
            }
            Expr::AnyPrefix(text, set) => {
                let text = self.sym(text, env)?;
                let set = self.sym(set, env)?;
                self.any_prefix(text, set)?
            }
            Expr::Count(inner) => match self.sym(inner, env)? {
                Sym::Known(value) => Sym::Known(Value::Int(
                    i64::try_from(value.set_members().len()).unwrap_or(i64::MAX),
                )),
                _ => Sym::Bool(self.opaque("`count` of a set of the case")),
            },
            Expr::EndOfYear(inner) => match self.sym(inner, env)? {
                // Exact where the dates examined hold every new year (`domain::new_years`).
                Sym::Known(Value::Date(date)) if self.domain.end_of_year_exact => {
                    Sym::Known(Value::Date(date.end_of_year()))
                }
                Sym::Known(Value::Date(_)) => Sym::Bool(self.opaque(
                    "`end_of_year` of the case's date over more years than the search examines",
                )),
                _ => {
                    Sym::Bool(self.opaque("`end_of_year` of a date of the case other than its own"))
                }
            },
        })
    }

    /// `is empty` of a symbolic set.
    fn is_empty(&mut self, set: Sym) -> Result<Sym, SearchError> {
        Ok(match set {
            Sym::Known(value) => Sym::Known(Value::Bool(value.set_members().is_empty())),
            Sym::Bits(slot) => {
                let vars = self.slots[slot].vars.clone();
                let mut result = TRUE;
                for var in vars {
                    let bit = self.manager.var(var)?;
                    let not_bit = self.manager.not(bit)?;
                    result = self.manager.and(result, not_bit)?;
                }
                Sym::Bool(result)
            }
            Sym::Records(_, _, slot) => {
                let mut result = TRUE;
                for var in self.slots[slot].vars.clone() {
                    let present = self.manager.var(var)?;
                    let absent = self.manager.not(present)?;
                    result = self.manager.and(result, absent)?;
                }
                Sym::Bool(result)
            }
            Sym::Atoms(path) => {
                let empty = self.atom_sets.get(&path).map(|set| set.empty).unwrap_or(0);
                Sym::Bool(self.manager.var(empty)?)
            }
            _ => Sym::Bool(self.opaque("`is empty` of a value the search cannot enumerate")),
        })
    }

    /// Arithmetic on symbolic values: known values, or a date fact moved by a known duration.
    fn arith(&mut self, op: Arith, a: Sym, b: Sym) -> Sym {
        match (a, b) {
            (Sym::Known(a), Sym::Known(b)) => Sym::Known(arithmetic(op, &a, &b)),
            (Sym::Scalar(slot), Sym::Known(Value::Duration(d)))
                if matches!(op, Arith::AddDateDuration | Arith::SubDateDuration)
                    && self.scalar_type(slot) == Type::Date =>
            {
                let sign = if op == Arith::AddDateDuration { 1 } else { -1 };
                Sym::Shifted(slot, d, sign)
            }
            (Sym::Scalar(slot), Sym::Known(Value::Int(k)))
                if matches!(op, Arith::AddInt | Arith::SubInt)
                    && self.scalar_type(slot) == Type::Int =>
            {
                match op {
                    Arith::AddInt => Sym::Offset(slot, k),
                    _ => Sym::Offset(slot, k.saturating_neg()),
                }
            }
            (Sym::Known(Value::Int(k)), Sym::Scalar(slot))
                if op == Arith::AddInt && self.scalar_type(slot) == Type::Int =>
            {
                Sym::Offset(slot, k)
            }
            (Sym::Scalar(slot), Sym::Known(Value::Decimal(k)))
                if matches!(op, Arith::AddDecimal | Arith::SubDecimal)
                    && self.scalar_type(slot) == Type::Decimal =>
            {
                match op {
                    Arith::AddDecimal => Sym::DecimalOffset(slot, k),
                    _ => Sym::DecimalOffset(slot, -k),
                }
            }
            (Sym::Known(Value::Decimal(k)), Sym::Scalar(slot))
                if op == Arith::AddDecimal && self.scalar_type(slot) == Type::Decimal =>
            {
                Sym::DecimalOffset(slot, k)
            }
            _ => Sym::Bool(self.opaque("arithmetic on facts of the case")),
        }
    }

    /// `if` on a symbolic condition, between two symbolic values.
    fn choose(
        &mut self,
        condition: Node,
        then_sym: Sym,
        otherwise_sym: Sym,
    ) -> Result<Sym, SearchError> {
        Ok(match (condition, then_sym, otherwise_sym) {
            (TRUE, then_sym, _) => then_sym,
            (FALSE, _, otherwise_sym) => otherwise_sym,
            (c, Sym::Bool(a), Sym::Bool(b)) => Sym::Bool(self.manager.ite(c, a, b)?),
            (c, Sym::Known(a), Sym::Known(b))
                if a.as_bool() || b.as_bool() || matches!(a, Value::Bool(_)) =>
            {
                let a = if a.as_bool() { TRUE } else { FALSE };
                let b = if b.as_bool() { TRUE } else { FALSE };
                Sym::Bool(self.manager.ite(c, a, b)?)
            }
            // Two conditions (a truth value known on the date, a bool fact, a condition):
            // the choice is one too.
            (c, then_sym, otherwise_sym) => {
                match (self.as_truth(&then_sym)?, self.as_truth(&otherwise_sym)?) {
                    (Some(a), Some(b)) => Sym::Bool(self.manager.ite(c, a, b)?),
                    _ => Sym::Bool(self.opaque("`if` choosing between facts")),
                }
            }
        })
    }

    /// A symbolic value as a condition, when it is a truth value.
    fn as_truth(&mut self, sym: &Sym) -> Result<Option<Node>, SearchError> {
        Ok(match sym {
            Sym::Bool(node) => Some(*node),
            Sym::Known(Value::Bool(truth)) => Some(if *truth { TRUE } else { FALSE }),
            Sym::Scalar(slot) if self.slots[*slot].ty == Type::Bool => {
                Some(self.manager.var(self.slots[*slot].vars[0])?)
            }
            _ => None,
        })
    }

    /// `starts_with` of a symbolic text and prefix: a text fact by the classes that start so.
    fn starts_with(&mut self, text: Sym, prefix: Sym) -> Result<Sym, SearchError> {
        Ok(match (text, prefix) {
            (Sym::Known(Value::Text(t)), Sym::Known(Value::Text(p))) => {
                Sym::Known(Value::Bool(t.starts_with(&*p)))
            }
            (Sym::Known(_), Sym::Known(_)) => Sym::Known(Value::Bool(false)),
            (Sym::Scalar(slot), Sym::Known(Value::Text(p))) => {
                let texts: Vec<bool> = self
                    .domain
                    .texts
                    .iter()
                    .map(|t| t.starts_with(&*p))
                    .collect();
                Sym::Bool(
                    self.scalar_where(slot, |class| texts.get(class).copied().unwrap_or(false))?,
                )
            }
            _ => Sym::Bool(self.opaque("`starts_with` with a prefix from the case")),
        })
    }

    /// `starts_with` of a symbolic text and any member of a known set of prefixes.
    fn any_prefix(&mut self, text: Sym, set: Sym) -> Result<Sym, SearchError> {
        Ok(match (text, set) {
            (Sym::Known(Value::Text(t)), Sym::Known(set)) => Sym::Known(Value::Bool(
                set.set_members()
                    .iter()
                    .any(|m| matches!(m, Value::Text(p) if t.starts_with(&**p))),
            )),
            (Sym::Known(_), Sym::Known(_)) => Sym::Known(Value::Bool(false)),
            (Sym::Scalar(slot), Sym::Known(set)) => {
                let prefixes: Vec<String> = set
                    .set_members()
                    .iter()
                    .filter_map(|m| match m {
                        Value::Text(p) => Some(p.to_string()),
                        _ => None,
                    })
                    .collect();
                let texts: Vec<bool> = self
                    .domain
                    .texts
                    .iter()
                    .map(|t| prefixes.iter().any(|p| t.starts_with(p.as_str())))
                    .collect();
                Sym::Bool(
                    self.scalar_where(slot, |class| texts.get(class).copied().unwrap_or(false))?,
                )
            }
            _ => Sym::Bool(self.opaque("`starts_with` with a prefix from the case")),
        })
    }

    /// A field of a symbolic record: the case's `date` is the date being examined; other facts
    /// get slots.
    fn field(&mut self, base: Sym, position: usize, env: &mut SymEnv<'_>) -> Sym {
        match base {
            Sym::Known(Value::Record(_, fields)) => {
                Sym::Known(fields.get(position).cloned().unwrap_or(Value::None))
            }
            Sym::Record(path, record) => {
                let Some(field) = env
                    .program
                    .policy
                    .records
                    .get(record)
                    .and_then(|r| r.fields.get(position))
                else {
                    return Sym::Known(Value::None);
                };
                if path.is_empty() && field.name == "date" && field.ty == Type::Date {
                    return Sym::Known(Value::Date(env.date));
                }
                let mut field_path = path;
                field_path.push(field.name.clone());
                match &field.ty {
                    Type::Record(inner) => Sym::Record(field_path, *inner),
                    Type::Set(inner) => match **inner {
                        Type::Record(element) => {
                            let slot = self.slot(&field_path, &field.ty);
                            Sym::Records(field_path, element, slot)
                        }
                        _ if field_path.iter().any(|part| is_member_index(part)) => {
                            let empty = self.fresh();
                            self.atom_sets.entry(field_path.clone()).or_insert(AtomSet {
                                empty,
                                atoms: Vec::new(),
                            });
                            Sym::Atoms(field_path)
                        }
                        _ => Sym::Bits(self.slot(&field_path, &field.ty)),
                    },
                    Type::Optional(inner) if matches!(**inner, Type::Record(_)) => {
                        Sym::Known(Value::None)
                    }
                    ty => Sym::Scalar(self.slot(&field_path, ty)),
                }
            }
            _ => Sym::Known(Value::None),
        }
    }

    /// The region where a scalar slot's class satisfies `wanted` (never when it is `none`).
    fn scalar_where(
        &mut self,
        slot: usize,
        wanted: impl Fn(usize) -> bool,
    ) -> Result<Node, SearchError> {
        let offset = self.offset(slot);
        self.by_value(slot, None, &mut |_, index| {
            Ok(if index >= offset && wanted(index - offset) {
                TRUE
            } else {
                FALSE
            })
        })
    }

    /// The region where a scalar slot holds a value numbered `index` (`none` included, as 0)
    /// and `leaf(index)` holds. When every variable of the leaves comes after `below` (the
    /// first of them; `None` for constant leaves) and after the slot's bits, the diagram is
    /// made over the bits directly, one node each (a few hundred for the dates of a search,
    /// where a disjunction of the values took as many operations on ever larger diagrams);
    /// otherwise it is that disjunction.
    fn by_value(
        &mut self,
        slot: usize,
        below: Option<u32>,
        leaf: &mut dyn FnMut(&mut Self, usize) -> Result<Node, SearchError>,
    ) -> Result<Node, SearchError> {
        let vars = self.slots[slot].vars.clone();
        let count = self.slots[slot].count;
        let last = vars.iter().copied().max().unwrap_or(0);
        if below.is_none_or(|first| first > last) {
            // The bits' positions in the order of their variables, the first at the top.
            let mut order: Vec<usize> = (0..vars.len()).collect();
            order.sort_by_key(|position| vars[*position]);
            return self.over_bits(&vars, &order, 0, count, leaf);
        }
        let mut result = FALSE;
        for index in 0..count {
            let then = leaf(self, index)?;
            if then == FALSE {
                continue;
            }
            let value = self.value_node(slot, index)?;
            let both = self.manager.and(value, then)?;
            result = self.manager.or(result, both)?;
        }
        Ok(result)
    }

    /// `by_value`'s diagram below the bits `order` has fixed so far (`index` holds them).
    fn over_bits(
        &mut self,
        vars: &[u32],
        order: &[usize],
        index: usize,
        count: usize,
        leaf: &mut dyn FnMut(&mut Self, usize) -> Result<Node, SearchError>,
    ) -> Result<Node, SearchError> {
        // The bits not fixed yet are zero in the smallest value still possible.
        if index >= count {
            return Ok(FALSE);
        }
        let Some((&position, rest)) = order.split_first() else {
            return leaf(self, index);
        };
        let low = self.over_bits(vars, rest, index, count, leaf)?;
        let high = self.over_bits(vars, rest, index | 1 << position, count, leaf)?;
        Ok(self.manager.branch(vars[position], low, high)?)
    }

    /// 1 for an optional scalar (whose value 0 is `none`), else 0.
    fn offset(&self, slot: usize) -> usize {
        usize::from(matches!(self.slots[slot].ty, Type::Optional(_)))
    }

    /// The region where a scalar slot holds the value numbered `index`.
    pub(super) fn value_node(&mut self, slot: usize, index: usize) -> Result<Node, SearchError> {
        let vars = self.slots[slot].vars.clone();
        let mut result = TRUE;
        // Built from the last bit up, so each step adds one node above the rest.
        for (position, var) in vars.iter().enumerate().rev() {
            let bit = self.manager.var(*var)?;
            let literal = if index >> position & 1 == 1 {
                bit
            } else {
                self.manager.not(bit)?
            };
            result = self.manager.and(literal, result)?;
        }
        Ok(result)
    }

    /// The region where a slot's value, moved (`case.start + 1 month`, `case.n + 2`; `None`
    /// where the move leaves the type's range), compares with a known value as `holds` asks;
    /// `known_first` when the known value is on the left.
    fn moved_where(
        &mut self,
        slot: usize,
        ty: &Type,
        moved: impl Fn(Value) -> Option<Value>,
        value: &Value,
        known_first: bool,
        holds: impl Fn(std::cmp::Ordering) -> bool,
    ) -> Result<Node, SearchError> {
        let truths: Vec<bool> = (0..self.domain.class_count(ty))
            .map(|c| {
                moved(self.domain.representative(ty, c)).is_some_and(|v| {
                    holds(match known_first {
                        true => value.total_cmp(&v),
                        false => v.total_cmp(value),
                    })
                })
            })
            .collect();
        self.scalar_where(slot, |c| truths.get(c).copied().unwrap_or(false))
    }

    fn scalar_type(&self, slot: usize) -> Type {
        self.slots[slot].ty.unwrap_optional().clone()
    }

    fn compare(&mut self, op: Compare, a: Sym, b: Sym) -> Result<Node, SearchError> {
        let holds = |order: std::cmp::Ordering| op.holds(order);
        match (a, b) {
            (Sym::Known(a), Sym::Known(b)) => Ok(if holds(a.total_cmp(&b)) { TRUE } else { FALSE }),
            (Sym::Scalar(slot), Sym::Known(value)) | (Sym::Known(value), Sym::Scalar(slot))
                if matches!(op, Compare::Eq | Compare::Ne) =>
            {
                let ty = self.scalar_type(slot);
                let equal = match (&value, self.domain.class_of(&ty, &value)) {
                    (Value::None, _) => match self.slots[slot].ty {
                        Type::Optional(_) => self.value_node(slot, 0)?,
                        _ => FALSE,
                    },
                    (_, Some(class)) => self.scalar_where(slot, |c| c == class)?,
                    (_, None) => FALSE,
                };
                Ok(if op == Compare::Eq {
                    equal
                } else {
                    self.manager.not(equal)?
                })
            }
            (Sym::Shifted(slot, duration, sign), Sym::Known(value)) => self.moved_where(
                slot,
                &Type::Date,
                shift(duration, sign),
                &value,
                false,
                holds,
            ),
            (Sym::Known(value), Sym::Shifted(slot, duration, sign)) => self.moved_where(
                slot,
                &Type::Date,
                shift(duration, sign),
                &value,
                true,
                holds,
            ),
            (Sym::Offset(slot, k), Sym::Known(value)) => {
                self.moved_where(slot, &Type::Int, plus_int(k), &value, false, holds)
            }
            (Sym::Known(value), Sym::Offset(slot, k)) => {
                self.moved_where(slot, &Type::Int, plus_int(k), &value, true, holds)
            }
            (Sym::DecimalOffset(slot, k), Sym::Known(value)) => {
                self.moved_where(slot, &Type::Decimal, plus_decimal(k), &value, false, holds)
            }
            (Sym::Known(value), Sym::DecimalOffset(slot, k)) => {
                self.moved_where(slot, &Type::Decimal, plus_decimal(k), &value, true, holds)
            }
            (Sym::Scalar(slot), Sym::Known(value)) => {
                let ty = self.scalar_type(slot);
                let count = self.domain.class_count(&ty);
                let truths: Vec<bool> = (0..count)
                    .map(|c| holds(self.domain.representative(&ty, c).total_cmp(&value)))
                    .collect();
                self.scalar_where(slot, |c| truths.get(c).copied().unwrap_or(false))
            }
            (Sym::Known(value), Sym::Scalar(slot)) => {
                let ty = self.scalar_type(slot);
                let count = self.domain.class_count(&ty);
                let truths: Vec<bool> = (0..count)
                    .map(|c| holds(value.total_cmp(&self.domain.representative(&ty, c))))
                    .collect();
                self.scalar_where(slot, |c| truths.get(c).copied().unwrap_or(false))
            }
            (Sym::Scalar(x), Sym::Scalar(y)) if self.scalar_type(x) == self.scalar_type(y) => {
                let ty = self.scalar_type(x);
                let (x_offset, y_offset) = (self.offset(x), self.offset(y));
                // The order of the representatives of each pair of classes, once.
                let order: Vec<Vec<bool>> = {
                    let count = self.domain.class_count(&ty);
                    let values: Vec<Value> = (0..count)
                        .map(|c| self.domain.representative(&ty, c))
                        .collect();
                    values
                        .iter()
                        .map(|a| values.iter().map(|b| holds(a.total_cmp(b))).collect())
                        .collect()
                };
                let y_first = self.slots[y].vars.iter().copied().min();
                self.by_value(x, y_first, &mut |search, i| {
                    let Some(row) = i.checked_sub(x_offset).and_then(|i| order.get(i)) else {
                        return Ok(FALSE);
                    };
                    search.by_value(y, None, &mut |_, j| {
                        let hold = j
                            .checked_sub(y_offset)
                            .and_then(|j| row.get(j))
                            .copied()
                            .unwrap_or(false);
                        Ok(if hold { TRUE } else { FALSE })
                    })
                })
            }
            (Sym::Bool(a), Sym::Known(Value::Bool(b)))
            | (Sym::Known(Value::Bool(b)), Sym::Bool(a))
                if matches!(op, Compare::Eq | Compare::Ne) =>
            {
                let equal = if b { a } else { self.manager.not(a)? };
                Ok(if op == Compare::Eq {
                    equal
                } else {
                    self.manager.not(equal)?
                })
            }
            _ => Ok(self.opaque("a comparison of facts the search cannot encode")),
        }
    }

    fn membership(&mut self, member: Sym, set: Sym) -> Result<Node, SearchError> {
        match (member, set) {
            (Sym::Known(Value::None), _) => Ok(FALSE),
            (member, Sym::Atoms(path)) => {
                let member = match member {
                    Sym::Known(value) => Member::Known(value),
                    Sym::Scalar(slot) => Member::Slot(slot),
                    _ => return Ok(self.opaque("a membership test the search cannot encode")),
                };
                // An optional fact that is none is a member of nothing.
                let present = match &member {
                    Member::Slot(slot) if matches!(self.slots[*slot].ty, Type::Optional(_)) => {
                        let none = self.value_node(*slot, 0)?;
                        self.manager.not(none)?
                    }
                    _ => TRUE,
                };
                let existing = self.atom_sets.get(&path).and_then(|set| {
                    set.atoms
                        .iter()
                        .find(|(m, _)| *m == member)
                        .map(|(_, var)| *var)
                });
                let var = match existing {
                    Some(var) => var,
                    None => {
                        let var = self.fresh();
                        let empty = self.fresh();
                        self.atom_sets
                            .entry(path)
                            .or_insert(AtomSet {
                                empty,
                                atoms: Vec::new(),
                            })
                            .atoms
                            .push((member, var));
                        var
                    }
                };
                let atom = self.manager.var(var)?;
                Ok(self.manager.and(atom, present)?)
            }
            (Sym::Known(member), Sym::Known(set)) => {
                Ok(if set.has_member(&member) { TRUE } else { FALSE })
            }
            (Sym::Scalar(slot), Sym::Known(set)) => {
                let ty = self.scalar_type(slot);
                let count = self.domain.class_count(&ty);
                let truths: Vec<bool> = match (&ty, &set) {
                    // Texts are many (two classes for every text constant, a sanctions list
                    // has thousands): the classes and the set's members are both sorted, so
                    // one pass over both says which classes are members.
                    (Type::Text, Value::Set(members)) => {
                        let mut members = members.iter().filter_map(|m| match m {
                            Value::Text(m) => Some(&**m),
                            _ => None,
                        });
                        let mut next = members.next();
                        (0..count)
                            .map(|c| {
                                let text = self.domain.texts.get(c).map_or("", String::as_str);
                                while next.is_some_and(|m| m < text) {
                                    next = members.next();
                                }
                                next == Some(text)
                            })
                            .collect()
                    }
                    _ => (0..count)
                        .map(|c| set.has_member(&self.domain.representative(&ty, c)))
                        .collect(),
                };
                self.scalar_where(slot, |c| truths.get(c).copied().unwrap_or(false))
            }
            (Sym::Known(member), Sym::Bits(slot)) => {
                let Type::Set(element) = self.slots[slot].ty.clone() else {
                    return Ok(FALSE);
                };
                match self.domain.class_of(&element, &member) {
                    Some(class) => Ok(self.manager.var(self.slots[slot].vars[class])?),
                    None => Ok(FALSE),
                }
            }
            (Sym::Scalar(x), Sym::Bits(s)) => {
                let offset = self.offset(x);
                let s_vars = self.slots[s].vars.clone();
                let s_first = s_vars.iter().copied().min();
                self.by_value(x, s_first, &mut |search, index| match index
                    .checked_sub(offset)
                    .and_then(|class| s_vars.get(class))
                {
                    Some(bit) => Ok(search.manager.var(*bit)?),
                    None => Ok(FALSE),
                })
            }
            _ => Ok(self.opaque("a membership test the search cannot encode")),
        }
    }

    /// The valid assignments of every slot used: one class each for scalars.
    pub(super) fn well_formed(&mut self) -> Result<Node, SearchError> {
        let mut result = TRUE;
        for slot in 0..self.slots.len() {
            let count = self.slots[slot].count;
            let scalar = !matches!(self.slots[slot].ty, Type::Set(_) | Type::Bool);
            if scalar && count < 1 << self.slots[slot].vars.len() {
                // The number the bits spell is below `count`: compared bit by bit from the
                // lowest, a handful of nodes however many classes there are.
                let vars = self.slots[slot].vars.clone();
                let mut below = FALSE;
                for (position, var) in vars.iter().enumerate() {
                    let bit = self.manager.var(*var)?;
                    let clear = self.manager.not(bit)?;
                    below = if count >> position & 1 == 1 {
                        self.manager.or(clear, below)?
                    } else {
                        self.manager.and(clear, below)?
                    };
                }
                result = self.manager.and(result, below)?;
            }
        }
        let sets: Vec<AtomSet> = self.atom_sets.values().cloned().collect();
        for set in sets {
            let empty = self.manager.var(set.empty)?;
            for (_, var) in set.atoms {
                let atom = self.manager.var(var)?;
                let both = self.manager.and(empty, atom)?;
                let not_both = self.manager.not(both)?;
                result = self.manager.and(result, not_both)?;
            }
        }
        Ok(result)
    }
}

/// What symbolic evaluation reads: the program, the epoch of the date, quantifier variables.
pub(super) struct SymEnv<'p> {
    pub(super) program: &'p Program,
    pub(super) epoch: &'p Epoch,
    pub(super) date: Date,
    pub(super) locals: Vec<Sym>,
}

/// How many bits number `count` values.
fn bits_for(count: usize) -> usize {
    let mut bits = 1;
    while 1usize << bits < count {
        bits += 1;
    }
    bits
}

/// A date moved by a duration, as `case.start + 1 month` moves it.
fn shift(duration: Duration, sign: i32) -> impl Fn(Value) -> Option<Value> {
    move |v| match v {
        Value::Date(d) => Some(Value::Date(d.add(duration, sign))),
        _ => None,
    }
}

/// A whole number plus `k`; `None` past `i64`.
fn plus_int(k: i64) -> impl Fn(Value) -> Option<Value> {
    move |v| match v {
        Value::Int(n) => n.checked_add(k).map(Value::Int),
        _ => None,
    }
}

/// A decimal plus `k`; `None` past what a decimal holds.
fn plus_decimal(k: rust_decimal::Decimal) -> impl Fn(Value) -> Option<Value> {
    move |v| match v {
        Value::Decimal(n) => n.checked_add(k).map(Value::Decimal),
        _ => None,
    }
}
