//! Prefixed random ids (`trig-…`, `exec-…`, `role-…`), as the original uses, drawn from a CSPRNG.

use rand::Rng;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Returns a new id made of `prefix`, a dash and `len` random characters from `[a-z0-9]`.
pub fn new_id(prefix: &str, len: usize) -> String {
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(prefix.len() + 1 + len);
    id.push_str(prefix);
    id.push('-');
    for _ in 0..len {
        id.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    id
}

/// Returns true if and only if `id` is `prefix-` followed by 1 to 64 characters of `[a-z0-9]`.
///
/// Used at the edge so that a malformed id is a 404 without reaching the database.
pub fn is_valid(prefix: &str, id: &str) -> bool {
    match id
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
    {
        Some(rest) => {
            !rest.is_empty()
                && rest.len() <= 64
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_carry_their_prefix_and_validate() {
        let id = new_id("role", 12);
        assert!(id.starts_with("role-"));
        assert_eq!(id.len(), "role-".len() + 12);
        assert!(is_valid("role", &id));
        assert!(!is_valid("trig", &id));
        assert!(!is_valid("role", "role-"));
        assert!(!is_valid("role", "role-ABC"));
        assert!(!is_valid("role", "role-a/b"));
    }
}
