//! A fast hasher for the evaluator's own caches of texts: the default, SipHash, resists keys
//! chosen by an attacker, which a lossy cache need not (a collision costs a new text), at
//! several times the cost.

use std::hash::Hasher;

/// Multiply-rotate hashing, eight bytes at a time.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, number: u8) {
        self.add(u64::from(number));
    }

    fn write_u32(&mut self, number: u32) {
        self.add(u64::from(number));
    }

    fn write_u64(&mut self, number: u64) {
        self.add(number);
    }

    fn write_usize(&mut self, number: usize) {
        self.add(number as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A text's first and last eight bytes (fewer for a shorter text, the rest zero), as two words:
/// together with its length they are the whole text when it is at most sixteen bytes long.
#[inline]
fn ends(bytes: &[u8]) -> (u64, u64) {
    // Whole words and half words loaded at once (overlapping where the text is shorter than
    // two), never byte by byte: this runs for every key and member a case gives.
    let word = |at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|part| <[u8; 8]>::try_from(part).ok())
            .map_or(0, u64::from_le_bytes)
    };
    let half = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|part| <[u8; 4]>::try_from(part).ok())
            .map_or(0, |part| u64::from(u32::from_le_bytes(part)))
    };
    let byte = |at: usize| bytes.get(at).map_or(0, |b| u64::from(*b)) << (8 * at);
    let length = bytes.len();
    let head = match length {
        8.. => return (word(0), word(length - 8)),
        4..=7 => half(0) | half(length - 4) << (8 * (length - 4)),
        1..=3 => byte(0) | byte(length / 2) | byte(length - 1),
        0 => 0,
    };
    (head, head)
}

/// Whether two texts are equal: word comparisons for texts of at most 32 bytes (field names,
/// enum members, most names), without a call to `memcmp`.
#[inline]
pub fn same_text(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    match a.len() {
        0..=16 => ends(a) == ends(b),
        // The first and last sixteen bytes, overlapping: the whole text.
        17..=32 => {
            let tail = a.len() - 16;
            ends(&a[..16]) == ends(&b[..16]) && ends(&a[tail..]) == ends(&b[tail..])
        }
        _ => a == b,
    }
}

/// Names to their numbers (an enum's members, for the case reader): one multiplication, and
/// a comparison of three words for a name of at most 24 bytes, the most of them.
#[derive(Debug, Clone, Default)]
pub struct NameTable {
    /// Open addressing: the entry's position plus one, or zero for an empty slot.
    slots: Vec<u16>,
    /// The names' words, lengths, names and numbers.
    entries: Vec<NameEntry>,
    /// How far a hash is shifted to give a slot: `64 - log2(slots)`.
    shift: u32,
    /// The names of one to 24 bytes, none of them zero, by their bytes as three words
    /// (little-endian, zero past the name), with their numbers: open addressing, a zero first
    /// word for an empty slot. Such words are the whole name, and three comparisons find it.
    short: Vec<(PlainWords, u16)>,
    /// How far a word's hash is shifted to give a slot of `short` (and of `quoted`).
    short_shift: u32,
    /// The names of one to seven plain bytes (no quote, backslash or control character), each
    /// as one word of its bytes followed by a closing quote (little-endian, zero past it),
    /// with their numbers: open addressing, a zero word for an empty slot. The case reader
    /// finds such a name by the word it reads at the name's start, cut after the first quote.
    quoted: Vec<(u64, u16)>,
}

#[derive(Debug, Clone)]
struct NameEntry {
    ends: (u64, u64),
    name: Box<str>,
    number: u16,
}

