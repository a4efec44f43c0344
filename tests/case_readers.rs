//! The two case readers agree: every case the one-pass reader (`decode_case_fast`) accepts, the
//! careful reader with its JSON tree (`decode_case_careful`) reads to the same value, over the
//! example policy's case files. The `case` fuzz target checks the same on arbitrary input.

use std::path::PathBuf;
use std::sync::Arc;

use licit::MemoryFiles;
use licit::internals::{
    Program, decode_case_bytes_fast, decode_case_careful, decode_case_fast, load_and_check,
    recycle_case,
};

fn program() -> Program {
    let text = std::fs::read_to_string("policies/examples/cyber-catch-all/policy.licit")
        .unwrap_or_default();
    let files = MemoryFiles::new().with("policy.licit", text);
    let Ok(result) = load_and_check(&files, "policy.licit".as_ref()) else {
        panic!("the example policy loads");
    };
    let Some(policy) = result.checked else {
        panic!("the example policy checks");
    };
    Program::lower(Arc::clone(&policy), &[])
}

#[test]
fn the_readers_agree_on_the_case_files() {
    let program = program();
    let mut paths: Vec<PathBuf> = ["examples", "tests/cases"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().flatten())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    let mut fast_read = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let careful = decode_case_careful(&program, &text);
        // The fast reader gives up on anything unusual; the careful one explains it.
        if let Some(fast) = decode_case_fast(&program, &text) {
            fast_read += 1;
            let Ok(careful) = careful else {
                panic!("{}: only the fast reader reads it", path.display());
            };
            assert_eq!(
                format!("{fast:?}"),
                format!("{careful:?}"),
                "{}",
                path.display()
            );
        }
    }
    // Both kinds are there: cases the fast reader reads, and bad ones it leaves.
    assert!(fast_read >= 5, "{fast_read} of {} read fast", paths.len());
    assert!(fast_read < paths.len());
}

/// The EU dual-use rulebook, lowered.
fn dual_use() -> Arc<Program> {
    let Ok(rulebook) = licit::Rulebook::load("policies/eu/dual-use") else {
        panic!("the rulebook loads");
    };
    licit::internals::program(&rulebook)
}

