//! The only form in which a secret ever leaves the matcher: its first and last few
//! characters around a fixed mask, so neither the secret nor its length is shown.

/// `AKIAQYLPMN5HFIQR7XYZ` → `AKIA********7XYZ`. Whitespace (the line breaks of a private
/// key) is not counted; secrets shorter than 16 characters show 2 at each end, shorter
/// than 8 none.
pub fn redact(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let keep = match chars.len() {
        n if n >= 16 => 4,
        n if n >= 8 => 2,
        _ => 0,
    };
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head}********{tail}")
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn shows_ends_only() {
        assert_eq!(redact(b"AKIAQYLPMN5HFIQR7XYZ"), "AKIA********7XYZ");
        assert_eq!(redact(b"hunter2x9"), "hu********x9");
        assert_eq!(redact(b"abc"), "********");
        assert_eq!(redact(b"MIIE\nabcdefgh\nijklmnop\n=="), "MIIE********op==");
        assert_eq!(redact("pässwörd-lång".as_bytes()), "pä********ng");
    }
}
