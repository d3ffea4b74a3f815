//! Scenarios in links: the RON text deflated and base64url-encoded, for `#s=...` in the web
//! build's address, so a teacher can paste one URL (edits made through the console included).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Compression level (miniz 0-10): links are made rarely, so take the smallest.
const LEVEL: u8 = 10;
/// A shared scenario may not inflate past this (a link is not a zip bomb).
const MAX_TEXT: usize = 4 << 20;

/// The text as it goes after `#s=`.
pub fn encode(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(
        text.as_bytes(),
        LEVEL,
    ))
}

/// The text back from a `#s=` value, or what is wrong with it.
pub fn decode(fragment: &str) -> Result<String, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(fragment.trim())
        .map_err(|e| format!("the link's scenario is not valid base64url: {e}"))?;
    let raw = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_TEXT)
        .map_err(|e| format!("the link's scenario does not inflate: {e:?}"))?;
    String::from_utf8(raw).map_err(|_| "the link's scenario is not UTF-8 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_is_shorter_than_the_text() {
        let file = format!("{}/../../scenarios/default.ron", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(file).unwrap();
        let link = encode(&text);
        assert!(link.len() < text.len(), "{} vs {}", link.len(), text.len());
        assert!(
            link.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(decode(&link).unwrap(), text);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode("!!!").unwrap_err().contains("base64url"));
        assert!(decode("AAAA").is_err());
    }
}
