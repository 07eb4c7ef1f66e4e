//! Folding letters to plain lower-case ASCII for loose comparison: `Siobhán` → `siobhan`,
//! `Zoë` → `zoe`, `Łukasz` → `lukasz`, `Straße` → `strasse`.
//!
//! A small table covers Latin-1 and Latin Extended-A (the letters of the names a UK hospital
//! sees most), Romanian `ș`/`ț`, and combining diacritical marks (text already decomposed). A
//! letter outside the table is only lower-cased: it then compares equal only to itself, which is
//! the safe direction (a difference shown to a person, never a false match). No dependency is
//! needed for this.

/// U+00C0..=U+00FF, lower-case and unaccented; `None` for `×` and `÷`.
#[rustfmt::skip]
const LATIN_1: [Option<&str>; 64] = {
    const A: Option<&str> = Some("a");
    const C: Option<&str> = Some("c");
    const D: Option<&str> = Some("d");
    const E: Option<&str> = Some("e");
    const I: Option<&str> = Some("i");
    const N: Option<&str> = Some("n");
    const O: Option<&str> = Some("o");
    const U: Option<&str> = Some("u");
    const Y: Option<&str> = Some("y");
    const AE: Option<&str> = Some("ae");
    const TH: Option<&str> = Some("th");
    [
        A, A, A, A, A, A, AE, C, E, E, E, E, I, I, I, I, // C0–CF
        D, N, O, O, O, O, O, None, O, U, U, U, U, Y, TH, Some("ss"), // D0–DF
        A, A, A, A, A, A, AE, C, E, E, E, E, I, I, I, I, // E0–EF
        D, N, O, O, O, O, O, None, O, U, U, U, U, Y, TH, Y, // F0–FF
    ]
};

/// U+0100..=U+017F (Latin Extended-A), lower-case and unaccented.
#[rustfmt::skip]
const LATIN_EXTENDED_A: [&str; 128] = [
    "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d", // 0100–010F
    "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g", // 0110–011F
    "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i", // 0120–012F
    "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l", // 0130–013F
    "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o", // 0140–014F
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s", // 0150–015F
    "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u", // 0160–016F
    "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s", // 0170–017F
];

/// Appends `c` folded to `out`.
fn push_folded(c: char, out: &mut String) {
    let code = u32::from(c);
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if (0x300..=0x36F).contains(&code) {
        // A combining mark: the accent of a decomposed letter.
    } else if (0xC0..=0xFF).contains(&code) {
        match LATIN_1[(code - 0xC0) as usize] {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    } else if (0x100..=0x17F).contains(&code) {
        out.push_str(LATIN_EXTENDED_A[(code - 0x100) as usize]);
    } else if (0x218..=0x219).contains(&code) {
        out.push('s');
    } else if (0x21A..=0x21B).contains(&code) {
        out.push('t');
    } else {
        out.extend(c.to_lowercase());
    }
}

/// `s` in lower case with the accents of Latin letters removed.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_folded(c, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_the_names_hospitals_see() {
        for (written, folded) in [
            ("Siobhán", "siobhan"),
            ("ZOË", "zoe"),
            ("Zoe\u{308}", "zoe"),
            ("Łukasz Wąsowski", "lukasz wasowski"),
            ("Ștefan Țurcanu", "stefan turcanu"),
            ("Straße", "strasse"),
            ("Æthelflæd", "aethelflaed"),
            ("Søren Kierkegård", "soren kierkegard"),
            ("Ðorđe", "dorde"),
            ("Œuvre", "oeuvre"),
            ("İlkay ıĸ", "ilkay ik"),
            ("Ŀĺ ĳ Ÿ ſ", "ll ij y s"),
            ("Niño Ñ", "nino n"),
            ("José Françoise Müller", "jose francoise muller"),
            ("Þóra", "thora"),
            ("O'Brien-Smith", "o'brien-smith"),
        ] {
            assert_eq!(fold(written), folded, "{written}");
        }
    }

    #[test]
    fn letters_outside_the_table_are_only_lower_cased() {
        assert_eq!(fold("ΑΛΕΞΗΣ"), "αλεξησ");
        assert_eq!(fold("Иван"), "иван");
        assert_eq!(fold("2×3÷1"), "2×3÷1");
    }
}
