//! Files attached to a record (an activity's photos and documents, a finding's evidence):
//! what types are accepted, found from the first bytes (never from the name alone, and a zip
//! is never opened), and how large one may be.

use sha2::{Digest, Sha256};

use crate::registry::Id;
use crate::registry::text;

/// The largest attachment, in bytes: 10 MB.
pub const ATTACHMENT_LIMIT: usize = 10 * 1024 * 1024;
/// The limit as people read it.
pub const ATTACHMENT_LIMIT_MB: usize = 10;

/// The kinds of file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Webp,
    Pdf,
    Docx,
    Xlsx,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// Whether a page may show it as a picture.
    pub fn is_image(content_type: &str) -> bool {
        content_type.starts_with("image/")
    }
}

/// The kind of a file from its first bytes (and, for a zip, its name: `.docx` or `.xlsx`).
pub fn sniff(name: &str, head: &[u8]) -> Result<FileKind, String> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(FileKind::Jpeg);
    }
    if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Ok(FileKind::Png);
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Ok(FileKind::Webp);
    }
    if head.starts_with(b"%PDF-") {
        return Ok(FileKind::Pdf);
    }
    if head.starts_with(b"PK\x03\x04") {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        return match ext.as_str() {
            "docx" => Ok(FileKind::Docx),
            "xlsx" => Ok(FileKind::Xlsx),
            _ => Err("is a zip file; only .docx and .xlsx documents are accepted".into()),
        };
    }
    Err("is not a JPEG, PNG, WebP, PDF, DOCX or XLSX file".into())
}

/// A file to attach, checked: its kind found from its bytes, its size within the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub entity: String,
    pub entity_id: Id,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

impl NewAttachment {
    /// Checks an uploaded file; the error is the rule the `file` field broke.
    pub fn parse(entity: &str, entity_id: Id, file_name: &str, bytes: Vec<u8>) -> Result<NewAttachment, String> {
        if bytes.is_empty() {
            return Err("is empty".into());
        }
        if bytes.len() > ATTACHMENT_LIMIT {
            return Err(format!("is larger than {ATTACHMENT_LIMIT_MB} MB"));
        }
        let name = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
        let name: String = name.chars().filter(|c| !c.is_control() && !text::hidden_char(*c)).take(200).collect();
        let name = if name.trim().is_empty() { "berkas".to_string() } else { name.trim().to_string() };
        let kind = sniff(&name, &bytes)?;
        let sha256 = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        Ok(NewAttachment {
            entity: entity.into(),
            entity_id,
            file_name: name,
            content_type: kind.content_type().into(),
            sha256,
            bytes,
        })
    }
}

/// A stored attachment (its bytes are read separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: Id,
    pub entity: String,
    pub entity_id: Id,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: time::OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_found_from_the_bytes() {
        assert_eq!(sniff("a.bin", &[0xFF, 0xD8, 0xFF, 0xE0]), Ok(FileKind::Jpeg));
        assert_eq!(sniff("x", b"\x89PNG\r\n\x1a\nrest"), Ok(FileKind::Png));
        assert_eq!(sniff("x", b"RIFF\0\0\0\0WEBPVP8 "), Ok(FileKind::Webp));
        assert_eq!(sniff("report.jpg", b"%PDF-1.7"), Ok(FileKind::Pdf));
        assert_eq!(sniff("Laporan.DOCX", b"PK\x03\x04zz"), Ok(FileKind::Docx));
        assert_eq!(sniff("t.xlsx", b"PK\x03\x04zz"), Ok(FileKind::Xlsx));
        assert!(sniff("t.zip", b"PK\x03\x04zz").unwrap_err().contains("zip"));
        assert!(sniff("photo.jpg", b"GIF89a").unwrap_err().contains("not a JPEG"));
    }

    #[test]
    fn size_and_name_are_checked() {
        assert!(NewAttachment::parse("activity", 1, "a.pdf", Vec::new()).is_err());
        let big = [b"%PDF-".as_slice(), &vec![0; ATTACHMENT_LIMIT]].concat();
        assert_eq!(NewAttachment::parse("activity", 1, "a.pdf", big).unwrap_err(), "is larger than 10 MB");
        let ok = NewAttachment::parse("activity", 1, "C:\\docs\\laporan.pdf", b"%PDF-1.4".to_vec()).expect("ok");
        assert_eq!(ok.file_name, "laporan.pdf");
        assert_eq!(ok.content_type, "application/pdf");
        assert_eq!(ok.sha256.len(), 64);
    }
}
