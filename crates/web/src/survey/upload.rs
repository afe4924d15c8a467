//! Receiving a survey upload: each file of the multipart body goes to a file in the survey
//! files directory chunk by chunk as it arrives, counted against the configured limit, so an
//! upload of hundreds of megabytes never sits in memory. A file that is not kept is removed
//! when its [`Received`] is dropped.

use std::path::{Path, PathBuf};

use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::http::StatusCode;
use tokio::io::AsyncWriteExt;

use crate::error::Error;

/// Where survey uploads go and how large they may be: `berdaya serve --survey-upload-limit-mb
/// --survey-files`.
#[derive(Debug, Clone)]
pub struct SurveyConfig {
    /// The largest upload (instrument, responses and fields together), in bytes.
    pub upload_limit: u64,
    /// Uploaded responses files are kept here (the database names them); uploads in progress
    /// are written here too, so keeping one is a rename.
    pub files_dir: PathBuf,
}

impl SurveyConfig {
    /// The default limit, in MiB: a 1,000,000-respondent export of a 14-item instrument is
    /// about 41 MB as CSV, several times that as XLSX.
    pub const DEFAULT_LIMIT_MIB: u64 = 256;

    /// The default limit with uploads kept in `files_dir`.
    pub fn new(files_dir: impl Into<PathBuf>) -> SurveyConfig {
        SurveyConfig { upload_limit: Self::DEFAULT_LIMIT_MIB << 20, files_dir: files_dir.into() }
    }

    /// The limit in whole MiB, as the form and the error page state it.
    pub fn limit_mib(&self) -> u64 {
        self.upload_limit >> 20
    }

    /// Removes uploads left half-written by a server that stopped mid-upload (call it at
    /// start, before any upload can be in progress); answers how many it removed.
    pub fn remove_partial_uploads(&self) -> std::io::Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.files_dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("upload-") && name.ends_with(".part") && entry.file_type()?.is_file() {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The limit as an [`Error::too_large`] takes it.
    pub fn limit_usize(&self) -> usize {
        usize::try_from(self.upload_limit).unwrap_or(usize::MAX)
    }
}

impl Default for SurveyConfig {
    /// Uploads in a directory of the system's temporary directory (tests and embedding; the
    /// server passes its own).
    fn default() -> SurveyConfig {
        SurveyConfig::new(std::env::temp_dir().join("berdaya-survey-files"))
    }
}

/// The longest uploaded file name kept, in characters.
const MAX_FILE_NAME: usize = 255;

/// The most bytes a text field (title, alpha, a checkbox) may have.
const MAX_TEXT_FIELD: usize = 64 * 1024;

/// After the limit is passed the rest of the body is still read (and thrown away) up to this
/// many bytes, so the client gets to read the error page instead of a reset connection.
const DRAIN_AFTER_LIMIT: u64 = 1 << 30;

/// An uploaded file on disk: removed when dropped unless [`Received::keep`] took it.
#[derive(Debug)]
pub struct Received {
    /// The name the user gave it, shortened.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    path: Option<PathBuf>,
}

impl Received {
    /// Where it is now (it has the uploaded file's extension, or one found from its first
    /// bytes, so readers that go by extension read it right).
    pub fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }

    /// The file's name inside the files directory.
    pub fn key(&self) -> String {
        self.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// Keeps the file (it is no longer removed on drop) and answers its key.
    pub fn keep(mut self) -> String {
        let key = self.key();
        self.path = None;
        key
    }

    /// The whole file, for small files (the instrument).
    pub async fn read_all(&self) -> std::io::Result<Vec<u8>> {
        tokio::fs::read(self.path()).await
    }
}

impl Drop for Received {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            // A file that is already gone is fine; anything else is worth a line in the log.
            if let Err(e) = std::fs::remove_file(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(error = %e, "an unused survey upload could not be removed");
            }
        }
    }
}

/// What the upload form and the API send (multipart/form-data).
#[derive(Debug, Default)]
pub struct Submission {
    pub title: String,
    pub alpha: String,
    pub drop_incomplete: bool,
    pub instrument: Option<Received>,
    pub responses: Option<Received>,
}

