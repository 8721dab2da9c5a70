//! String literals for the text formats Portcullis writes: JSON strings (which are also
//! valid YAML double-quoted scalars) and RFC 9110 quoted-strings.

use std::fmt::Write as _;

/// `text` as a JSON string literal. YAML's double-quoted escapes are a superset of JSON's,
/// so the YAML printer uses this too.
pub(crate) fn json(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Controls, the byte-order mark YAML readers strip, and the non-characters YAML
            // refuses.
            c if c.is_control() || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}') => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` as an RFC 9110 quoted-string: `"` and `\` escaped; control characters, which a
/// realm cannot hold and descriptions never do, are dropped rather than sent in a header.
pub(crate) fn http(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::json("a\"b\\c\nd\u{1}\u{feff}é"), r#""a\"b\\c\nd\u0001\ufeffé""#);
        assert_eq!(super::http("a\"b\\c\nd"), r#""a\"b\\cd""#);
    }
}
