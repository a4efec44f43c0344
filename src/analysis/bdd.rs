//! Reduced ordered binary decision diagrams: the engine of the exhaustive search for cases on
//! which two policies differ. Small on purpose: variables, the usual operations with memoised
//! if-then-else, and one satisfying assignment that follows preferred values.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A node: `FALSE`, `TRUE`, or an edge to one of the manager's diagrams (see `Manager`).
pub type Node = u32;

/// The constant false.
pub const FALSE: Node = 0;
/// The constant true: the complement of false.
pub const TRUE: Node = 1;

/// Too many nodes: the search gives up rather than exhaust memory. A search stopped from
/// outside (`stoppable`) ends the same way, at the next few thousand nodes it would make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

/// How often, in nodes made, a manager looks whether its search was stopped.
const STOP_EVERY: usize = 1 << 12;

thread_local! {
    /// The flag that stops the searches of this thread, while `stoppable` runs one.
    static STOP: std::cell::RefCell<Option<Arc<AtomicBool>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `work` so that every search it makes stops once `stop` is set: the managers it makes
/// give up as if too large (the service abandons a search past its deadline, and its thread
/// should not run on to the end with a core and a search slot).
pub fn stoppable<T>(stop: Arc<AtomicBool>, work: impl FnOnce() -> T) -> T {
    let before = STOP.with(|flag| flag.replace(Some(stop)));
    let result = work();
    STOP.with(|flag| flag.replace(before));
    result
}

/// A node's branches: `low` where its variable is false, `high` where it is true. `high` is
/// never a complemented edge, so each function has one diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Branch {
    var: u32,
    low: Node,
    high: Node,
}

/// The memo of `ite`: a lossy table of fixed size per generation, as BDD packages keep it
/// (CUDD's computed table): a slot holds the last result hashed to it, so memory stays bounded
/// and a lost entry costs only its recomputation. It doubles with the diagram, up to
/// `MAX_CACHE_BITS`.
#[derive(Debug)]
struct Computed {
    slots: Vec<[Node; 4]>,
    mask: usize,
}

/// Slots of the computed table at first (2^16) and at most (2^23: 128 MiB).
const MIN_CACHE_BITS: u32 = 16;
const MAX_CACHE_BITS: u32 = 23;

/// A slot no `ite` fills: its `f` would be the constant false, which `ite` answers at once.
const EMPTY: [Node; 4] = [FALSE, FALSE, FALSE, FALSE];

impl Computed {
    fn new(bits: u32) -> Computed {
        Computed {
            slots: vec![EMPTY; 1 << bits],
            mask: (1 << bits) - 1,
        }
    }

    fn slot(&self, f: Node, g: Node, h: Node) -> usize {
        let key = (u64::from(f) << 42) ^ (u64::from(g) << 21) ^ u64::from(h);
        let hashed = key.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (hashed >> 32) as usize & self.mask
    }

    fn get(&self, f: Node, g: Node, h: Node) -> Option<Node> {
        let slot = self.slots[self.slot(f, g, h)];
        (slot[0] == f && slot[1] == g && slot[2] == h).then_some(slot[3])
    }

    fn put(&mut self, f: Node, g: Node, h: Node, node: Node) {
        let at = self.slot(f, g, h);
        self.slots[at] = [f, g, h, node];
    }

    /// Doubles the table when the diagram outgrows it, keeping what it holds.
    fn fit(&mut self, nodes: usize) {
        let bits = self.slots.len().trailing_zeros();
        if nodes <= self.slots.len() || bits >= MAX_CACHE_BITS {
            return;
        }
        let old = std::mem::replace(self, Computed::new(bits + 1));
        for slot in old.slots.into_iter().filter(|s| *s != EMPTY) {
            self.put(slot[0], slot[1], slot[2], slot[3]);
        }
    }
}

/// The unique table: every node by its branches, so that a function is made once. Open
/// addressing over the nodes' indices, probed linearly; at most half full.
#[derive(Debug)]
struct Unique {
    /// Indices of nodes, 0 for an empty slot (index 0 is the constant, never in the table).
    slots: Vec<u32>,
    mask: usize,
}

impl Unique {
    fn new() -> Unique {
        Unique {
            slots: vec![0; 1 << 12],
            mask: (1 << 12) - 1,
        }
    }

