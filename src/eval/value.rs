//! Run-time values: enums as small integers, sets of enum members as bitsets.

use std::cmp::Ordering;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::syntax::calendar::{Date, Duration};

/// A value during evaluation. An `optional T` is either `None` or a value of `T`.
#[derive(Debug, Clone)]
pub enum Value {
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Decimal(Decimal),
    /// Text.
    Text(Arc<str>),
    /// A day.
    Date(Date),
    /// A length of time.
    Duration(Duration),
    /// A member of an enum: the enum's index in the policy, and the member's in the enum.
    Enum(u16, u16),
    /// A set of members of one enum (by the enum's index).
    EnumSet(u16, EnumSet),
    /// Any other set, sorted and without repeats.
    Set(Arc<[Value]>),
    /// A record: the record type's index in the policy, and its fields in declaration order.
    Record(u16, Arc<[Value]>),
    /// An optional value that is absent.
    None,
}

/// The most members of a set of texts looked through one by one (`Value::has_member`); a
/// longer one is searched by halves.
const SHORT_SET: usize = 8;

/// The members of every empty set that is not of enum members, shared: an empty list in a case
/// (a licence list, most often) costs no allocation.
static EMPTY_SET: std::sync::LazyLock<Arc<[Value]>> = std::sync::LazyLock::new(|| Arc::new([]));

/// A set of enum members (an enum has at most 256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct EnumSet([u64; 4]);

impl EnumSet {
    /// The set of one member.
    pub const fn single(member: u16) -> EnumSet {
        let mut words = [0u64; 4];
        words[(member / 64) as usize % 4] = 1 << (member % 64);
        EnumSet(words)
    }

    /// Adds a member.
    pub fn insert(&mut self, member: u16) {
        let (word, bit) = (usize::from(member / 64), member % 64);
        if let Some(slot) = self.0.get_mut(word) {
            *slot |= 1 << bit;
        }
    }

    /// Whether the member is in the set.
    pub fn contains(&self, member: u16) -> bool {
        let (word, bit) = (usize::from(member / 64), member % 64);
        self.0.get(word).is_some_and(|slot| slot & (1 << bit) != 0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|word| *word == 0)
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.0.iter().map(|word| word.count_ones() as usize).sum()
    }

    /// Whether the sets have a member in common.
    pub fn meets(&self, other: &EnumSet) -> bool {
        (self.0[0] & other.0[0])
            | (self.0[1] & other.0[1])
            | (self.0[2] & other.0[2])
            | (self.0[3] & other.0[3])
            != 0
    }

    /// The members of both sets.
    pub fn intersection(&self, other: &EnumSet) -> EnumSet {
        EnumSet([
            self.0[0] & other.0[0],
            self.0[1] & other.0[1],
            self.0[2] & other.0[2],
            self.0[3] & other.0[3],
        ])
    }

    /// The members of either set.
    pub fn union(&self, other: &EnumSet) -> EnumSet {
        EnumSet([
            self.0[0] | other.0[0],
            self.0[1] | other.0[1],
            self.0[2] | other.0[2],
            self.0[3] | other.0[3],
        ])
    }

    /// The members, in enum order.
    pub fn members(&self) -> impl Iterator<Item = u16> + '_ {
        self.0.iter().enumerate().flat_map(|(word, bits)| {
            let mut bits = *bits;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros();
                bits &= bits - 1;
                Some((word as u32 * 64 + bit) as u16)
            })
        })
    }
}

