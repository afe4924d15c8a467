//! The pieces every reader of a zip package shares (XLSX workbooks, DOCX and ODT documents,
//! REFI-QDA projects): the entry count read from the central directory before the zip crate
//! reads it, an entry refused past the size it declares, and the budget of one XML event.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::limits::LimitExceeded;

/// The number of entries the archive's central directory lists, read from its end record (or
/// the zip64 one) without reading the directory; `None` when there is no end record (not a
/// zip, or cut short). The reader is left at the start.
pub(crate) fn entry_count<R: Read + Seek + ?Sized>(r: &mut R) -> io::Result<Option<u64>> {
    let len = r.seek(SeekFrom::End(0))?;
    let tail_len = len.min(22 + 65_535);
    let mut tail = vec![0u8; tail_len as usize];
    r.seek(SeekFrom::Start(len - tail_len))?;
    r.read_exact(&mut tail)?;
    r.seek(SeekFrom::Start(0))?;
    let Some(at) = (0..tail.len().saturating_sub(21)).rev().find(|&i| tail[i..].starts_with(b"PK\x05\x06")) else {
        return Ok(None);
    };
    let mut entries = u64::from(u16::from_le_bytes([tail[at + 10], tail[at + 11]]));
    if entries == 0xFFFF && at >= 20 && tail[at - 20..].starts_with(b"PK\x06\x07") {
        // Zip64: the count is in the zip64 end record.
        let mut off = [0u8; 8];
        off.copy_from_slice(&tail[at - 12..at - 4]);
        let mut rec = [0u8; 56];
        r.seek(SeekFrom::Start(u64::from_le_bytes(off)))?;
        r.read_exact(&mut rec)?;
        r.seek(SeekFrom::Start(0))?;
        let mut n = [0u8; 8];
        n.copy_from_slice(&rec[32..40]);
        entries = u64::from_le_bytes(n);
    }
    Ok(Some(entries))
}

/// A zip entry's unpacked bytes, refused past the size the entry declares (which was checked
/// against the limits before it was opened).
pub(crate) struct EntryReader<R> {
    pub(crate) inner: R,
    pub(crate) left: u64,
    pub(crate) declared: u64,
    pub(crate) entry: String,
}

impl<R: Read> EntryReader<R> {
    pub(crate) fn new(inner: R, declared: u64, entry: &str) -> EntryReader<R> {
        EntryReader { inner, left: declared, declared, entry: entry.into() }
    }
}

impl<R: Read> Read for EntryReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Read one byte more than is left, to tell a lying header from the end.
        let want = buf.len().min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(LimitExceeded::EntryLied { entry: self.entry.clone(), declared: self.declared }.into_io());
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Counts the bytes handed to the XML parser since the last event: one event (a tag, a text)
/// longer than the limit is an error, not a buffer of that size.
pub(crate) struct MarkupBudget<R> {
    pub(crate) inner: R,
    pub(crate) used: Arc<AtomicU64>,
    pub(crate) max: u64,
}

impl<R: Read> Read for MarkupBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.used.load(Ordering::Relaxed) > self.max {
            return Err(LimitExceeded::MarkupBytes(self.max).into_io());
        }
        let n = self.inner.read(buf)?;
        self.used.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