    fn start(&self, branch: Branch) -> usize {
        let key =
            (u64::from(branch.var) << 48) ^ (u64::from(branch.low) << 24) ^ u64::from(branch.high);
        let hashed = (key ^ (key >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        (hashed >> 32) as usize & self.mask
    }

    /// The node with these branches, or the slot where it belongs.
    fn find(&self, nodes: &[Branch], branch: Branch) -> Result<u32, usize> {
        let mut at = self.start(branch);
        loop {
            let index = self.slots[at];
            if index == 0 {
                return Err(at);
            }
            if nodes[index as usize] == branch {
                return Ok(index);
            }
            at = (at + 1) & self.mask;
        }
    }

    /// Records node `index` in `slot`, growing the table past half full.
    fn insert(&mut self, nodes: &[Branch], slot: usize, index: u32) {
        self.slots[slot] = index;
        if nodes.len() * 2 > self.slots.len() {
            let size = self.slots.len() * 2;
            let old = std::mem::replace(&mut self.slots, vec![0; size]);
            self.mask = size - 1;
            for index in old.into_iter().filter(|i| *i != 0) {
                if let Err(slot) = self.find(nodes, nodes[index as usize]) {
                    self.slots[slot] = index;
                }
            }
        }
    }
}

/// Owns every node and the caches. A node is an edge: the index of a diagram shifted left by
/// one, its lowest bit set when the edge is complemented (the diagram's negation), so that
/// `not` costs nothing and a function and its negation share their nodes.
#[derive(Debug)]
pub struct Manager {
    nodes: Vec<Branch>,
    unique: Unique,
    computed: Computed,
    limit: usize,
    /// The flag that stops this manager's search, if it runs under `stoppable`.
    stop: Option<Arc<AtomicBool>>,
}

/// Whether an edge is complemented.
fn complemented(node: Node) -> bool {
    node & 1 == 1
}

/// The diagram an edge points to, without its complement.
fn regular(node: Node) -> Node {
    node & !1
}

impl Manager {
    /// A manager that refuses to grow past `limit` nodes.
    pub fn new(limit: usize) -> Manager {
        // Index 0 is the constant false (its complement true); its branches are never read.
        let terminal = Branch {
            var: u32::MAX,
            low: FALSE,
            high: FALSE,
        };
        Manager {
            nodes: vec![terminal],
            unique: Unique::new(),
            computed: Computed::new(MIN_CACHE_BITS),
            limit,
            stop: STOP.with(|flag| flag.borrow().clone()),
        }
    }

    fn branches(&self, node: Node) -> Branch {
        self.nodes[(node >> 1) as usize]
    }

    fn var_of(&self, node: Node) -> u32 {
        self.branches(node).var
    }

    fn make(&mut self, var: u32, low: Node, high: Node) -> Result<Node, TooLarge> {
        if low == high {
            return Ok(low);
        }
        // The high branch is kept regular: a complemented one is the complement of the node
        // with both branches complemented.
        let flip = high & 1;
        let branch = Branch {
            var,
            low: low ^ flip,
            high: high ^ flip,
        };
        let slot = match self.unique.find(&self.nodes, branch) {
            Ok(index) => return Ok((index << 1) | flip),
            Err(slot) => slot,
        };
        if self.nodes.len() >= self.limit {
            return Err(TooLarge);
        }
        if self.nodes.len().is_multiple_of(STOP_EVERY)
            && let Some(stop) = &self.stop
            && stop.load(Ordering::Relaxed)
        {
            return Err(TooLarge);
        }
        let index = u32::try_from(self.nodes.len())
            .ok()
            .filter(|i| *i < 1 << 31)
            .ok_or(TooLarge)?;
        self.nodes.push(branch);
        self.unique.insert(&self.nodes, slot, index);
        self.computed.fit(self.nodes.len());
        Ok((index << 1) | flip)
    }

    /// The variable itself.
    pub fn var(&mut self, var: u32) -> Result<Node, TooLarge> {
        self.make(var, FALSE, TRUE)
    }

    /// If variable `var` then `high` else `low`: one node when `var` comes before every
    /// variable of `low` and `high`, as when a diagram is built from its bottom up.
    pub fn branch(&mut self, var: u32, low: Node, high: Node) -> Result<Node, TooLarge> {
        let first = |node: Node| {
            if regular(node) == FALSE {
                u32::MAX
            } else {
                self.var_of(node)
            }
        };
        if var < first(low) && var < first(high) {
            return self.make(var, low, high);
        }
        let bit = self.var(var)?;
        self.ite(bit, high, low)
    }

    /// If `f` then `g` else `h`.
    pub fn ite(&mut self, f: Node, g: Node, h: Node) -> Result<Node, TooLarge> {
        if f == TRUE {
            return Ok(g);
        }
        if f == FALSE {
            return Ok(h);
        }
        // One form for the same function, so the memo finds it: `f ? f : h` is `f or h`,
        // `f ? g : not f` is `not f or g`, and so on.
        let g = if g == f {
            TRUE
        } else if g == f ^ 1 {
            FALSE
        } else {
            g
        };
        let h = if h == f {
            FALSE
        } else if h == f ^ 1 {
            TRUE
        } else {
            h
        };
        if g == h {
            return Ok(g);
        }
        if g == TRUE && h == FALSE {
            return Ok(f);
        }
        if g == FALSE && h == TRUE {
            return Ok(f ^ 1);
        }
        // The operands of `and` and `or` in order: `f and g` is `g and f`, `f or h` is `h or
        // f`, `not f and h` is `not h and ... ` — the smaller diagram first.
        let (f, g, h) = match (g, h) {
            (_, FALSE) if regular(g) < regular(f) => (g, f, FALSE),
            (TRUE, _) if regular(h) < regular(f) => (h, TRUE, f),
            (FALSE, _) if regular(h) < regular(f) => (h ^ 1, FALSE, f ^ 1),
            (_, TRUE) if regular(g) < regular(f) => (g ^ 1, f ^ 1, TRUE),
            _ => (f, g, h),
        };
        // `f` regular (`not f ? g : h` is `f ? h : g`), then `g` regular (`f ? not g : not h`
        // is the complement of `f ? g : h`).
        let (f, g, h) = if complemented(f) {
            (f ^ 1, h, g)
        } else {
            (f, g, h)
        };
        let flip = g & 1;
        let (g, h) = (g ^ flip, h ^ flip);
        if let Some(node) = self.computed.get(f, g, h) {
            return Ok(node ^ flip);
        }
        let top = [f, g, h]
            .iter()
            .filter(|n| regular(**n) != FALSE)
            .map(|n| self.var_of(*n))
            .min()
            .unwrap_or(u32::MAX);
        let (f0, f1) = self.cofactors(f, top);
        let (g0, g1) = self.cofactors(g, top);
        let (h0, h1) = self.cofactors(h, top);
        let low = self.ite(f0, g0, h0)?;
        let high = self.ite(f1, g1, h1)?;
        let node = self.make(top, low, high)?;
        self.computed.put(f, g, h, node);
        Ok(node ^ flip)
    }

    /// The diagram where `var` is false and where it is true.
    fn cofactors(&self, node: Node, var: u32) -> (Node, Node) {
        if regular(node) == FALSE {
            return (node, node);
        }
        let branch = self.branches(node);
        if branch.var == var {
            let flip = node & 1;
            (branch.low ^ flip, branch.high ^ flip)
        } else {
            (node, node)
        }
    }

    /// Not `a`.
    pub fn not(&mut self, a: Node) -> Result<Node, TooLarge> {
        Ok(a ^ 1)
    }

    /// `a` and `b`.
    pub fn and(&mut self, a: Node, b: Node) -> Result<Node, TooLarge> {
        self.ite(a, b, FALSE)
    }

    /// `a` or `b`.
    pub fn or(&mut self, a: Node, b: Node) -> Result<Node, TooLarge> {
        self.ite(a, TRUE, b)
    }

    /// The disjunction of several nodes.
    pub fn any(&mut self, nodes: impl IntoIterator<Item = Node>) -> Result<Node, TooLarge> {
        let mut result = FALSE;
        for node in nodes {
            result = self.or(result, node)?;
            if result == TRUE {
                break;
            }
        }
        Ok(result)
    }

    /// Exactly one of the variables is true.
    #[cfg(test)]
    pub fn exactly_one(&mut self, vars: &[u32]) -> Result<Node, TooLarge> {
        // Built from the last variable up: "none so far" and "one so far" chains.
        let mut none = TRUE;
        let mut one = FALSE;
        for &var in vars.iter().rev() {
            let new_one = self.make(var, one, none)?;
            let new_none = self.make(var, none, FALSE)?;
            one = new_one;
            none = new_none;
        }
        Ok(one)
    }

    /// One satisfying assignment of `node`, following `prefer(var)` wherever the diagram allows:
    /// the variables on the path with their values. `None` when `node` is false.
    pub fn satisfy(&self, node: Node, prefer: impl Fn(u32) -> bool) -> Option<Vec<(u32, bool)>> {
        if node == FALSE {
            return None;
        }
        let mut path = Vec::new();
        let mut current = node;
        while regular(current) != FALSE {
            let var = self.var_of(current);
            let (low, high) = self.cofactors(current, var);
            let wanted = prefer(var);
            let (first, second) = if wanted { (high, low) } else { (low, high) };
            // In a reduced diagram every node but FALSE has a satisfying path.
            if first != FALSE {
                path.push((var, wanted));
                current = first;
            } else {
                path.push((var, !wanted));
                current = second;
            }
        }
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_and_assignments() {
        let mut m = Manager::new(10_000);
        let a = m.var(0).unwrap();
        let b = m.var(1).unwrap();
        let a_and_b = m.and(a, b).unwrap();
        let not_a = m.not(a).unwrap();
        assert_eq!(m.and(a_and_b, not_a).unwrap(), FALSE);
        let either = m.or(a, b).unwrap();
        let path = m.satisfy(either, |_| false).unwrap();
        assert!(path.contains(&(1, true)) || path.contains(&(0, true)));
        let one = m.exactly_one(&[0, 1, 2]).unwrap();
        let two = m.and(one, a_and_b).unwrap();
        assert_eq!(two, FALSE);
        let only_c = m.satisfy(one, |var| var == 2).unwrap();
        assert!(only_c.contains(&(2, true)));
    }

    /// The value of `node` under an assignment of variables 0..6 (bit `v` of `assignment`).
    fn value(m: &Manager, mut node: Node, assignment: u64) -> bool {
        while regular(node) != FALSE {
            let var = m.var_of(node);
            let (low, high) = m.cofactors(node, var);
            node = if assignment >> var & 1 == 1 {
                high
            } else {
                low
            };
        }
        node == TRUE
    }

    /// The truth table of `node` over variables 0..6: bit `a` is its value under assignment `a`.
    fn table(m: &Manager, node: Node) -> u64 {
        (0..64).fold(0, |t, a| t | u64::from(value(m, node, a)) << a)
    }

    /// Every operation, on thousands of random functions of six variables, against truth
    /// tables: each result computes its function, one function is one node (the diagrams are
    /// canonical, complemented edges included), and a satisfying assignment satisfies.
    #[test]
    fn operations_agree_with_truth_tables() {
        // The truth table of variable `v`: true on the assignments with bit `v` set.
        let var_table = |v: u32| (0..64u64).fold(0u64, |t, a| t | (a >> v & 1) << a);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        let mut m = Manager::new(1_000_000);
        let mut pool: Vec<(Node, u64)> = vec![(FALSE, 0), (TRUE, u64::MAX)];
        let mut by_table: std::collections::HashMap<u64, Node> =
            pool.iter().map(|(n, t)| (*t, *n)).collect();
        for _ in 0..20_000 {
            let pick = |i: usize| pool[i];
            let (a, b, c) = (
                pick(next(pool.len())),
                pick(next(pool.len())),
                pick(next(pool.len())),
            );
            let v = next(6) as u32;
            let (node, t) = match next(6) {
                0 => (m.var(v).unwrap(), var_table(v)),
                1 => (m.not(a.0).unwrap(), !a.1),
                2 => (m.and(a.0, b.0).unwrap(), a.1 & b.1),
                3 => (m.or(a.0, b.0).unwrap(), a.1 | b.1),
                4 => (m.ite(a.0, b.0, c.0).unwrap(), a.1 & b.1 | !a.1 & c.1),
                _ => {
                    let x = var_table(v);
                    (m.branch(v, a.0, b.0).unwrap(), x & b.1 | !x & a.1)
                }
            };
            assert_eq!(table(&m, node), t, "node {node} computes another function");
            assert_eq!(
                *by_table.entry(t).or_insert(node),
                node,
                "two nodes for one function"
            );
            if let Some(path) = m.satisfy(node, |var| var % 2 == 0) {
                let assignment = path
                    .iter()
                    .fold(0u64, |a, (var, on)| a | u64::from(*on) << var);
                assert!(
                    t >> assignment & 1 == 1,
                    "an assignment that does not satisfy"
                );
            } else {
                assert_eq!(t, 0);
            }
            pool.push((node, t));
        }
        assert!(by_table.len() > 1_000, "too few distinct functions drawn");
    }
}
