//! Reduced ordered binary decision diagrams: the engine of the exhaustive search for cases on
//! which two policies differ. Small on purpose: variables, the usual operations with memoised
//! if-then-else, and one satisfying assignment that follows preferred values.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::eval::FastMap;

/// A table keyed by node and variable numbers.
type Table<K> = FastMap<K, Node>;

/// A node: `FALSE`, `TRUE`, or an index into the manager's nodes.
pub type Node = u32;

/// The constant false.
pub const FALSE: Node = 0;
/// The constant true.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Owns every node and the caches.
#[derive(Debug)]
pub struct Manager {
    nodes: Vec<Branch>,
    unique: Table<Branch>,
    computed: Computed,
    limit: usize,
    /// The flag that stops this manager's search, if it runs under `stoppable`.
    stop: Option<Arc<AtomicBool>>,
}

impl Manager {
    /// A manager that refuses to grow past `limit` nodes.
    pub fn new(limit: usize) -> Manager {
        // Slots 0 and 1 stand for the constants; their branches are never read.
        let terminal = Branch {
            var: u32::MAX,
            low: FALSE,
            high: FALSE,
        };
        Manager {
            nodes: vec![terminal, terminal],
            unique: Table::default(),
            computed: Computed::new(MIN_CACHE_BITS),
            limit,
            stop: STOP.with(|flag| flag.borrow().clone()),
        }
    }

    fn var_of(&self, node: Node) -> u32 {
        self.nodes[node as usize].var
    }

    fn make(&mut self, var: u32, low: Node, high: Node) -> Result<Node, TooLarge> {
        if low == high {
            return Ok(low);
        }
        let branch = Branch { var, low, high };
        if let Some(&node) = self.unique.get(&branch) {
            return Ok(node);
        }
        if self.nodes.len() >= self.limit {
            return Err(TooLarge);
        }
        if self.nodes.len().is_multiple_of(STOP_EVERY)
            && let Some(stop) = &self.stop
            && stop.load(Ordering::Relaxed)
        {
            return Err(TooLarge);
        }
        let node = Node::try_from(self.nodes.len()).map_err(|_| TooLarge)?;
        self.nodes.push(branch);
        self.unique.insert(branch, node);
        self.computed.fit(self.nodes.len());
        Ok(node)
    }

    /// The variable itself.
    pub fn var(&mut self, var: u32) -> Result<Node, TooLarge> {
        self.make(var, FALSE, TRUE)
    }

    /// If `f` then `g` else `h`.
    pub fn ite(&mut self, f: Node, g: Node, h: Node) -> Result<Node, TooLarge> {
        if f == TRUE {
            return Ok(g);
        }
        if f == FALSE {
            return Ok(h);
        }
        if g == h {
            return Ok(g);
        }
        if g == TRUE && h == FALSE {
            return Ok(f);
        }
        // One form for the same function, so the memo finds it: `f ? f : h` is `f or h`,
        // `f ? g : f` is `f and g`, and the operands of `and` and `or` in order.
        let (g, h) = (
            if g == f { TRUE } else { g },
            if h == f { FALSE } else { h },
        );
        if g == h {
            return Ok(g);
        }
        if g == TRUE && h == FALSE {
            return Ok(f);
        }
        let (f, g, h) = match (g, h) {
            (_, FALSE) if g > TRUE && g < f => (g, f, FALSE),
            (TRUE, _) if h > TRUE && h < f => (h, TRUE, f),
            _ => (f, g, h),
        };
        if let Some(node) = self.computed.get(f, g, h) {
            return Ok(node);
        }
        let top = [f, g, h]
            .iter()
            .filter(|n| **n > TRUE)
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
        Ok(node)
    }

    fn cofactors(&self, node: Node, var: u32) -> (Node, Node) {
        if node <= TRUE {
            return (node, node);
        }
        let branch = self.nodes[node as usize];
        if branch.var == var {
            (branch.low, branch.high)
        } else {
            (node, node)
        }
    }

    /// Not `a`.
    pub fn not(&mut self, a: Node) -> Result<Node, TooLarge> {
        self.ite(a, FALSE, TRUE)
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
        while current > TRUE {
            let branch = self.nodes[current as usize];
            let wanted = prefer(branch.var);
            let (first, second) = if wanted {
                (branch.high, branch.low)
            } else {
                (branch.low, branch.high)
            };
            // In a reduced diagram every node but FALSE has a satisfying path.
            if first != FALSE {
                path.push((branch.var, wanted));
                current = first;
            } else {
                path.push((branch.var, !wanted));
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
}