fn short_name(name: Option<&str>, fallback: &str) -> String {
    let name = name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(fallback);
    // Only the last path segment: some browsers send a full path.
    let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    name.chars().filter(|c| !c.is_control()).take(MAX_FILE_NAME).collect()
}

fn multipart_error(e: MultipartError, config: &SurveyConfig) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::too_large(config.limit_usize())
    } else {
        Error::bad_request("body", format!("is not a readable multipart form: {}", e.body_text()))
    }
}

fn internal(e: &std::io::Error) -> Error {
    tracing::error!(error = %e, "a survey upload could not be written to the files directory");
    Error::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error: the upload could not be stored; the cause has been logged",
    )
}

/// The extension a stored upload gets: the uploaded one when the readers know it, else one
/// found from the first bytes (a zip is XLSX, an OLE file XLS, anything else CSV).
fn extension(name: &str, head: &[u8]) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "csv" => "csv",
        "txt" => "txt",
        "xlsx" => "xlsx",
        "xlsm" => "xlsm",
        "xls" => "xls",
        "ods" => "ods",
        _ if head.starts_with(b"PK\x03\x04") => "xlsx",
        _ if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) => "xls",
        _ => "csv",
    }
}

/// Counts the bytes of the whole body against the limit.
struct Budget {
    used: u64,
    limit: u64,
}

impl Budget {
    /// Takes `n` bytes; `false` once the body is over the limit.
    fn take(&mut self, n: usize) -> bool {
        self.used = self.used.saturating_add(n as u64);
        self.used <= self.limit
    }
}

/// Writes one file field to disk in `dir`, chunk by chunk. `Ok(None)` for an empty field (no
/// file chosen); `Err(None)` when the body went over the limit.
async fn receive_file(
    mut field: Field<'_>,
    name: &str,
    dir: &Path,
    budget: &mut Budget,
    config: &SurveyConfig,
) -> Result<Option<Received>, Option<Error>> {
    let file_name = short_name(field.file_name(), name);
    let part = dir.join(format!("upload-{}.part", berdaya_domain::access::secret::new_secret("")));
    let mut received = Received { name: file_name, size: 0, path: Some(part) };
    let mut out = tokio::fs::File::create(received.path()).await.map_err(|e| Some(internal(&e)))?;
    let mut head = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| Some(multipart_error(e, config)))? {
        if !budget.take(chunk.len()) {
            return Err(None);
        }
        if head.len() < 8 {
            head.extend_from_slice(&chunk[..chunk.len().min(8)]);
        }
        out.write_all(&chunk).await.map_err(|e| Some(internal(&e)))?;
        received.size += chunk.len() as u64;
    }
    out.flush().await.map_err(|e| Some(internal(&e)))?;
    drop(out);
    if received.size == 0 {
        return Ok(None);
    }
    let key = format!(
        "{}-{}.{}",
        time::OffsetDateTime::now_utc().unix_timestamp(),
        &berdaya_domain::access::secret::new_secret("")[..24],
        extension(&received.name, &head)
    );
    let kept = dir.join(key);
    tokio::fs::rename(received.path(), &kept).await.map_err(|e| Some(internal(&e)))?;
    received.path = Some(kept);
    Ok(Some(received))
}