impl Value {
    /// The boolean, or false for anything else (which a checked policy never produces).
    pub fn as_bool(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    /// A set's members as values (enum sets expanded).
    pub fn set_members(&self) -> Vec<Value> {
        match self {
            Value::EnumSet(ty, set) => set
                .members()
                .map(|member| Value::Enum(*ty, member))
                .collect(),
            Value::Set(members) => members.to_vec(),
            _ => Vec::new(),
        }
    }

    /// Builds a set from values, choosing the bitset form for enum members.
    pub fn set_of(mut members: Vec<Value>, enum_elements: Option<u16>) -> Value {
        if let Some(ty) = enum_elements {
            let mut set = EnumSet::default();
            for member in &members {
                if let Value::Enum(_, index) = member {
                    set.insert(*index);
                }
            }
            return Value::EnumSet(ty, set);
        }
        if members.is_empty() {
            return Value::Set(EMPTY_SET.clone());
        }
        members.sort_by(Value::total_cmp);
        members.dedup_by(|a, b| a.total_cmp(b) == Ordering::Equal);
        Value::Set(members.into())
    }

    /// Whether this set holds a value: a bit test for enum members, a binary search otherwise
    /// (sets are kept sorted). `none` is a member of nothing, and a value that is not a set
    /// holds nothing.
    pub fn has_member(&self, member: &Value) -> bool {
        match (member, self) {
            (Value::None, _) => false,
            (Value::Enum(_, m), Value::EnumSet(_, set)) => set.contains(*m),
            // A short list of texts (a licence's items or end users) is looked through: the
            // same text read twice is most often one shared `Arc`, and texts of other lengths
            // differ without a comparison of their bytes.
            (Value::Text(m), Value::Set(members)) if members.len() <= SHORT_SET => {
                members.iter().any(|probe| match probe {
                    Value::Text(probe) => {
                        Arc::ptr_eq(probe, m) || (probe.len() == m.len() && **probe == **m)
                    }
                    _ => false,
                })
            }
            (m, Value::Set(members)) => {
                members.binary_search_by(|probe| probe.total_cmp(m)).is_ok()
            }
            _ => false,
        }
    }

    /// A total order over values of one type; values of different types order by kind.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Decimal(a), Value::Decimal(b)) => a.cmp(b),
            (Value::Text(a), Value::Text(b)) => a.cmp(b),
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            (Value::Duration(a), Value::Duration(b)) => (a.months, a.days).cmp(&(b.months, b.days)),
            (Value::Enum(_, a), Value::Enum(_, b)) => a.cmp(b),
            (Value::EnumSet(_, a), Value::EnumSet(_, b)) => a.cmp(b),
            (Value::Set(a), Value::Set(b)) | (Value::Record(_, a), Value::Record(_, b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    let order = x.total_cmp(y);
                    if order != Ordering::Equal {
                        return order;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Value::None, Value::None) => Ordering::Equal,
            _ => self.rank().cmp(&other.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::None => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Decimal(_) => 3,
            Value::Text(_) => 4,
            Value::Date(_) => 5,
            Value::Duration(_) => 6,
            Value::Enum(..) => 7,
            Value::EnumSet(..) => 8,
            Value::Set(_) => 9,
            Value::Record(..) => 10,
        }
    }
}

/// Whether some member of a sorted list of texts is a prefix of `text` (`some e in S:
/// starts_with(text, e)`): `key` gives an item's text, and `member` says whether the item at
/// an index counts (a dated set's entry may be out of force). Prefixes are tried shortest first,
/// each by a binary search that starts where the previous one ended; the search stops at the
/// first prefix that no item begins with, for then no longer prefix is an item. A name that
/// starts with a letter no item starts with costs one search.
pub fn sorted_texts_have_prefix_of<T>(
    items: &[T],
    text: &str,
    key: impl Fn(&T) -> &str,
    mut member: impl FnMut(usize) -> bool,
) -> bool {
    // A prefix begins with the text's first byte: a text whose first byte is outside the
    // first bytes of the items, first to last, has none. (An empty item, which would be first,
    // has no first byte: the check is then skipped.)
    if let (Some(first), Some(last), Some(byte)) =
        (items.first(), items.last(), text.bytes().next())
        && let (Some(&lowest), Some(&highest)) =
            (key(first).as_bytes().first(), key(last).as_bytes().first())
        && (byte < lowest || byte > highest)
    {
        return false;
    }
    let mut low = 0;
    for end in text.char_indices().map(|(i, c)| i + c.len_utf8()) {
        let prefix = &text[..end];
        low += items
            .get(low..)
            .unwrap_or_default()
            .partition_point(|item| key(item) < prefix);
        let Some(item) = items.get(low) else {
            return false;
        };
        let found = key(item);
        if !found.starts_with(prefix) {
            return false;
        }
        if found.len() == prefix.len() && member(low) {
            return true;
        }
    }
    false
}

/// Whether some text of a sorted set of texts is a non-empty prefix of `text`: what
/// [`sorted_texts_have_prefix_of`] answers when every item counts, found by a few binary
/// searches rather than one for each prefix of the text. The greatest member not after the
/// text is a prefix of it, or else every member that is one is also a prefix of what the two
/// have in common, which is shorter: the search goes on with that, until it finds one or
/// nothing is left.
pub fn sorted_set_has_prefix_of(members: &[Value], text: &str) -> bool {
    fn key(member: &Value) -> &[u8] {
        match member {
            Value::Text(member) => member.as_bytes(),
            _ => &[],
        }
    }
    let mut target = text.as_bytes();
    while !target.is_empty() {
        let after = members.partition_point(|member| key(member) <= target);
        let Some(greatest) = after.checked_sub(1).and_then(|i| members.get(i)) else {
            return false;
        };
        let greatest = key(greatest);
        if !greatest.is_empty() && target.starts_with(greatest) {
            return true;
        }
        let common = greatest
            .iter()
            .zip(target)
            .take_while(|(a, b)| a == b)
            .count();
        // `common` is shorter than the target: were the target a prefix of the greatest member
        // not after it, the two would be equal.
        target = target
            .get(..common.min(target.len().saturating_sub(1)))
            .unwrap_or_default();
    }
    false
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.total_cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{SHORT_SET, Value, sorted_texts_have_prefix_of};

    /// A text is a member of a set of texts exactly when it is equal to one, whether the set is
    /// short (looked through, the text shared or a copy) or long (searched by halves), and
    /// whatever the lengths of the others.
    #[test]
    fn a_text_is_a_member_exactly_when_an_equal_text_is_there() {
        let texts: Vec<Arc<str>> = [
            "",
            "a",
            "ab",
            "abc",
            "b",
            "ba",
            "Acme Ltd",
            "Acme Ltd.",
            "zz",
        ]
        .into_iter()
        .map(Arc::from)
        .collect();
        for size in 0..=texts.len() {
            let mut members: Vec<Value> = texts[..size].iter().cloned().map(Value::Text).collect();
            members.sort_by(Value::total_cmp);
            let set = Value::Set(members.into());
            assert_eq!(size <= SHORT_SET, size < 9);
            for (position, text) in texts.iter().enumerate() {
                let expected = position < size;
                let shared = Value::Text(text.clone());
                let copy = Value::Text(Arc::from(&**text));
                assert_eq!(set.has_member(&shared), expected, "{text:?} in {size}");
                assert_eq!(set.has_member(&copy), expected, "{text:?} in {size}");
            }
            assert!(!set.has_member(&Value::Text(Arc::from("abcd"))));
            assert!(!set.has_member(&Value::None));
            assert!(!set.has_member(&Value::Int(1)));
        }
    }

    fn has_prefix(items: &[&str], text: &str) -> bool {
        sorted_texts_have_prefix_of(items, text, |item| item, |_| true)
    }

    /// The answer is `some e in S: starts_with(text, e)`, also where the first byte alone
    /// decides (outside the items' first bytes) and where an empty item is a prefix of all.
    #[test]
    fn a_prefix_is_found_exactly_when_one_is_there() {
        let items = ["1A001", "5A002", "5D", "9E"];
        for (text, expected) in [
            ("5A002.a", true),
            ("5D001", true),
            ("5C", false),
            ("Armed Forces", false),
            ("0 items", false),
            ("", false),
            ("9E003", true),
        ] {
            assert_eq!(has_prefix(&items, text), expected, "{text}");
            let brute = items.iter().any(|item| text.starts_with(item));
            assert_eq!(brute, expected, "{text}");
        }
        assert!(!has_prefix(&[], "5A"));
    }

    /// The few binary searches of `sorted_set_has_prefix_of` find what the search by each
    /// prefix finds, on sets and texts made of a few letters (so that prefixes abound), with
    /// empty members, multi-byte characters, and texts that are members or longer.
    #[test]
    fn the_set_search_agrees_with_the_search_by_prefix() {
        use super::{Value, sorted_set_has_prefix_of};
        let alphabet = ["a", "b", "ab", "é", "5A", "5A0", "", "b.1", "aé"];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..4000 {
            let mut words: Vec<String> = (0..next(6))
                .map(|_| {
                    (0..next(4))
                        .map(|_| alphabet[next(alphabet.len())])
                        .collect()
                })
                .collect();
            words.sort();
            words.dedup();
            let members: Vec<Value> = words
                .iter()
                .map(|w| Value::Text(w.as_str().into()))
                .collect();
            let text: String = (0..next(5))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let by_prefix = sorted_texts_have_prefix_of(
                &members,
                &text,
                |m| match m {
                    Value::Text(m) => m,
                    _ => "",
                },
                |_| true,
            );
            let brute = !text.is_empty()
                && words
                    .iter()
                    .any(|w| !w.is_empty() && text.starts_with(w.as_str()));
            assert_eq!(by_prefix, brute, "{words:?} {text:?}");
            assert_eq!(
                sorted_set_has_prefix_of(&members, &text),
                brute,
                "{words:?} {text:?}"
            );
        }
    }
}