impl NameTable {
    /// The table of these names, numbered in order; a repeated name keeps its first number.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> NameTable {
        let names: Vec<&str> = names.into_iter().collect();
        // At most a quarter full, so that a probe seldom goes past its first slot.
        let size = (names.len() * 4).next_power_of_two().max(4);
        let mut table = NameTable {
            slots: vec![0; size],
            entries: Vec::with_capacity(names.len()),
            shift: 64 - size.trailing_zeros(),
            short: vec![((0, 0, 0), 0); size],
            short_shift: 64 - size.trailing_zeros(),
            quoted: vec![(0, 0); size],
        };
        for (number, name) in names.into_iter().enumerate() {
            let (Ok(number), Ok(entry)) = (
                u16::try_from(number),
                u16::try_from(table.entries.len() + 1),
            ) else {
                break;
            };
            if table.get(name).is_some() {
                continue;
            }
            let mut slot = table.slot_of(name.as_bytes());
            while table.slots[slot] != 0 {
                slot = (slot + 1) & (size - 1);
            }
            table.slots[slot] = entry;
            table.entries.push(NameEntry {
                ends: ends(name.as_bytes()),
                name: name.into(),
                number,
            });
            if let Some(words) = plain_words(name.as_bytes()) {
                let mut slot = table.short_slot(words);
                while table.short[slot].0.0 != 0 {
                    slot = (slot + 1) & (size - 1);
                }
                table.short[slot] = (words, number);
            }
            if let Some(word) = quoted_word(name.as_bytes()) {
                let mut slot = table.quoted_slot(word);
                while table.quoted[slot].0 != 0 {
                    slot = (slot + 1) & (size - 1);
                }
                table.quoted[slot] = (word, number);
            }
        }
        table
    }

    fn quoted_slot(&self, word: u64) -> usize {
        ((word ^ word >> 32).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.short_shift) as usize
    }

    /// The number of a name of one to seven plain bytes, given as the word of its bytes and
    /// the closing quote after them (little-endian, zero past the quote): what the case reader
    /// has in hand after the first quote of a string's first word. Such words are exact: a
    /// word with a backslash, a control character or a quote before its last byte is no
    /// name's, so it is found in no slot.
    #[inline(always)]
    pub fn get_quoted(&self, word: u64) -> Option<u16> {
        let mask = self.quoted.len().checked_sub(1)?;
        let mut slot = self.quoted_slot(word);
        loop {
            let (held, number) = *self.quoted.get(slot)?;
            if held == word {
                return Some(number);
            }
            if held == 0 {
                return None;
            }
            slot = (slot + 1) & mask;
        }
    }

    fn short_slot(&self, (first, second, third): PlainWords) -> usize {
        // The high half folded onto the low one first: names that differ only in their fifth
        // to eighth bytes (`EU001` to `EU008`) would otherwise fall into neighbouring slots.
        let words = first ^ second.rotate_left(29) ^ third.rotate_left(43);
        ((words ^ words >> 32).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.short_shift) as usize
    }

    fn slot_of(&self, bytes: &[u8]) -> usize {
        let (head, tail) = ends(bytes);
        self.slot_of_ends(head, tail, bytes.len())
    }

    fn slot_of_ends(&self, head: u64, tail: u64, length: usize) -> usize {
        let hash =
            (head ^ tail.rotate_left(23) ^ length as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (hash >> self.shift) as usize
    }

    /// The number of a name, if it is in the table.
    pub fn get(&self, name: &str) -> Option<u16> {
        self.get_bytes(name.as_bytes())
    }

    /// The number of a name given as bytes, if it is in the table.
    pub fn get_bytes(&self, bytes: &[u8]) -> Option<u16> {
        let (head, tail) = ends(bytes);
        self.find_ends(head, tail, bytes.len(), bytes)
    }

    /// The number of a name of one to 24 bytes, none of them zero, given as three words of
    /// its bytes (little-endian, zero past the name): what the case reader has in hand after
    /// looking for the end of a short string, so the name is not loaded again. A name's words
    /// are the same as those of the name with zero bytes after it: the caller sees to it that
    /// the name has none (the case reader's strings have no control characters).
    #[inline(always)]
    pub fn get_plain(&self, words: PlainWords) -> Option<u16> {
        let mask = self.short.len().checked_sub(1)?;
        let mut slot = self.short_slot(words);
        loop {
            let (held, number) = *self.short.get(slot)?;
            if held == words {
                return Some(number);
            }
            if held.0 == 0 {
                return None;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The number of a name whose first and last eight bytes are `head` and `tail`: its bytes
    /// are only compared for a name longer than sixteen bytes (shorter ones are whole in their
    /// two words and length).
    fn find_ends(&self, head: u64, tail: u64, length: usize, bytes: &[u8]) -> Option<u16> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut slot = self.slot_of_ends(head, tail, length);
        loop {
            let entry = usize::from(*self.slots.get(slot)?);
            let found = self.entries.get(entry.checked_sub(1)?)?;
            if found.ends == (head, tail)
                && found.name.len() == length
                && (length <= 16 || found.name.as_bytes() == bytes)
            {
                return Some(found.number);
            }
            slot = (slot + 1) & mask;
        }
    }
}

/// A name of at most 24 bytes as three words of its bytes (little-endian, zero past its end).
pub type PlainWords = (u64, u64, u64);

/// A name's bytes as three words, if it goes in a table's `short` part: one to 24 bytes, none
/// of them zero.
fn plain_words(name: &[u8]) -> Option<PlainWords> {
    if !(1..=24).contains(&name.len()) || name.contains(&0) {
        return None;
    }
    let mut words = [0u8; 24];
    words.get_mut(..name.len())?.copy_from_slice(name);
    let word = |at: usize| {
        words
            .get(at..at + 8)
            .and_then(|eight| <[u8; 8]>::try_from(eight).ok())
            .map(u64::from_le_bytes)
    };
    Some((word(0)?, word(8)?, word(16)?))
}

/// A name's bytes followed by a closing quote as one word, if the name goes in a table's
/// `quoted` part: one to seven bytes, none of them a quote, a backslash or a control character.
fn quoted_word(name: &[u8]) -> Option<u64> {
    if !(1..=7).contains(&name.len())
        || name
            .iter()
            .any(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
    {
        return None;
    }
    let mut word = [0u8; 8];
    word.get_mut(..name.len())?.copy_from_slice(name);
    *word.get_mut(name.len())? = b'"';
    Some(u64::from_le_bytes(word))
}

/// The mask of a word's lowest `count` bytes (all of them from eight).
pub fn low_bytes(count: usize) -> u64 {
    match count {
        8.. => u64::MAX,
        _ => (1u64 << (8 * count)) - 1,
    }
}

/// Texts read lately, shared: a case reader that meets a name it read lately (an item, an end
/// user, an Annex I entry: real traffic repeats them) gives out the same `Arc<str>` again
/// rather than a new allocation that is freed after the case. One text per slot, by hash; a
/// text longer than [`TEXT_CACHE_LONGEST`] bytes is not kept, so the cache stays small.
#[derive(Debug, Default)]
pub struct TextCache {
    slots: Vec<Option<std::sync::Arc<str>>>,
}

/// How many texts a [`TextCache`] keeps (a power of two).
const TEXT_CACHE_SLOTS: usize = 512;
/// The longest text a [`TextCache`] keeps, in bytes.
pub const TEXT_CACHE_LONGEST: usize = 48;

impl TextCache {
    /// An empty cache, which allocates its slots when first asked.
    pub const fn new() -> TextCache {
        TextCache { slots: Vec::new() }
    }

    /// The text of some bytes as a shared value: the kept one if it is the same text, else a
    /// new one (kept in its slot in place of the one there); `None` for bytes that are not
    /// UTF-8. A kept text is UTF-8 already: only a new one is checked.
    pub fn text(&mut self, bytes: &[u8]) -> Option<std::sync::Arc<str>> {
        if bytes.len() > TEXT_CACHE_LONGEST {
            return std::str::from_utf8(bytes).ok().map(Into::into);
        }
        if self.slots.is_empty() {
            self.slots.resize(TEXT_CACHE_SLOTS, None);
        }
        let mut hasher = FastHasher::default();
        hasher.write(bytes);
        let slot =
            (hasher.finish().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 55) as usize % TEXT_CACHE_SLOTS;
        match self.slots.get_mut(slot) {
            Some(Some(kept)) if same_text(kept.as_bytes(), bytes) => Some(kept.clone()),
            Some(entry) => {
                let new: std::sync::Arc<str> = std::str::from_utf8(bytes).ok()?.into();
                *entry = Some(new.clone());
                Some(new)
            }
            None => std::str::from_utf8(bytes).ok().map(Into::into),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{NameTable, TEXT_CACHE_LONGEST, TextCache, same_text};

    /// Every name is found with its number, and nothing else is: names that share their first
    /// and last eight bytes, differ only in length, or are empty.
    #[test]
    fn a_name_table_finds_exactly_its_names() {
        let names = [
            "",
            "a",
            "ab",
            "DE",
            "EU001",
            "EU002",
            "military",
            "military_industry",
            "intra_eu_transfer",
            "abcdefgh12345678",
            "abcdefghX12345678",
            "abcdefghY12345678",
            "technical_assistance",
            "DE",
        ];
        let table = NameTable::new(names);
        for (number, name) in names.iter().enumerate().take(13) {
            assert_eq!(table.get(name), Some(number as u16), "{name}");
        }
        // The repeat keeps its first number.
        assert_eq!(table.get("DE"), Some(3));
        for absent in [
            "b",
            "D",
            "DEU",
            "EU00",
            "abcdefghZ12345678",
            "abcdefgh1234567",
            "x".repeat(40).as_str(),
        ] {
            assert_eq!(table.get(absent), None, "{absent}");
        }
        assert_eq!(NameTable::default().get("DE"), None);
        assert!(same_text(b"licences", b"licences"));
        assert!(!same_text(b"licences", b"licencez"));
        assert!(same_text(
            b"general_authorisations",
            b"general_authorisations"
        ));
        assert!(!same_text(
            b"general_authorisations",
            b"general_authorisationz"
        ));
    }

    /// Against plain comparison: every pair of texts over two letters of up to nine bytes, and
    /// a table of half of them finds exactly that half.
    #[test]
    fn same_text_and_the_table_agree_with_plain_comparison() {
        let mut texts = vec![String::new()];
        for length in 1..=9 {
            for bits in 0..(1u32 << length) {
                texts.push(
                    (0..length)
                        .map(|i| if bits >> i & 1 == 1 { 'b' } else { 'a' })
                        .collect(),
                );
            }
        }
        // Longer texts, up to 40 bytes, that differ in one byte anywhere or in their length.
        let long = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
        for length in 10..=40 {
            let text = &long[..length];
            texts.push(text.to_string());
            for at in 0..length {
                let mut changed = text.as_bytes().to_vec();
                changed[at] = b'_';
                texts.push(String::from_utf8(changed).unwrap_or_default());
            }
        }
        for a in &texts {
            for b in &texts {
                assert_eq!(same_text(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
            }
        }
        let kept: Vec<&str> = texts.iter().step_by(2).map(String::as_str).collect();
        let table = NameTable::new(kept.iter().copied());
        for (index, text) in texts.iter().enumerate() {
            let expected = (index % 2 == 0).then_some((index / 2) as u16);
            assert_eq!(table.get(text), expected, "{text}");
            // The case reader's lookup by words, for the names it asks it of.
            if let Some(words) = super::plain_words(text.as_bytes()) {
                assert_eq!(table.get_plain(words), expected, "{text}");
            }
        }
    }

    /// A name of up to 24 bytes is found by its words exactly when it is in the table:
    /// names that differ in their last byte, or only in length, across the eight-byte
    /// boundaries, among many names (probes that go past their first slot) and with names that
    /// are kept out of the words' part (longer ones, and those with a zero byte).
    #[test]
    fn names_are_found_by_their_words_exactly() {
        let mut names: Vec<String> = Vec::new();
        for length in 1..=25 {
            for last in [b'a', b'b', b'~', 0xC3] {
                let mut name = vec![b'x'; length - 1];
                name.push(last);
                if let Ok(name) = String::from_utf8(name) {
                    names.push(name);
                }
            }
        }
        names.push("a\0b".to_string());
        names.extend((0..300).map(|n| format!("EU{n:03}")));
        let kept: Vec<&str> = names.iter().step_by(3).map(String::as_str).collect();
        let table = NameTable::new(kept.iter().copied());
        for (index, name) in names.iter().enumerate() {
            let expected = (index % 3 == 0).then_some((index / 3) as u16);
            assert_eq!(table.get(name), expected, "{name:?}");
            if let Some(words) = super::plain_words(name.as_bytes()) {
                assert_eq!(table.get_plain(words), expected, "{name:?}");
            }
            if let Some(word) = super::quoted_word(name.as_bytes()) {
                assert_eq!(table.get_quoted(word), expected, "{name:?}");
            }
        }
        assert_eq!(NameTable::default().get_plain((0x41, 0, 0)), None);
        assert_eq!(NameTable::default().get_quoted(0x2241), None);
    }

    /// A short name is found by the word of its bytes and closing quote, and a word of the
    /// same bytes with an escape, a control character or another length before the quote is
    /// found as no name: what the case reader reads at a string's start is exact.
    #[test]
    fn short_names_are_found_by_their_quoted_word_exactly() {
        let names = [
            "DE", "EU001", "EU002", "export", "wmd", "a", "abcdefg", "abcdefgh",
        ];
        let table = NameTable::new(names);
        let word = |bytes: &[u8]| {
            let mut eight = [0u8; 8];
            eight[..bytes.len()].copy_from_slice(bytes);
            u64::from_le_bytes(eight)
        };
        for (number, name) in names.iter().enumerate().take(7) {
            let quoted = [name.as_bytes(), b"\""].concat();
            assert_eq!(
                table.get_quoted(word(&quoted)),
                Some(number as u16),
                "{name}"
            );
        }
        // Eight bytes and more are not in the quoted part.
        assert_eq!(super::quoted_word(b"abcdefgh"), None);
        for other in [
            &b"D\""[..],
            b"DE\0\"",
            b"D\\\"",
            b"DE\n\"",
            b"EU00\"",
            b"EU0011\"",
            b"\"",
            b"abcdef\"",
        ] {
            assert_eq!(table.get_quoted(word(other)), None, "{other:?}");
        }
        for bad in ["a\"b", "a\\b", "a\nb", ""] {
            assert_eq!(super::quoted_word(bad.as_bytes()), None, "{bad:?}");
        }
    }

    /// The cache gives back the text it was asked for, shared when it was kept: texts that
    /// share a slot replace each other, and a long text is never kept. Bytes that are not
    /// UTF-8 give none, whether or not a text of their slot is kept.
    #[test]
    fn the_text_cache_gives_the_text_asked_for() {
        let mut cache = TextCache::default();
        let texts: Vec<String> = (0..3000)
            .map(|n| format!("{}{n}", "Firmware for secure router ".repeat(n % 3)))
            .collect();
        let text = |cache: &mut TextCache, text: &str| {
            cache
                .text(text.as_bytes())
                .unwrap_or_else(|| panic!("{text:?} is UTF-8"))
        };
        for _ in 0..2 {
            for each in &texts {
                assert_eq!(&*text(&mut cache, each), each.as_str());
            }
        }
        let first = text(&mut cache, "Acme Components GmbH");
        let again = text(&mut cache, "Acme Components GmbH");
        assert!(std::sync::Arc::ptr_eq(&first, &again));
        let long = "x".repeat(TEXT_CACHE_LONGEST + 1);
        assert!(!std::sync::Arc::ptr_eq(
            &text(&mut cache, &long),
            &text(&mut cache, &long)
        ));
        let mut long_bad = long.into_bytes();
        long_bad.push(0xFF);
        for bad in [&b"M\xFCller"[..], b"\xC3", b"\xE2\x82", &long_bad] {
            assert_eq!(cache.text(bad), None, "{bad:?}");
            assert_eq!(cache.text(bad), None, "{bad:?}, asked again");
        }
    }
}