/// Reads a text field, at most [`MAX_TEXT_FIELD`] bytes.
async fn receive_text(
    mut field: Field<'_>,
    budget: &mut Budget,
    config: &SurveyConfig,
) -> Result<String, Option<Error>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| Some(multipart_error(e, config)))? {
        if !budget.take(chunk.len()) {
            return Err(None);
        }
        if bytes.len() + chunk.len() > MAX_TEXT_FIELD {
            return Err(Some(Error::bad_request("body", "a text field of the form is longer than 64 KiB")));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads and throws away what is left of the body (up to [`DRAIN_AFTER_LIMIT`]), so that the
/// client, still sending, reads the answer rather than a reset.
async fn drain(mp: &mut Multipart) {
    let mut left = DRAIN_AFTER_LIMIT;
    loop {
        let Ok(Some(mut field)) = mp.next_field().await else { return };
        while let Ok(Some(chunk)) = field.chunk().await {
            left = left.saturating_sub(chunk.len() as u64);
            if left == 0 {
                return;
            }
        }
    }
}

/// Reads a submission: files to disk in the files directory, text fields to memory; the whole
/// body is held to the configured limit (a 413 naming it).
pub async fn read_submission(
    multipart: Result<Multipart, MultipartRejection>,
    config: &SurveyConfig,
) -> Result<Submission, Error> {
    let mut mp = multipart.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::too_large(config.limit_usize())
        } else {
            Error::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "content-type: the upload must be sent as multipart/form-data",
            )
        }
    })?;
    tokio::fs::create_dir_all(&config.files_dir).await.map_err(|e| internal(&e))?;
    let mut budget = Budget { used: 0, limit: config.upload_limit };
    let mut sub = Submission::default();
    let outcome: Result<(), Option<Error>> = async {
        while let Some(field) = mp.next_field().await.map_err(|e| Some(multipart_error(e, config)))? {
            let name = field.name().unwrap_or_default().to_string();
            match name.as_str() {
                "instrument" => {
                    sub.instrument = receive_file(field, &name, &config.files_dir, &mut budget, config).await?
                }
                "responses" => {
                    sub.responses = receive_file(field, &name, &config.files_dir, &mut budget, config).await?
                }
                "title" => sub.title = receive_text(field, &mut budget, config).await?,
                "alpha" => sub.alpha = receive_text(field, &mut budget, config).await?,
                "drop_incomplete" => {
                    let text = receive_text(field, &mut budget, config).await?;
                    sub.drop_incomplete = !matches!(text.trim(), "" | "false" | "0" | "off");
                }
                // Unknown parts (the CSRF token, a submit button) count but are not kept.
                _ => {
                    let mut field = field;
                    while let Some(chunk) = field.chunk().await.map_err(|e| Some(multipart_error(e, config)))? {
                        if !budget.take(chunk.len()) {
                            return Err(None);
                        }
                    }
                }
            }
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(sub),
        Err(Some(e)) => Err(e),
        Err(None) => {
            tracing::info!(limit_mib = config.limit_mib(), "a survey upload over the limit was refused");
            drop(sub);
            drain(&mut mp).await;
            Err(Error::too_large(config.limit_usize()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_uploads_keep_a_readable_extension() {
        assert_eq!(extension("jawaban.CSV", b"id,a"), "csv");
        assert_eq!(extension("jawaban.xlsx", b"id,a"), "xlsx");
        assert_eq!(extension("jawaban", b"PK\x03\x04rest"), "xlsx");
        assert_eq!(extension("jawaban.dat", &[0xD0, 0xCF, 0x11, 0xE0]), "xls");
        assert_eq!(extension("jawaban", b"id,a\n"), "csv");
    }

    #[test]
    fn the_budget_counts_the_whole_body() {
        let mut b = Budget { used: 0, limit: 10 };
        assert!(b.take(6));
        assert!(b.take(4));
        assert!(!b.take(1));
    }

    #[test]
    fn partial_uploads_are_removed_at_start_and_kept_files_stay() {
        let dir = std::env::temp_dir().join(format!("berdaya-partial-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("upload-abc.part"), b"half").expect("part");
        std::fs::write(dir.join("1764-abc.csv"), b"kept").expect("kept");
        let config = SurveyConfig::new(&dir);
        assert_eq!(config.remove_partial_uploads().expect("clean"), 1);
        assert!(!dir.join("upload-abc.part").exists());
        assert!(dir.join("1764-abc.csv").exists());
        std::fs::remove_dir_all(&dir).expect("remove");
    }

    #[test]
    fn the_limit_is_stated_in_mib() {
        let c = SurveyConfig::new("/tmp/x");
        assert_eq!(c.limit_mib(), 256);
        assert_eq!(SurveyConfig { upload_limit: 3 << 20, ..c }.limit_usize(), 3 << 20);
    }
}
