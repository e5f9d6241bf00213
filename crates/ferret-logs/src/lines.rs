//! A bounded line reader for text logs: lines of any length cost at most
//! `max_line` bytes of memory; longer lines are reported and skipped.

use std::io::{self, BufRead};

/// One line, or the fact that a line was too long.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// The line's bytes, without the `\n` or `\r\n`.
    Text(&'a [u8]),
    /// A line longer than the limit; its length in bytes.
    TooLong(u64),
}

/// Reads lines from `R`, keeping at most `max` bytes of any one.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    max: usize,
    line_no: u64,
    bytes: u64,
}

impl<R: BufRead> LineReader<R> {
    /// A reader that keeps lines up to `max` bytes.
    pub fn new(inner: R, max: usize) -> LineReader<R> {
        LineReader {
            inner,
            buf: Vec::new(),
            max,
            line_no: 0,
            bytes: 0,
        }
    }

    /// The 1-based number of the line last returned.
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// Bytes consumed so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The next line, `None` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let mut total: u64 = 0;
        let mut saw_any = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            saw_any = true;
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            let content = if done { &chunk[..take - 1] } else { chunk };
            if self.buf.len() + content.len() <= self.max {
                self.buf.extend_from_slice(content);
            } else if self.buf.len() < self.max {
                let room = self.max - self.buf.len();
                self.buf.extend_from_slice(&content[..room]);
            }
            total += content.len() as u64;
            self.inner.consume(take);
            self.bytes += take as u64;
            if done {
                break;
            }
        }
        if !saw_any {
            return Ok(None);
        }
        self.line_no += 1;
        if total > self.max as u64 {
            return Ok(Some(Line::TooLong(total)));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some(Line::Text(&self.buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_reported_not_kept() {
        let data = b"short\r\nxxxxxxxxxxxxxxxxxxxx\nlast";
        let mut r = LineReader::new(&data[..], 8);
        assert_eq!(r.next_line().unwrap(), Some(Line::Text(b"short")));
        assert_eq!(r.next_line().unwrap(), Some(Line::TooLong(20)));
        assert_eq!(r.next_line().unwrap(), Some(Line::Text(b"last")));
        assert_eq!(r.line_no(), 3);
        assert_eq!(r.next_line().unwrap(), None);
    }
}
