//! String helpers of the expression functions: NormalizeDiacritics, PCase, Word, InStr,
//! RandomString, and the edit distance behind "did you mean".

use rand::Rng;
use rand::seq::SliceRandom as _;
use unicode_normalization::UnicodeNormalization as _;
use unicode_normalization::char::is_combining_mark;

/// Letters that do not decompose into a base letter and marks, mapped as Entra's table does.
fn special(c: char) -> Option<&'static str> {
    Some(match c {
        'æ' | 'ǣ' => "ae",
        'Æ' | 'Ǣ' => "AE",
        'ø' | 'œ' => "oe",
        'Ø' | 'Œ' => "OE",
        'ß' => "ss",
        'ł' => "l",
        'Ł' => "L",
        'ı' => "i",
        'đ' => "d",
        'Đ' => "D",
        _ => return None,
    })
}

/// Replaces letters with diacritics by their plain equivalents (`Zoë` → `Zoe`, `Ø` → `OE`).
pub(super) fn normalize_diacritics(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match special(c) {
            Some(replacement) => out.push_str(replacement),
            None => out.extend(c.to_string().nfd().filter(|d| !is_combining_mark(*d))),
        }
    }
    // A special letter may carry marks of its own (ø̄): drop those too.
    out.chars().filter(|c| !is_combining_mark(*c)).collect()
}

/// First letter of each word upper case, the rest lower case. Words are separated by the
/// characters of `separators`, or by anything that is not a letter or digit.
pub(super) fn proper_case(s: &str, separators: Option<&str>) -> String {
    let is_separator = |c: char| match separators {
        Some(set) => set.contains(c),
        None => !c.is_alphanumeric(),
    };
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if is_separator(c) {
            out.push(c);
            start = true;
        } else if start {
            out.extend(c.to_uppercase());
            start = false;
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The `n`-th word (from 1) of `s`, words separated by any of `delimiters`; empty when there
/// is none.
pub(super) fn word(s: &str, n: i64, delimiters: &str) -> String {
    if n < 1 {
        return String::new();
    }
    let index = usize::try_from(n - 1).unwrap_or(usize::MAX);
    s.split(|c: char| delimiters.contains(c))
        .filter(|w| !w.is_empty())
        .nth(index)
        .unwrap_or_default()
        .to_owned()
}

/// The 1-based character position of `needle` in `haystack` from `start`, or 0.
pub(super) fn instr(haystack: &str, needle: &str, start: i64, insensitive: bool) -> i64 {
    let fold = |s: &str| {
        if insensitive {
            s.to_lowercase()
        } else {
            s.to_owned()
        }
    };
    let (h, n) = (fold(haystack), fold(needle));
    let skip = usize::try_from(start - 1).unwrap_or(0);
    let offset: usize = h.chars().take(skip).map(char::len_utf8).sum();
    match h.get(offset..).and_then(|rest| rest.find(&n)) {
        Some(byte) => {
            let chars = h[..offset + byte].chars().count();
            i64::try_from(chars + 1).unwrap_or(0)
        }
        None => 0,
    }
}

const DIGITS: &str = "0123456789";
const SPECIALS: &str = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

/// A random string of `length` with at least the given numbers of digits, special characters,
/// capitals and lower-case letters, none of `avoid`. None when the minimums exceed the length
/// or the length exceeds 256.
#[allow(clippy::too_many_arguments)] // RandomString's own parameters.
pub(super) fn random_string(
    length: usize,
    digits: usize,
    specials: usize,
    capitals: usize,
    lowers: usize,
    avoid: &str,
    rng: &mut impl Rng,
) -> Option<String> {
    if length > 256 || digits + specials + capitals + lowers > length {
        return None;
    }
    let pool = |set: &str| -> Vec<char> { set.chars().filter(|c| !avoid.contains(*c)).collect() };
    let sets = [pool(DIGITS), pool(SPECIALS), pool(UPPER), pool(LOWER)];
    let mut out = Vec::with_capacity(length);
    for (set, count) in sets.iter().zip([digits, specials, capitals, lowers]) {
        if count > 0 && set.is_empty() {
            return None;
        }
        for _ in 0..count {
            out.push(*set.choose(rng)?);
        }
    }
    let all: Vec<char> = sets.concat();
    while out.len() < length {
        out.push(*all.choose(rng)?);
    }
    out.shuffle(rng);
    Some(out.into_iter().collect())
}

/// Levenshtein distance, for suggesting the function a misspelt name meant.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}
