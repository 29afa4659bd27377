//! Reading a child's stdout or stderr as lines, with a hard cap on line length.
//!
//! Each stream gets its own task so neither pipe can fill up and block the child while the other is
//! being read. A line longer than the cap is cut into chunks of at most the cap (at a UTF-8 boundary
//! when possible), each marked `split`, so memory per line stays bounded whatever the CLI prints.
//! Bytes are decoded lossily: invalid UTF-8 becomes U+FFFD instead of ending the reader (the original
//! died on the first bad byte and then blocked the child on a full pipe).

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use tokio::sync::mpsc;

/// Which pipe a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Standard output (the CLI's JSON events).
    Stdout,
    /// Standard error (diagnostics, some rate-limit notices).
    Stderr,
}

impl Stream {
    /// `stdout` or `stderr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// One line (or one chunk of an over-long line) of a child's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputLine {
    /// The pipe it came from.
    pub stream: Stream,
    /// The text, without its line ending; invalid UTF-8 replaced by U+FFFD.
    pub content: String,
    /// True if and only if this is one chunk of a line longer than the cap; every chunk of such a
    /// line is marked, the last one included.
    pub split: bool,
}

/// What a reader is doing, so the supervisor can tell a reader stuck on a pipe that something
/// outside the group holds open (give up on it) from one waiting for a slow consumer (keep waiting:
/// giving up would lose lines).
#[derive(Debug, Default)]
pub(crate) struct ReaderProgress {
    /// True while the reader waits for the pipe (not for the consumer).
    pub in_read: AtomicBool,
    /// Bytes read so far.
    pub bytes: AtomicU64,
}

/// Reads `pipe` to its end, sending each line to `tx`.
///
/// Backpressure: `tx` is bounded, so when the consumer falls behind this task waits, the pipe fills
/// and the child blocks on write. Memory stays bounded; the consumer (the log writer) must keep up or
/// batch. If the consumer is gone, the pipe is still drained (and the lines dropped) so the child is
/// never blocked by a reader that stopped reading.
pub(crate) async fn read_lines<R>(
    pipe: R,
    stream: Stream,
    max_line_bytes: usize,
    tx: mpsc::Sender<OutputLine>,
    progress: std::sync::Arc<ReaderProgress>,
) where
    R: AsyncRead + Unpin,
{
    let max = max_line_bytes.max(4);
    let mut reader = BufReader::with_capacity(64 * 1024, pipe);
    let mut line: Vec<u8> = Vec::new();
    // True while the current line has already been cut at least once.
    let mut in_split = false;
    let mut consumer_alive = true;
    // A read error on a pipe means the child side is gone; it ends the stream like EOF does.
    loop {
        progress.in_read.store(true, Ordering::Release);
        let filled = reader.fill_buf().await;
        progress.in_read.store(false, Ordering::Release);
        let Ok(available) = filled else { break };
        if available.is_empty() {
            break;
        }
        progress
            .bytes
            .fetch_add(available.len() as u64, Ordering::AcqRel);
        let room = max - line.len();
        let newline = available.iter().take(room + 1).position(|&b| b == b'\n');
        let (take, complete) = match newline {
            Some(pos) => (pos + 1, true),
            None => (available.len().min(room), false),
        };
        line.extend_from_slice(&available[..take]);
        reader.consume(take);
        let mut out = Vec::new();
        if complete {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            // A line cut exactly at the cap ends with an empty remainder: its last chunk was
            // already sent, so the newline adds nothing (no phantom empty line).
            if !(line.is_empty() && in_split) {
                out.push((std::mem::take(&mut line), in_split));
            }
            in_split = false;
        } else if line.len() >= max {
            let cut = utf8_cut(&line);
            let rest = line.split_off(cut);
            out.push((std::mem::replace(&mut line, rest), true));
            in_split = true;
        }
        for (bytes, split) in out {
            consumer_alive = send(&tx, stream, &bytes, split, consumer_alive).await;
        }
    }
    if !line.is_empty() {
        send(&tx, stream, &line, in_split, consumer_alive).await;
    }
}

async fn send(
    tx: &mpsc::Sender<OutputLine>,
    stream: Stream,
    bytes: &[u8],
    split: bool,
    alive: bool,
) -> bool {
    if !alive {
        return false;
    }
    let content = String::from_utf8_lossy(bytes).into_owned();
    tx.send(OutputLine {
        stream,
        content,
        split,
    })
    .await
    .is_ok()
}

/// Where to cut a full buffer without splitting a UTF-8 sequence: before an incomplete sequence at
/// the end, else at the end. Bytes that are not UTF-8 anyway are cut at the end.
fn utf8_cut(bytes: &[u8]) -> usize {
    let len = bytes.len();
    let Some(start) = (len.saturating_sub(4)..len)
        .rev()
        .find(|&i| bytes[i] & 0xC0 != 0x80)
    else {
        return len;
    };
    let needed = match bytes[start] {
        b if b >= 0xF0 => 4,
        b if b >= 0xE0 => 3,
        b if b >= 0xC0 => 2,
        _ => 1,
    };
    if start + needed <= len || start == 0 {
        len
    } else {
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines_of(input: &[u8], max: usize) -> Vec<OutputLine> {
        let (tx, mut rx) = mpsc::channel(16);
        let input = input.to_vec();
        let reader = tokio::spawn(async move {
            read_lines(&input[..], Stream::Stdout, max, tx, Default::default()).await
        });
        let mut out = Vec::new();
        while let Some(line) = rx.recv().await {
            out.push(line);
        }
        reader.await.unwrap();
        out
    }

    fn texts(lines: &[OutputLine]) -> Vec<(&str, bool)> {
        lines
            .iter()
            .map(|l| (l.content.as_str(), l.split))
            .collect()
    }

    #[tokio::test]
    async fn splits_lines_and_strips_line_endings() {
        let lines = lines_of(b"one\r\ntwo\n\nlast without newline", 64).await;
        assert_eq!(
            texts(&lines),
            [
                ("one", false),
                ("two", false),
                ("", false),
                ("last without newline", false)
            ]
        );
    }

    #[tokio::test]
    async fn over_long_lines_become_marked_chunks() {
        let lines = lines_of(b"abcdefghij\nok\n", 4).await;
        assert_eq!(
            texts(&lines),
            [("abcd", true), ("efgh", true), ("ij", true), ("ok", false)]
        );
        let exact = lines_of(b"abcd\nef", 4).await;
        assert_eq!(texts(&exact), [("abcd", false), ("ef", false)]);
    }

    #[tokio::test]
    async fn chunks_do_not_cut_utf8_sequences() {
        // "ééé" is six bytes; a cap of 5 must cut after the second é, not inside the third.
        let lines = lines_of("ééé\n".as_bytes(), 5).await;
        assert_eq!(texts(&lines), [("éé", true), ("é", true)]);
    }

    #[tokio::test]
    async fn invalid_utf8_is_replaced_not_fatal() {
        let lines = lines_of(b"ok\xff\xfebad\nnext\n", 64).await;
        assert_eq!(
            texts(&lines),
            [("ok\u{fffd}\u{fffd}bad", false), ("next", false)]
        );
    }

    #[tokio::test]
    async fn keeps_draining_after_the_consumer_is_gone() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let input = vec![b'x'; 1 << 20];
        // Completes (rather than hanging) even though nobody receives.
        read_lines(&input[..], Stream::Stderr, 1024, tx, Default::default()).await;
    }
}