/// Cases that give nested objects again (which the one-pass reader shares from the ones it read
/// lately), objects that begin alike and differ only at their end, keys out of order, with space
/// about them, left out or given twice, and values the one-pass reader leaves to the careful
/// one: read one after another, each twice, the readers agree on every case the one-pass
/// reader accepts, and it accepts the usual ones.
#[test]
fn the_readers_agree_on_repeated_and_unusual_objects() {
    let program = dual_use();
    let head =
        r#""date":"2022-02-21","activity":"export","exporter_state":"ES","destination":"SG""#;
    let item = r#"{"name":"Firmware for secure router SR-9 with a long name","annex_i":"5D002.c.1","related_to":"5A002.a"}"#;
    let items = [
        item.to_string(),
        item.replace('}', r#","cyber_surveillance":true}"#),
        item.replace('}', r#","cyber_surveillance":false}"#),
        item.replace("5A002.a", "5A002.b"),
        item.replace(r#""annex_i":"5D002.c.1""#, r#""annex_i":null"#),
        r#"{"related_to":"5A002.a","name":"Firmware for secure router SR-9 with a long name"}"#
            .to_string(),
        r#"{ "name" : "Firmware for secure router SR-9 with a long name" , "annex_i":"5D002.c.1" }"#
            .to_string(),
        r#"{"name":"Firmware for secure router SR-9 with a long name","name":"twice"}"#.to_string(),
        r#"{"name":"Firmware for secure router SR-9 with a long name","colour":"red"}"#.to_string(),
        r#"{"name":"Firmware \u0066or secure router SR-9 with a long name"}"#.to_string(),
        "{}".to_string(),
    ];
    let end_users = [
        r#"{"name":"Armed Forces Logistics Command","kind":"military"}"#,
        r#"{"name":"Armed Forces Logistics Command","kind":"military_industry"}"#,
        r#"{"name":"Armed Forces Logistics Command"}"#,
        r#"{"kind":"technical_assistance"}"#,
    ];
    let licence = r#"{"id":"DE-1","kind":"individual","items":["5D002.c.1","5A002.a"],"destinations":["SG","DE"],"end_users":["B","A","B"],"valid_from":"2016-01-01","valid_until":"2030-12-31"}"#;
    let mut cases = Vec::new();
    for item in &items {
        for end_user in end_users {
            cases.push(format!(r#"{{{head},"item":{item},"end_user":{end_user}}}"#));
            cases.push(format!(
                r#"{{"end_user":{end_user},{head},"item":{item},"licences":[{licence},{licence}]}}"#
            ));
        }
    }
    let mut fast_read = 0;
    for case in cases.iter().chain(&cases) {
        if let Some(fast) = decode_case_fast(&program, case) {
            fast_read += 1;
            let Ok(careful) = decode_case_careful(&program, case) else {
                panic!("only the fast reader reads {case}");
            };
            assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{case}");
        }
    }
    // The usual objects are read fast; the unusual ones are left to the careful reader.
    assert!(
        fast_read > cases.len(),
        "{fast_read} of {} read fast",
        2 * cases.len()
    );
    assert!(fast_read < 2 * cases.len());
}

/// Cases read one after another with each given back to the one-pass reader after it (as a
/// batch does), so that the next is read into the records, sets and texts of the one before:
/// licence lists of none, one and two licences, with item and end-user lists of other lengths,
/// fields given in one case and left out of the next, nested objects given and left out. The
/// readers agree on every case, whatever came before it.
#[test]
fn the_readers_agree_on_cases_read_into_the_ones_before() {
    let program = dual_use();
    let licence = |id: &str, items: &str, end_users: &str| {
        format!(
            r#"{{"id":"{id}","kind":"individual","items":[{items}],"destinations":["SG","DE"],"end_users":[{end_users}],"valid_from":"2016-01-01","valid_until":"2030-12-31"}}"#
        )
    };
    let licences = [
        String::new(),
        licence("DE-1", r#""5D002.c.1""#, ""),
        licence("DE-2", r#""5D002.c.1","5A002.a""#, r#""B","A""#),
        format!(
            "{},{}",
            licence("DE-3", r#""5A002.a""#, r#""A""#),
            licence("DE-4", r#""1C350""#, r#""C","B""#)
        ),
        licence("DE-5", r#""5A002.a","5D002.c.1","1C350""#, r#""A""#),
    ];
    let tails = [
        r#","item":{"name":"Router","annex_i":"5A002.a"},"end_user":{"name":"A","kind":"military"},"informed":["military_end_use"],"free_zone":true"#,
        r#","item":{"annex_i":null},"aware":["wmd"],"general_authorisations":["EU001","EU008"]"#,
        r#","end_user":{"kind":"government"},"leaves_from":"FR","original_export_date":"2020-01-01""#,
        "",
    ];
    let mut cases = Vec::new();
    for (round, licences) in licences.iter().enumerate() {
        for (other, tail) in tails.iter().enumerate() {
            let activity =
                ["export", "intra_eu_transfer", "technical_assistance"][(round + other) % 3];
            cases.push(format!(
                r#"{{"date":"2022-02-21","activity":"{activity}","exporter_state":"ES","destination":"SG"{tail},"licences":[{licences}]}}"#
            ));
        }
    }
    let mut fast_read = 0;
    // Forwards and backwards, so that each kind of case follows several others.
    for case in cases.iter().chain(cases.iter().rev()) {
        let Some(fast) = decode_case_fast(&program, case) else {
            panic!("the fast reader reads {case}");
        };
        fast_read += 1;
        let Ok(careful) = decode_case_careful(&program, case) else {
            panic!("only the fast reader reads {case}");
        };
        assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{case}");
        recycle_case(fast);
    }
    assert_eq!(fast_read, 2 * cases.len());
}

/// Licences whose lists of items and end users repeat (which the one-pass reader shares from
/// the sets it read lately, by their text): the same list followed by other fields, lists that
/// begin alike and differ after their first 32 bytes or only in their last member, lists with
/// a `]` in a member, unsorted and repeated members, an escape, and one list given where
/// another stood before. Read several times over, each given back after it, the readers agree
/// on every case.
#[test]
fn the_readers_agree_on_repeated_lists_of_texts() {
    let program = dual_use();
    let lists = [
        r#"["5A002.a.1"]"#,
        r#"["5A002.a.1","5D001.a"]"#,
        r#"["5D001.a","5A002.a.1","5D001.a"]"#,
        r#"["Armed Forces Logistics Command","Defence Systems Industries Ltd"]"#,
        r#"["Armed Forces Logistics Command","Defence Systems Industries Ltc"]"#,
        r#"["Armed Forces Logistics Command"]"#,
        r#"["a]b","c"]"#,
        r#"["a]b","d"]"#,
        r#"[ "5A002.a.1" ]"#,
        r#"["5A002.a.\u0031"]"#,
        "[]",
    ];
    let mut cases = Vec::new();
    for (round, items) in lists.iter().enumerate() {
        let end_users = lists[(round * 7 + 3) % lists.len()];
        let destinations = ["[\"SG\"]", "[\"DE\",\"SG\"]"][round % 2];
        cases.push(format!(
            r#"{{"date":"2022-02-21","activity":"export","exporter_state":"ES","destination":"SG","licences":[{{"id":"DE-{round}","kind":"individual","items":{items},"destinations":{destinations},"end_users":{end_users},"valid_from":"2016-01-01","valid_until":"2030-12-31"}}]}}"#
        ));
        cases.push(format!(
            r#"{{"date":"2022-02-21","activity":"export","exporter_state":"ES","destination":"SG","licences":[{{"end_users":{items},"items":{end_users},"kind":"global","id":"FR-{round}","destinations":{destinations},"valid_from":"2016-01-01","valid_until":"2030-12-31"}}]}}"#
        ));
    }
    let mut fast_read = 0;
    for _ in 0..3 {
        for case in cases.iter().chain(cases.iter().rev()) {
            let careful = decode_case_careful(&program, case);
            let Some(fast) = decode_case_fast(&program, case) else {
                continue;
            };
            fast_read += 1;
            let Ok(careful) = careful else {
                panic!("only the fast reader reads {case}");
            };
            assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{case}");
            recycle_case(fast);
        }
    }
    // Every list is read fast, the one with an escape too.
    assert_eq!(fast_read, 6 * cases.len(), "{fast_read}");
}

/// A program lowered from a policy's text.
fn program_of(text: &str) -> Program {
    let files = MemoryFiles::new().with("policy.licit", text);
    let Ok(result) = load_and_check(&files, "policy.licit".as_ref()) else {
        panic!("the policy loads");
    };
    let Some(policy) = result.checked else {
        panic!("the policy checks");
    };
    Program::lower(Arc::clone(&policy), &[])
}

/// Two programs whose record types have the same number but other members: the nested record
/// one program's cases gave again (and the one-pass reader kept) is not given to the other's
/// case of the same text, on the same thread.
#[test]
fn records_read_for_one_program_are_not_given_to_another() {
    let policy = |members: &str| {
        format!(
            "policy \"p\"\nverdicts denied > allowed\notherwise allowed\nenum K {{ {members} }}\nrecord R {{\n  k: K\n}}\ninput Case {{\n  date: date\n  r: R\n}}\n"
        )
    };
    let first = program_of(&policy("a, b"));
    let second = program_of(&policy("b, a"));
    let case = r#"{"date":"2024-01-01","r":{"k":"a"}}"#;
    for program in [&first, &first, &first, &second, &second, &first] {
        let Some(fast) = decode_case_fast(program, case) else {
            panic!("the fast reader reads {case}");
        };
        let Ok(careful) = decode_case_careful(program, case) else {
            panic!("the careful reader reads {case}");
        };
        assert_eq!(format!("{fast:?}"), format!("{careful:?}"));
    }
}

/// Enum members written as the one-pass reader finds short names (by the word of the name and
/// its closing quote) and as it does not: names of one to nine bytes, an escape or a control
/// character in or just after a short name, a name cut short or run on, an empty string and
/// space inside the quotes, in an enum field and in a set of members. The readers agree on
/// every case the one-pass reader accepts, and it accepts exactly the members as they are.
#[test]
fn the_readers_agree_on_members_short_and_unusual() {
    let program = dual_use();
    let members = [
        ("export", true),
        ("transit", true),
        ("brokering", true),
        ("intra_eu_transfer", true),
        ("technical_assistance", true),
        (r"expor\u0074", false),
        (r#"ex\"port"#, false),
        ("ex\u{1}port", false),
        ("expor", false),
        ("exportx", false),
        ("export ", false),
        ("", false),
        (r"\u0065", false),
    ];
    let countries = [
        ("DE", true),
        ("SG", true),
        (r"D\u0045", false),
        (r"D\\", false),
        ("D\u{0}", false),
        ("D", false),
        ("DEU", false),
    ];
    let authorisations = [
        (r#"["EU001","EU008"]"#, true),
        (r#"["EU008","EU001","EU008"]"#, true),
        (r#"[ "EU003" , "EU004" ]"#, true),
        (r#"["EU00\u0031"]"#, false),
        (r#"["EU0011"]"#, false),
        (r#"["EU00"]"#, false),
        (r#"[""]"#, false),
    ];
    let mut cases = Vec::new();
    for (activity, activity_usual) in members {
        for (country, country_usual) in countries {
            for (listed, listed_usual) in authorisations {
                cases.push((
                    format!(
                        r#"{{"date":"2022-02-21","activity":"{activity}","exporter_state":"ES","destination":"{country}","general_authorisations":{listed}}}"#
                    ),
                    activity_usual && country_usual && listed_usual,
                ));
            }
        }
    }
    for (case, usual) in &cases {
        let careful = decode_case_careful(&program, case);
        let fast = decode_case_fast(&program, case);
        assert_eq!(fast.is_some(), *usual, "{case}");
        if let Some(fast) = fast {
            let Ok(careful) = careful else {
                panic!("only the fast reader reads {case}");
            };
            assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{case}");
        }
    }
}

/// Dates as the one-pass reader reads them (eight bytes at a time) and as it leaves them to the
/// careful reader: every day of several years (leap and not), days out of their month, years
/// and months out of the calendar, digits cut short or run on, a dash, a digit or the quote
/// out of place, bytes just below and above the digits, an escape and space inside the quotes.
/// The readers agree on every case the one-pass reader accepts, and it accepts exactly the
/// days of the calendar written as they should be.
#[test]
fn the_readers_agree_on_dates() {
    let program = dual_use();
    let mut dates: Vec<(String, bool)> = Vec::new();
    for year in [1, 1900, 1999, 2000, 2023, 2024, 9999] {
        for month in 0..=13u32 {
            for day in 0..=32u32 {
                let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
                let length = match month {
                    1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                    4 | 6 | 9 | 11 => 30,
                    2 if leap => 29,
                    2 => 28,
                    _ => 0,
                };
                let usual = (1..=length).contains(&day);
                dates.push((format!("{year:04}-{month:02}-{day:02}"), usual));
            }
        }
    }
    for (text, usual) in [
        ("0000-01-01", false),
        ("2024-1-01", false),
        ("2024-01-1", false),
        ("2024-01-011", false),
        ("2024/01/01", false),
        ("2024-01-01 ", false),
        (" 2024-01-01", false),
        ("202401-01-", false),
        ("2024-0101", false),
        ("2024-01-/1", false),
        ("2024-01-:1", false),
        ("/024-01-01", false),
        (":024-01-01", false),
        ("2024-0:-01", false),
        ("2024-01-0\u{0}", false),
        (r"2024-01-0\u0031", false),
        ("", false),
        ("2024-12-31", true),
    ] {
        dates.push((text.to_string(), usual));
    }
    for (date, usual) in &dates {
        let case = format!(
            r#"{{"date":"{date}","activity":"export","exporter_state":"ES","destination":"SG","licences":[{{"id":"DE-1","kind":"individual","items":[],"destinations":[],"valid_from":"{date}","valid_until":"2030-12-31"}}]}}"#
        );
        let careful = decode_case_careful(&program, &case);
        let fast = decode_case_fast(&program, &case);
        assert_eq!(fast.is_some(), *usual, "{case}");
        if let Some(fast) = fast {
            let Ok(careful) = careful else {
                panic!("only the fast reader reads {case}");
            };
            assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{case}");
        }
    }
}

/// The one-pass reader takes a batch's line as bytes, not asked first whether they are UTF-8:
/// it reads texts of any script (each its own number of bytes a character) as the careful
/// reader does, and nothing that is not UTF-8, wherever the bad byte is (in a text, a text
/// read before and kept, a name, a key, a date, between tokens), whichever bytes it is (a lone
/// continuation byte, a character cut short, a byte never in UTF-8, an encoded surrogate or
/// an over-long encoding).
#[test]
fn the_one_pass_reader_reads_only_utf8() {
    let program = dual_use();
    let names = [
        "Müller Präzisionstechnik GmbH",
        "Société Générale d'Équipements",
        "Служба безопасности",
        "中华人民共和国公安部",
        "Router 🛰 SR-9",
        "ß",
    ];
    let case = |name: &str| {
        format!(
            r#"{{"date":"2022-02-21","activity":"export","exporter_state":"ES","destination":"CN","item":{{"name":"{name}","annex_i":"5A002.a"}},"end_user":{{"name":"{name}","kind":"government"}},"licences":[{{"id":"DE-1","kind":"individual","items":["5A002.a"],"destinations":["CN"],"end_users":["{name}"],"valid_from":"2016-01-01","valid_until":"2030-12-31"}}]}}"#
        )
    };
    let mut fast_read = 0;
    for name in names {
        let text = case(name);
        // Twice: the second time its texts are the ones kept from the first.
        for _ in 0..2 {
            let Some(fast) = decode_case_bytes_fast(&program, text.as_bytes()) else {
                panic!("the fast reader reads {text}");
            };
            let Ok(careful) = decode_case_careful(&program, &text) else {
                panic!("only the fast reader reads {text}");
            };
            assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{text}");
            recycle_case(fast);
            fast_read += 1;
        }
        // Each byte in turn made one that breaks UTF-8 where it stands, the case read again.
        let bad_bytes: [&[u8]; 6] = [
            b"\x80",
            b"\xBF",
            b"\xC3",
            b"\xFF",
            b"\xED\xA0\x80",
            b"\xC0\xAF",
        ];
        for at in 0..text.len() {
            for bad in bad_bytes {
                let mut bytes = text.as_bytes().to_vec();
                bytes.splice(at..at + 1, bad.iter().copied());
                if std::str::from_utf8(&bytes).is_ok() {
                    continue;
                }
                if let Some(fast) = decode_case_bytes_fast(&program, &bytes) {
                    panic!(
                        "the fast reader reads bytes that are not UTF-8: {:?} as {fast:?}",
                        String::from_utf8_lossy(&bytes)
                    );
                }
            }
        }
    }
    assert_eq!(fast_read, 2 * names.len());
}

/// Texts with escapes (as Python's `json.dumps` writes every character beyond ASCII, `\u00fc`)
/// are read by the one-pass reader as the careful reader decodes them: every simple escape,
/// `\u` in either case, a surrogate pair, an escaped quote and backslash, an escape at either
/// end; and it leaves to the careful reader, which refuses them, an unknown escape, a `\u`
/// escape cut short or with a digit that is not hex, a surrogate unpaired either way, a raw
/// control character and a string that does not end.
#[test]
fn the_readers_agree_on_escaped_texts() {
    let program = dual_use();
    let case = |name: &str| {
        format!(
            r#"{{"date":"2022-02-21","activity":"export","exporter_state":"ES","destination":"CN","item":{{"name":"{name}"}},"end_user":{{"name":"{name}","kind":"government"}},"licences":[{{"id":"DE-1","kind":"individual","items":["5A002.a"],"destinations":["CN"],"end_users":["{name}","B"],"valid_from":"2016-01-01","valid_until":"2030-12-31"}}]}}"#
        )
    };
    let read = [
        r"M\u00fcller Pr\u00E4zisionstechnik GmbH",
        r"Soci\u00e9t\u00e9 G\u00e9n\u00e9rale",
        r"\u4e2d\u534e\u4eba\u6c11",
        r"Router \ud83d\udef0 SR-9",
        r#"a \"quoted\" name \\ with \/ and \b\f\n\r\t"#,
        r"\u0041BC",
        r"ABC\u0041",
        r"\u0000",
        "Müller \\u00fc",
    ];
    for name in read {
        let text = case(name);
        for _ in 0..2 {
            let Some(fast) = decode_case_fast(&program, &text) else {
                panic!("the fast reader reads {text}");
            };
            let Ok(careful) = decode_case_careful(&program, &text) else {
                panic!("only the fast reader reads {text}");
            };
            assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{text}");
            recycle_case(fast);
        }
    }
    let refused = [
        r"\x41",
        r"\u00f",
        r"\u00g1",
        r"\ud83d",
        r"\ud83d\u0041",
        r"\ud83dx",
        r"\udef0",
        "a raw\ttab",
        "raw\u{1}control",
    ];
    for name in refused {
        let text = case(name);
        assert!(
            decode_case_careful(&program, &text).is_err(),
            "the careful reader refuses {text}"
        );
        assert!(
            decode_case_fast(&program, &text).is_none(),
            "the fast reader leaves {text} to the careful one"
        );
    }
    let cut = case(r"M\u00fcller");
    let cut = &cut[..cut.find("ller").unwrap_or_default()];
    assert!(decode_case_fast(&program, cut).is_none());
}

/// Keys in an order other than the declared one (sorted, as `jq -S` and some serialisers write
/// them; reversed; a different order for each record type), with fields left out, given twice
/// or unknown, one order after another on one thread (the one-pass reader learns the order the
/// keys come in and expects it): the readers agree on every case, the one-pass reader reads
/// every case but those the careful one refuses, and those it leaves.
#[test]
fn the_readers_agree_whatever_order_the_keys_come_in() {
    let program = dual_use();
    let base: Vec<(&str, &str)> = vec![
        ("date", r#""2022-02-21""#),
        ("activity", r#""export""#),
        ("exporter_state", r#""ES""#),
        ("destination", r#""SG""#),
        (
            "item",
            r#"{"name":"Router","annex_i":"5A002.a","related_to":null}"#,
        ),
        ("end_user", r#"{"name":"A","kind":"military"}"#),
        ("informed", r#"["military_end_use"]"#),
        ("general_authorisations", r#"["EU001"]"#),
        (
            "licences",
            r#"[{"id":"DE-1","kind":"individual","items":["5A002.a"],"destinations":["SG"],"end_users":["A"],"valid_from":"2016-01-01","valid_until":"2030-12-31"},{"valid_until":"2030-12-31","valid_from":"2016-01-01","kind":"global","id":"DE-2","items":["5A002.a"],"destinations":["SG"]}]"#,
        ),
    ];
    let object = |fields: &[(&str, &str)]| {
        let members: Vec<String> = fields
            .iter()
            .map(|(key, value)| format!(r#""{key}":{value}"#))
            .collect();
        format!("{{{}}}", members.join(","))
    };
    let mut sorted = base.clone();
    sorted.sort();
    let mut reversed = base.clone();
    reversed.reverse();
    let mut orders = vec![base.clone(), sorted.clone(), reversed.clone()];
    // Fields left out of each order, one at a time.
    for order in [&base, &sorted, &reversed] {
        for left_out in 0..order.len() {
            let mut fewer = order.clone();
            fewer.remove(left_out);
            orders.push(fewer);
        }
    }
    let mut cases: Vec<String> = orders.iter().map(|order| object(order)).collect();
    // A key given twice, and one no record has, in a learned order: the careful reader's.
    let mut twice = sorted.clone();
    twice.push(("activity", r#""transit""#));
    let mut unknown = sorted.clone();
    unknown.insert(3, ("colour", r#""red""#));
    let refused = [object(&twice), object(&unknown)];
    let mut fast_read = 0;
    // Each order several times in a row, then the next: each is learned over the one before.
    for _ in 0..2 {
        for case in &cases {
            for _ in 0..3 {
                // A required field left out: the careful reader says so.
                let Ok(careful) = decode_case_careful(&program, case) else {
                    assert!(decode_case_fast(&program, case).is_none(), "{case}");
                    continue;
                };
                let Some(fast) = decode_case_fast(&program, case) else {
                    panic!("the fast reader reads {case}");
                };
                assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{case}");
                recycle_case(fast);
                fast_read += 1;
            }
            for bad in &refused {
                assert!(decode_case_careful(&program, bad).is_err(), "{bad}");
                assert!(decode_case_fast(&program, bad).is_none(), "{bad}");
            }
        }
        cases.reverse();
    }
    // All but the cases without one of the four required fields, in each of three orders.
    assert_eq!(fast_read, 6 * (cases.len() - 3 * 4));
}
