//! Arbitrary bytes as a policy: parse, check and lower it (`Rulebook::from_files`), and format
//! it. Nothing may panic; formatting text that parses gives text that parses, checks as the
//! original does, and formats to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use licit::{MemoryFiles, Rulebook};

fn rulebook(text: &str) -> bool {
    let files = MemoryFiles::new().with("policy.licit", text);
    Rulebook::from_files(&files, "policy.licit").is_ok()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let checks = rulebook(text);
    if let Ok(formatted) = licit::internals::format(text) {
        let again = match licit::internals::format(&formatted) {
            Ok(again) => again,
            Err(errors) => panic!("the formatted text does not parse: {errors:?}\n{formatted}"),
        };
        assert_eq!(again, formatted, "formatting the formatted text changes it");
        assert_eq!(
            rulebook(&formatted),
            checks,
            "the formatted text does not check as the original does\n{formatted}"
        );
    }
});
