//! Writing a directory as LDIF (RFC 2849), so a real OpenLDAP server can be loaded with exactly
//! the sandbox's entries.

use base64::Engine as _;

use super::Directory;

impl Directory {
    /// The directory as LDIF (RFC 2849) content records, parents before children in insertion
    /// order, for `slapadd` or `ldapadd`: one record per entry, each followed by a blank line
    /// (no `version: 1` line: `slapadd` takes it for a record without a DN). Values (and DNs) that are not safe as plain text — non-ASCII,
    /// control characters, or a leading space, `:` or `<`, or a trailing space — are written
    /// base64-encoded after `::`; lines longer than 76 characters are folded.
    pub fn to_ldif(&self) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            ldif_line(&mut out, "dn", &entry.dn);
            for (name, values) in &entry.attrs {
                for value in values {
                    ldif_line(&mut out, name, value);
                }
            }
            out.push('\n');
        }
        out
    }
}

/// Appends `name: value` (or `name:: base64` when the value is not SAFE-STRING) to `out`,
/// folded at 76 characters, with a newline.
fn ldif_line(out: &mut String, name: &str, value: &str) {
    let safe = value.bytes().enumerate().all(|(i, b)| {
        b.is_ascii()
            && b != 0
            && b != b'\n'
            && b != b'\r'
            && !(i == 0 && matches!(b, b' ' | b':' | b'<'))
    }) && !value.ends_with(' ');
    let line = if safe {
        format!("{name}: {value}")
    } else {
        format!(
            "{name}:: {}",
            base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
        )
    };
    // Plain lines are ASCII and base64 is ASCII, so byte positions are character boundaries.
    let mut rest = line.as_str();
    let mut width = 76;
    while rest.len() > width {
        let (head, tail) = rest.split_at(width);
        out.push_str(head);
        out.push_str("\n ");
        rest = tail;
        width = 75;
    }
    out.push_str(rest);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::super::*;

    #[test]
    fn ldif_is_rfc_2849() {
        let mut d = Directory::new();
        d.push(
            Entry::new("o=nhs")
                .with("objectClass", ["top", "organization"])
                .with("o", ["nhs"]),
        );
        d.push(
            Entry::new("cn=Zoë,o=nhs")
                .with(
                    "cn",
                    ["Zoë", " lead", "trail ", ":colon", "<angle", "a:b<c", ""],
                )
                .with("description", ["x".repeat(80)]),
        );
        let want = format!(
            "dn: o=nhs\n\
             objectClass: top\n\
             objectClass: organization\n\
             o: nhs\n\
             \n\
             dn:: Y249Wm/DqyxvPW5ocw==\n\
             cn:: Wm/Dqw==\n\
             cn:: IGxlYWQ=\n\
             cn:: dHJhaWwg\n\
             cn:: OmNvbG9u\n\
             cn:: PGFuZ2xl\n\
             cn: a:b<c\n\
             cn: \n\
             description: {}\n {}\n\
             \n",
            "x".repeat(63),
            "x".repeat(17)
        );
        assert_eq!(d.to_ldif(), want);
    }
}
