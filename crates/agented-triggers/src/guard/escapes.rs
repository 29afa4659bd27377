//! Terminal escape sequences, removed whole by the guard: CSI (`ESC [ 31 m`, C1 `0x9B`), OSC and
//! the other string sequences (`ESC ] 0;title BEL`, hyperlinks, DCS/SOS/PM/APC), and short `ESC x`
//! escapes. Stripping only the ESC byte would leave fragments such as `[31m` in the prompt.
//!
//! Every function consumes only what belongs to the sequence and leaves the rest for the caller.

pub(super) type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Skips what follows an ESC: a CSI or OSC/DCS-style body, or a short escape (intermediates plus one
/// final byte). A character that cannot belong to an escape is left for the caller.
pub(super) fn skip_escape(chars: &mut Chars<'_>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi_body(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string_body(chars);
        }
        _ => {
            while chars
                .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                .is_some()
            {}
            chars.next_if(|c| ('\u{30}'..='\u{7e}').contains(c));
        }
    }
}

/// Skips CSI parameters, intermediates and the final byte (`31;1m`, `2J`, …).
pub(super) fn skip_csi_body(chars: &mut Chars<'_>) {
    while chars
        .next_if(|c| ('\u{30}'..='\u{3f}').contains(c))
        .is_some()
    {}
    while chars
        .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
        .is_some()
    {}
    chars.next_if(|c| ('\u{40}'..='\u{7e}').contains(c));
}

/// Skips an OSC-style string up to its terminator (BEL, `ESC \` or C1 ST). It stops before a newline
/// so that a stray, unterminated introducer removes at most the rest of one line.
pub(super) fn skip_string_body(chars: &mut Chars<'_>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\n' => return,
            '\u{7}' | '\u{9c}' => {
                chars.next();
                return;
            }
            '\u{1b}' => {
                chars.next();
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {
                chars.next();
            }
        }
    }
}
