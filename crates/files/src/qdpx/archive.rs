//! The zip side of a `.qdpx`, read within [`Limits`] as the XLSX reader reads workbooks: the
//! entry count is checked before the zip crate loads the central directory, each entry's
//! declared size and compression ratio before it is unpacked, and its stream is cut off at
//! the size it declares.

use std::io::{self, Read, Seek, SeekFrom};

use zip::{CompressionMethod, ZipArchive};

use super::QdpxError;
use crate::limits::{LimitExceeded, Limits, RATIO_FREE_BYTES};

/// Whether the stream starts like a zip archive (it is rewound either way).
pub(super) fn is_zip<R: Read + Seek>(r: &mut R) -> Result<bool, QdpxError> {
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < head.len() {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(QdpxError::Io(e)),
        }
    }
    r.seek(SeekFrom::Start(0)).map_err(QdpxError::Io)?;
    Ok(got == 4 && (head == *b"PK\x03\x04" || head == *b"PK\x05\x06"))
}

pub(super) struct Archive<R: Read + Seek> {
    zip: ZipArchive<R>,
    limits: Limits,
}

impl<R: Read + Seek> Archive<R> {
    pub(super) fn open(mut r: R, limits: Limits) -> Result<Self, QdpxError> {
        check_entry_count(&mut r, limits.max_zip_entries)?;
        let zip = ZipArchive::new(r).map_err(|e| QdpxError::NotQdpx(e.to_string()))?;
        Ok(Archive { zip, limits })
    }

    /// The names of the entries, in the archive's order.
    pub(super) fn names(&self) -> Vec<String> {
        (0..self.zip.len())
            .map(|i| self.zip.name_for_index(i).and_then(Result::ok).map(|n| n.into_owned()).unwrap_or_default())
            .collect()
    }

    /// An entry by name: exactly, else ignoring ASCII case.
    pub(super) fn find(&self, name: &str) -> Option<usize> {
        self.zip.index_for_name(name).or_else(|| {
            (0..self.zip.len()).find(|&i| {
                self.zip.name_for_index(i).and_then(Result::ok).is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        })
    }

    /// Entry `index` as a stream of at most `max` unpacked bytes.
    pub(super) fn open_entry(&mut self, index: usize, max: u64) -> Result<Entry<'_, R>, QdpxError> {
        let limits = self.limits;
        let file = self.zip.by_index_raw(index).map_err(|e| QdpxError::NotQdpx(e.to_string()))?;
        let name = file.name().map(|n| n.into_owned()).unwrap_or_default();
        if file.encrypted() {
            return Err(QdpxError::Encrypted(name));
        }
        let (method, declared, packed) = (file.compression(), file.size(), file.compressed_size());
        drop(file);
        if !matches!(method, CompressionMethod::Stored | CompressionMethod::Deflated) {
            return Err(QdpxError::Unsupported { part: name, method: format!("{method:?}") });
        }
        if declared > max {
            return Err(LimitExceeded::EntryBytes { entry: name, limit: max }.into());
        }
        if declared > RATIO_FREE_BYTES && declared / packed.max(1) >= limits.max_ratio {
            return Err(LimitExceeded::Ratio { entry: name, limit: limits.max_ratio }.into());
        }
        let inner =
            self.zip.by_index(index).map_err(|e| QdpxError::Damaged { part: name.clone(), message: e.to_string() })?;
        Ok(Entry { inner, left: declared, declared, name })
    }

    /// Entry `index` read whole (at most `max` bytes).
    pub(super) fn read_entry(&mut self, index: usize, max: u64) -> Result<(String, Vec<u8>), QdpxError> {
        let mut entry = self.open_entry(index, max)?;
        let name = entry.name.clone();
        let mut out = Vec::with_capacity(entry.declared.min(max) as usize);
        entry.read_to_end(&mut out).map_err(|e| io_error(&name, e))?;
        Ok((name, out))
    }
}

/// An entry's unpacked bytes, refused past the size the entry declares.
pub(super) struct Entry<'a, R: Read + Seek> {
    inner: zip::read::ZipFile<'a, R>,
    left: u64,
    declared: u64,
    pub(super) name: String,
}

impl<R: Read + Seek> Read for Entry<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Read one byte more than is left, to tell a lying header from the end.
        let want = buf.len().min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(LimitExceeded::EntryLied { entry: self.name.clone(), declared: self.declared }.into_io());
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A reading error of part `part`: a limit when a bounded stream raised one.
pub(super) fn io_error(part: &str, e: io::Error) -> QdpxError {
    match LimitExceeded::from_io(&e) {
        Some(l) => QdpxError::Limit(l.clone()),
        None => QdpxError::Damaged { part: part.into(), message: e.to_string() },
    }
}

/// A stream cut off after `max` bytes with [`LimitExceeded::FileBytes`].
pub(super) struct Capped<R> {
    pub(super) inner: R,
    pub(super) left: u64,
    pub(super) max: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(LimitExceeded::FileBytes(self.max).into_io());
        }
        self.left -= n as u64;
        Ok(n)
    }
}

pub(super) use crate::zipped::MarkupBudget;

/// Checks the number of entries in the central directory before the zip crate reads it (it
/// keeps every entry in memory).
fn check_entry_count<R: Read + Seek>(r: &mut R, max: u64) -> Result<(), QdpxError> {
    let entries = crate::zipped::entry_count(r)
        .map_err(|e| io_error("(archive)", e))?
        .ok_or_else(|| QdpxError::NotQdpx("no end of central directory".into()))?;
    if entries > max {
        return Err(LimitExceeded::ZipEntries(max).into());
    }
    Ok(())
}
