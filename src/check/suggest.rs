//! "Did you mean …?": the closest known name to a misspelt one, and the help text built from it.

/// Help for a misspelt name: "did you mean `x`?" when a suggestion was found, otherwise the
/// fallback (usually the names there are).
pub fn did_you_mean_or(suggestion: Option<&str>, fallback: impl Into<String>) -> String {
    match suggestion {
        Some(name) => question(name),
        None => fallback.into(),
    }
}

fn question(name: &str) -> String {
    format!("did you mean `{name}`?")
}

/// Names as a list for help text: `a`, `b`, `c`.
pub(super) fn backticked<'s>(names: impl Iterator<Item = &'s str>) -> String {
    names
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The candidate nearest to `name` by edit distance, if it is near enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    let lowered = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .map(|candidate| {
            (
                edit_distance(&lowered, &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, candidate)| (*distance, candidate.len()))
        .map(|(_, candidate)| candidate.to_string())
}

/// Levenshtein distance, counting an adjacent swap as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous2: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut current = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            current[j] = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(previous2[j - 2] + 1);
            }
        }
        previous2 = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{closest, did_you_mean_or};

    #[test]
    fn finds_typos_and_ignores_strangers() {
        let names = ["destination", "date", "activity"];
        assert_eq!(
            closest("destinaton", names),
            Some("destination".to_string())
        );
        assert_eq!(closest("actvity", names), Some("activity".to_string()));
        assert_eq!(closest("colour", names), None);
    }

    #[test]
    fn words_the_question_once() {
        let names = ["destination", "date"];
        let asked = |name: &str| did_you_mean_or(closest(name, names).as_deref(), "none");
        assert_eq!(asked("destinaton"), "did you mean `destination`?");
        assert_eq!(asked("colour"), "none");
        assert_eq!(
            did_you_mean_or(None, "the names are `a`"),
            "the names are `a`"
        );
        assert_eq!(did_you_mean_or(Some("a"), "x"), "did you mean `a`?");
    }
}
